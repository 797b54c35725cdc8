"""Read the JSON reports of `assistant eval --report DIR` for the ops dashboard.

A run's id is its report's file stem (`eval-20261204T213000Z`). The committed baseline,
`evals/baselines/embedded.json` in a source checkout, is listed as the run `baseline`.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, JsonValue

from assistant.errors import InputError, NotFoundError

logger = logging.getLogger(__name__)

REPORT_PREFIX = "eval-"
"""File name prefix of the reports that `evals.report.write_reports` writes."""

BASELINE_RUN_ID = "baseline"
BASELINE_PATH = Path(__file__).resolve().parents[1] / "evals" / "baselines" / "embedded.json"
"""Committed baseline of the eval gate; missing in an installed wheel, and then not listed."""

HEADLINE_METRICS = (
    "pass_rate",
    "intent_accuracy",
    "hit_at_5",
    "groundedness",
    "action_accuracy",
    "answer_correctness",
)
"""Metrics shown in the run list and drawn as trends."""

_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


class EvalRunNotFoundError(NotFoundError):
    """Raised when no readable eval report has the requested run id."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"eval run {run_id!r} not found", code="eval_run_not_found", run_id=run_id)


class EvalRunSummary(BaseModel):
    """One eval run as the run list shows it."""

    id: str
    created_at: datetime | None
    """When the run was made: the report's `created_at`, else the time in its file name (UTC).

    None when the report records neither, as in a baseline written before reports had
    `created_at`. A file's modification time is not used, because a git clone sets it.
    """

    git_commit: str | None
    engine: str | None
    """`embedded` or the litellm model string the run used."""

    cases: int
    seconds: float | None
    headline: dict[str, float | None]
    """The HEADLINE_METRICS of the run; None when the report lacks one."""


class FailingCase(BaseModel):
    """One failed case of a run, with what the drill-down shows."""

    id: str
    trial: int
    language: str | None
    failures: list[str]
    intent_expected: str | None
    intent_predicted: str | None
    action_expected: str | None
    action_predicted: str | None
    answer: str
    expected_docs: list[str]
    retrieved_docs: list[str]
    cited_docs: list[str]


class EvalRunDetail(EvalRunSummary):
    """One eval run with every metric, the confusion matrix, node latency and failing cases."""

    metrics: dict[str, float | None]
    intent_confusion: dict[str, dict[str, int]]
    node_latency: dict[str, dict[str, float]]
    config: dict[str, JsonValue]
    failing_cases: list[FailingCase]


class EvalRunReader:
    """Lists and loads the eval reports of one folder, plus the committed baseline."""

    def __init__(self, reports_dir: Path, baseline_path: Path = BASELINE_PATH) -> None:
        self.reports_dir = reports_dir
        self.baseline_path = baseline_path

    def list_runs(self) -> list[EvalRunSummary]:
        """Return every readable run, oldest first; unreadable reports are logged and skipped.

        Runs without a known time come first.
        """
        runs = []
        for run_id, path in self._report_paths():
            report = _read_report(path)
            if report is not None:
                runs.append(_summarize(run_id, report))
        return sorted(runs, key=_run_order)

    def get_run(self, run_id: str) -> EvalRunDetail:
        """Return one run.

        Raises:
            InputError: the id is not a report file stem.
            EvalRunNotFoundError: no readable report has this id.
        """
        path = self._path_of(run_id)
        report = _read_report(path) if path.is_file() else None
        if report is None:
            raise EvalRunNotFoundError(run_id)

        return _detail(run_id, report)

    def _report_paths(self) -> list[tuple[str, Path]]:
        paths = []
        if self.baseline_path.is_file():
            paths.append((BASELINE_RUN_ID, self.baseline_path))
        if self.reports_dir.is_dir():
            for path in sorted(self.reports_dir.glob(f"{REPORT_PREFIX}*.json")):
                paths.append((path.stem, path))
        return paths

    def _path_of(self, run_id: str) -> Path:
        if run_id == BASELINE_RUN_ID:
            return self.baseline_path
        # The id pattern has no slash and cannot start with a dot, and the resolved path is
        # checked again, so an id never reaches a file outside the reports folder.
        if not _RUN_ID_RE.match(run_id) or not run_id.startswith(REPORT_PREFIX):
            raise InputError(
                f"invalid eval run id {run_id!r}: use a report name such as "
                f"'{REPORT_PREFIX}20260101T000000Z' or '{BASELINE_RUN_ID}'",
                code="invalid_eval_run_id",
                run_id=run_id,
            )
        root = self.reports_dir.resolve()
        path = (root / f"{run_id}.json").resolve()
        if not path.is_relative_to(root):
            raise EvalRunNotFoundError(run_id)
        return path


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        logger.warning("skipped unreadable eval report %s: %s", path, error)
        return None
    if not isinstance(report, dict) or not isinstance(report.get("metrics"), dict):
        logger.warning("skipped eval report %s: it has no metrics object", path)
        return None
    return report


def _created_at(run_id: str, report: dict[str, Any]) -> datetime | None:
    recorded = report.get("created_at")
    if isinstance(recorded, str):
        try:
            parsed = datetime.fromisoformat(recorded)
        except ValueError:
            logger.warning("eval run %s: created_at %r is not an ISO time", run_id, recorded)
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    stamp = run_id.removeprefix(REPORT_PREFIX)
    try:
        return datetime.strptime(stamp, _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _run_order(run: EvalRunSummary) -> tuple[bool, datetime]:
    return (run.created_at is not None, run.created_at or datetime.min.replace(tzinfo=UTC))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _case_count(metric: object, cases: object) -> int:
    # The `cases` metric counts every case of the run; the list is the fallback for reports
    # written before that metric existed.
    count = _number(metric)
    if count is not None:
        return int(count)
    return len(cases) if isinstance(cases, list) else 0


def _summarize(run_id: str, report: dict[str, Any]) -> EvalRunSummary:
    metrics = report["metrics"]
    config = report.get("config")
    cases = report.get("cases")
    return EvalRunSummary(
        id=run_id,
        created_at=_created_at(run_id, report),
        git_commit=report.get("git_commit"),
        engine=config.get("engine") if isinstance(config, dict) else None,
        cases=_case_count(metrics.get("cases"), cases),
        seconds=_number(report.get("seconds")),
        headline={name: _number(metrics.get(name)) for name in HEADLINE_METRICS},
    )


def _failing_case(case: dict[str, Any]) -> FailingCase:
    return FailingCase(
        id=str(case.get("id", "")),
        trial=int(case.get("trial") or 0),
        language=case.get("language"),
        failures=list(case.get("failures") or []),
        intent_expected=case.get("intent_expected"),
        intent_predicted=case.get("intent_predicted"),
        action_expected=case.get("action_expected"),
        action_predicted=case.get("action_predicted"),
        answer=str(case.get("answer") or ""),
        expected_docs=list(case.get("expected_docs") or []),
        retrieved_docs=list(case.get("retrieved_docs") or []),
        cited_docs=list(case.get("cited_docs") or []),
    )


def _detail(run_id: str, report: dict[str, Any]) -> EvalRunDetail:
    summary = _summarize(run_id, report)
    cases = report.get("cases")
    if not isinstance(cases, list):
        cases = []
    return EvalRunDetail(
        **summary.model_dump(),
        metrics={name: _number(value) for name, value in report["metrics"].items()},
        intent_confusion=report.get("intent_confusion") or {},
        node_latency=report.get("node_latency") or {},
        config=report.get("config") or {},
        failing_cases=[_failing_case(case) for case in cases if not case.get("passed", True)],
    )
