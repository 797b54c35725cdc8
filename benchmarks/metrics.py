"""Retrieval metrics and latency measurement shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np


def distinct_docs(docs: Iterable[str]) -> list[str]:
    """Return the docs in order of first occurrence, each once."""
    return list(dict.fromkeys(docs))


def rank_of(expected: str, ranked: Sequence[str]) -> int | None:
    """Return the 1-based rank of `expected` in `ranked`, or None when it is absent."""
    try:
        return ranked.index(expected) + 1
    except ValueError:
        return None


def hit_at(rank: int | None, k: int) -> float:
    """Return 1.0 when the rank is within the first k, else 0.0."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank_at(rank: int | None, k: int) -> float:
    """Return 1/rank when the rank is within the first k, else 0.0 (the MRR@k term)."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def mean(values: Sequence[float]) -> float | None:
    """Return the mean rounded to 3 decimals, or None for no values."""
    return round(float(np.mean(values)), 3) if values else None


@dataclass
class Timings:
    """Wall-clock and CPU seconds of each timed call."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """Process CPU time (all threads). It grows less than wall time when other processes compete
    for the cores, though it still rises under heavy load."""


def time_calls(call: Callable[[str], object], inputs: Sequence[str], warmup: int) -> Timings:
    """Call once per input after `warmup` untimed calls on the first inputs, timing each call."""
    for text in inputs[:warmup]:
        call(text)
    timings = Timings()
    for text in inputs:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        call(text)
        timings.cpu.append(time.process_time() - cpu_start)
        timings.wall.append(time.perf_counter() - wall_start)
    return timings


def latency_summary(timings: Timings) -> dict[str, float]:
    """Return count, median, p95 and max wall time and median and p95 CPU time, in ms."""
    wall = np.asarray(timings.wall) * 1000.0
    cpu = np.asarray(timings.cpu) * 1000.0
    return {
        "count": len(wall),
        "p50_ms": round(float(np.percentile(wall, 50)), 2),
        "p95_ms": round(float(np.percentile(wall, 95)), 2),
        "max_ms": round(float(wall.max()), 2),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 2),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2),
    }
