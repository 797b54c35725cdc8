"""The eval run list takes each run's time from its report, never from the file's mtime."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from assistant.eval_runs import BASELINE_RUN_ID, EvalRunReader
from tests.conftest import BASELINE_REPORT, write_eval_report

CLONE_TIME = datetime(2027, 3, 1, 8, 0, tzinfo=UTC).timestamp()
"""An mtime like the one a git clone gives the baseline, later than every run."""


def write_baseline(path: Path, **fields: object) -> Path:
    report = json.loads(BASELINE_REPORT.read_text(encoding="utf-8"))
    report.pop("created_at", None)
    report |= fields
    path.write_text(json.dumps(report), encoding="utf-8")
    os.utime(path, (CLONE_TIME, CLONE_TIME))
    return path


def runs_by_id(reader: EvalRunReader) -> dict[str, datetime | None]:
    return {run.id: run.created_at for run in reader.list_runs()}


def test_baseline_without_time_listed_first(tmp_path: Path) -> None:
    baseline = write_baseline(tmp_path / "embedded.json")
    write_eval_report(tmp_path / "reports", "20261101T090000Z", {})

    runs = EvalRunReader(tmp_path / "reports", baseline).list_runs()

    assert [run.id for run in runs] == [BASELINE_RUN_ID, "eval-20261101T090000Z"]
    assert runs[0].created_at is None


def test_recorded_created_at_wins_over_file_name(tmp_path: Path) -> None:
    baseline = write_baseline(tmp_path / "embedded.json", created_at="2026-10-30T18:30:00+08:00")
    report = write_eval_report(tmp_path / "reports", "20261101T090000Z", {})
    data = json.loads(report.read_text(encoding="utf-8")) | {"created_at": "2026-11-01T08:59:41Z"}
    report.write_text(json.dumps(data), encoding="utf-8")

    times = runs_by_id(EvalRunReader(tmp_path / "reports", baseline))

    assert times[BASELINE_RUN_ID] == datetime(
        2026, 10, 30, 18, 30, tzinfo=timezone(timedelta(hours=8))
    )
    assert times["eval-20261101T090000Z"] == datetime(2026, 11, 1, 8, 59, 41, tzinfo=UTC)


def test_file_name_time_used_without_created_at(tmp_path: Path) -> None:
    write_eval_report(tmp_path / "reports", "20261101T090000Z", {})

    times = runs_by_id(EvalRunReader(tmp_path / "reports", tmp_path / "missing.json"))

    assert times == {"eval-20261101T090000Z": datetime(2026, 11, 1, 9, 0, tzinfo=UTC)}


def test_invalid_created_at_falls_back_to_file_name(tmp_path: Path) -> None:
    report = write_eval_report(tmp_path / "reports", "20261101T090000Z", {})
    data = json.loads(report.read_text(encoding="utf-8")) | {"created_at": "yesterday"}
    report.write_text(json.dumps(data), encoding="utf-8")

    run = EvalRunReader(tmp_path / "reports", tmp_path / "missing.json").get_run(report.stem)

    assert run.created_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_naive_created_at_is_read_as_utc(tmp_path: Path) -> None:
    baseline = write_baseline(tmp_path / "embedded.json", created_at="2026-10-30T10:30:00")

    run = EvalRunReader(tmp_path / "reports", baseline).get_run(BASELINE_RUN_ID)

    assert run.created_at == datetime(2026, 10, 30, 10, 30, tzinfo=UTC)
