"""Rejected and read-only commands on an empty data folder create no database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

REJECTED: dict[str, tuple[list[str], str]] = {
    "ticket_id_path": (["tickets", "show", "../../x"], "ticket id '../../x' is invalid"),
    "ticket_missing": (["tickets", "show", "T-999"], "ticket 'T-999' was not found"),
    "week_invalid": (["report", "voc", "--week", "2026-W99"], "invalid week '2026-W99'"),
    "key_missing": (["keys", "revoke", "nope"], "API key 'nope' was not found"),
    "status_invalid": (["tickets", "list", "--status", "bogus"], "invalid ticket status"),
    "tenant_invalid": (["tickets", "list", "--tenant", "../x"], "'../x'"),
    "report_tenant_missing": (
        ["report", "voc", "--tenant", "nobody"],
        "tenant 'nobody' does not exist",
    ),
    "report_kb_missing": (
        ["report", "gaps"],
        "knowledge base 'default.default' does not exist yet",
    ),
}
"""Per case: arguments, and part of the error that the command prints."""

EMPTY_RESULTS: dict[str, tuple[list[str], str]] = {
    "tickets_list": (["tickets", "list"], "no tickets match\n"),
    "tickets_list_tenant": (
        ["tickets", "list", "--tenant", "nobody"],
        "no tickets for tenant nobody\n",
    ),
    "tickets_list_json": (["tickets", "list", "--json"], "[]\n"),
    "check_sla": (["tickets", "check-sla"], "checked=0 logged=0\n"),
    "keys_list": (["keys", "list"], ""),
    "keys_list_json": (["keys", "list", "--json"], "[]\n"),
}
"""Per case: arguments of a read-only command, and its whole output when no database exists."""


@pytest.mark.parametrize("case", REJECTED)
def test_rejected_command_creates_no_database(tmp_path: Path, case: str) -> None:
    arguments, expected_error = REJECTED[case]
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = run_cli(data_dir, *arguments)

    error = result.stderr.decode()
    assert result.returncode == 2, error
    assert expected_error in error
    assert "Traceback" not in error
    assert list(data_dir.iterdir()) == []


@pytest.mark.parametrize("case", EMPTY_RESULTS)
def test_read_only_command_creates_no_database(tmp_path: Path, case: str) -> None:
    arguments, expected_output = EMPTY_RESULTS[case]
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = run_cli(data_dir, *arguments)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == expected_output
    assert "Known tenants" not in result.stderr.decode()
    assert list(data_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("lang", "empty_line"),
    [("en_US.UTF-8", "Nothing was recorded in this week."), ("zh_CN.UTF-8", "本周没有记录。")],
    ids=["en", "zh"],
)
def test_report_creates_no_database(tmp_path: Path, lang: str, empty_line: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = run_cli(data_dir, "report", "voc", "--week", "2026-W48", lang=lang)

    output = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "2026-W48" in output
    assert empty_line in output
    assert result.stderr == b""
    assert list(data_dir.iterdir()) == []


def test_report_json_without_database_counts_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = run_cli(data_dir, "report", "voc", "--week", "2026-W48", "--json")

    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    assert report["tenant"] == "default"
    assert report["totals"]["texts"] == 0
    assert report["totals"]["tickets"] == 0
    assert list(data_dir.iterdir()) == []
