"""Running the `assistant` CLI in a child process against a benchmark data folder."""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger("benchmarks.cli_runner")

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"


@dataclass(frozen=True)
class CliRun:
    """Output of one CLI process with its wall and CPU time."""

    lines: list[str]
    """The non-empty output lines."""
    records: list[dict[str, Any]]
    """The output lines parsed as JSON, or an empty list when `parse_json` was False."""
    seconds: float
    """Wall-clock time of the child process."""
    cpu_seconds: float
    """User plus system CPU time of the child process."""


def configure_logging() -> None:
    """Log the benchmarks' progress at INFO and the product's own logs at WARNING."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
    logging.getLogger("benchmarks").setLevel(logging.INFO)


def load_average() -> list[float]:
    """Return the 1, 5 and 15 minute load averages, rounded, to record beside timings."""
    return [round(value, 2) for value in os.getloadavg()]


def fresh_data_dir(path: Path | None, prefix: str) -> Path:
    """Return `path` when it is missing or empty, or a new temp folder when `path` is None.

    Raises:
        SystemExit: when `path` exists and is not empty, because ingest times would then
            measure an incremental run.
    """
    if path is None:
        return Path(tempfile.mkdtemp(prefix=prefix))
    if path.exists() and any(path.iterdir()):
        sys.exit(f"--data-dir {path} is not empty; pass an empty or missing folder")
    path.mkdir(parents=True, exist_ok=True)
    return path


def benchmark_env(data_dir: Path) -> dict[str, str]:
    """Return the environment of a benchmark child: its own data folder, embedded engine only.

    The LLM and embedding model variables are cleared so every run measures the offline
    engine and no child reaches the network; the reranker follows `use_semantic_rerank`.
    """
    env = dict(os.environ)
    env["ASSISTANT_DATA_DIR"] = str(data_dir)
    env["ASSISTANT_LLM_MODEL"] = ""
    env["ASSISTANT_EMBEDDING_MODEL"] = ""
    env["ASSISTANT_SEMANTIC_RERANK"] = "true" if _semantic_rerank else "false"
    return env


_semantic_rerank = True


def use_semantic_rerank(enabled: bool) -> None:
    """Turn the semantic reranker on or off for every child and in-process KB from now on.

    It is on, the product's default, unless a script turns it off, whatever the caller's
    shell sets, so that the figures of a run never depend on the environment it was started
    from.
    """
    global _semantic_rerank
    _semantic_rerank = enabled


def run_cli(
    args: list[str],
    data_dir: Path,
    stdin_lines: list[str] | None = None,
    *,
    parse_json: bool = True,
) -> CliRun:
    """Run `assistant ARGS`, feeding one stdin line per input, and parse each output line.

    Raises:
        RuntimeError: when the command fails or prints a different number of lines than it
            was given, with the command's stderr tail.
    """
    command = [str(_assistant_bin()), *args]
    stdin = "".join(line + "\n" for line in stdin_lines) if stdin_lines is not None else None
    cpu_before = _children_cpu_seconds()
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=benchmark_env(data_dir),
        check=False,
    )
    seconds = time.perf_counter() - started
    cpu_seconds = _children_cpu_seconds() - cpu_before
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit code {completed.returncode}: "
            f"{completed.stderr.strip()[-2000:]}"
        )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines] if parse_json else []
    if stdin_lines is not None and len(records) != len(stdin_lines):
        raise RuntimeError(
            f"{' '.join(command)} printed {len(records)} results for {len(stdin_lines)} inputs"
        )
    logger.info("assistant %s: %d lines in %.1f s", " ".join(args)[:80], len(lines), seconds)
    return CliRun(lines, records, seconds, cpu_seconds)


def _assistant_bin() -> Path:
    if not ASSISTANT_BIN.exists():
        raise RuntimeError(
            f"{ASSISTANT_BIN} not found: run the benchmarks with the project's venv Python "
            "(.venv/bin/python), where `pip install -e .` put the `assistant` command"
        )
    return ASSISTANT_BIN


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ingest(folder: Path, kb: str, data_dir: Path) -> dict[str, Any]:
    """Ingest a folder with `assistant ingest --json` and return its counts and times."""
    run = run_cli(["ingest", str(folder), "--kb", kb, "--json"], data_dir)
    report = run.records[0]
    return {
        "kb": kb,
        "files": sum(len(report[name]) for name in ("added", "updated", "unchanged")),
        "skipped": len(report["skipped"]),
        "chunks": report["chunk_count"],
        "ingest_seconds": report["seconds"],
        "wall_seconds": round(run.seconds, 3),
        "cpu_seconds": round(run.cpu_seconds, 3),
    }
