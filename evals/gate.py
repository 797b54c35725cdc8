"""Regression gate: compare a run's metrics with a committed baseline within tolerances.

Only the metrics listed in the tolerance file are gated. Latency, tokens and cost depend on the
machine and the model, so they are reported but never gated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.errors import ConfigurationError

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_BASELINE = EVALS_DIR / "baselines" / "embedded.json"
DEFAULT_TOLERANCES = EVALS_DIR / "tolerances.json"


class GateError(ConfigurationError):
    """The baseline or tolerance file is missing or invalid."""


class MetricTolerance(BaseModel):
    """How far one metric may move in the bad direction before the gate fails."""

    model_config = ConfigDict(extra="forbid")

    tolerance: float
    lower_is_better: bool = False


class Tolerances(BaseModel):
    """The tolerance file: the gated metrics and their allowed drops."""

    model_config = ConfigDict(extra="forbid")

    metrics: dict[str, MetricTolerance]


@dataclass(frozen=True)
class GateRow:
    """One gated metric: baseline, current value, allowed drop and verdict."""

    metric: str
    baseline: float | None
    current: float | None
    tolerance: float
    passed: bool


def load_tolerances(path: Path = DEFAULT_TOLERANCES) -> Tolerances:
    """Load and validate the tolerance file.

    Raises:
        GateError: naming the file and the problem.
    """
    try:
        return Tolerances.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise GateError(f"{path}: invalid tolerance file: {exc}") from exc


def load_baseline(path: Path = DEFAULT_BASELINE) -> dict[str, float | None]:
    """Return the metrics of a baseline report.

    Raises:
        GateError: when the file is missing or has no `metrics` object; produce one with
            `assistant eval --report DIR` and copy the JSON report to the baseline path.
    """
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))["metrics"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise GateError(
            f"{path}: cannot read baseline metrics ({exc}); run `assistant eval --report DIR` "
            "and copy the JSON report there"
        ) from exc
    return dict(metrics)


def compare(
    current: dict[str, float | None], baseline: dict[str, float | None], tolerances: Tolerances
) -> list[GateRow]:
    """Return one row per gated metric; a metric missing from the run fails its row."""
    rows = []
    for metric, rule in tolerances.metrics.items():
        base, value = baseline.get(metric), current.get(metric)
        if base is None:
            passed = True
        elif value is None:
            passed = False
        elif rule.lower_is_better:
            passed = value <= base + rule.tolerance
        else:
            passed = value >= base - rule.tolerance
        rows.append(GateRow(metric, base, value, rule.tolerance, passed))
    return rows


def format_rows(rows: list[GateRow]) -> str:
    """Render the gate rows as a fixed-width table, failing rows marked FAIL."""
    header = f"{'metric':<24}{'baseline':>10}{'current':>10}{'delta':>10}{'tol':>8}  result"
    lines = [header, "-" * len(header)]
    for row in rows:
        delta = (
            f"{row.current - row.baseline:+.4f}"
            if row.current is not None and row.baseline is not None
            else "-"
        )
        lines.append(
            f"{row.metric:<24}{_cell(row.baseline):>10}{_cell(row.current):>10}{delta:>10}"
            f"{row.tolerance:>8.3f}  {'ok' if row.passed else 'FAIL'}"
        )
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
