"""`assistant keys list` prints aligned columns whatever the tenant name lengths."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run_cli

KEYS = [("a", "widget"), ("a-much-longer-tenant-name", "ops"), ("mid-tenant", "admin")]


def column_starts(line: str) -> list[int]:
    """Return where each whitespace-separated column of a line starts."""
    starts = []
    for position, char in enumerate(line):
        if char != " " and (position == 0 or line[position - 1] == " "):
            starts.append(position)
    return starts


def test_keys_list_columns_line_up(tmp_path: Path) -> None:
    for tenant, role in KEYS:
        created = run_cli(tmp_path, "keys", "create", "--tenant", tenant, "--role", role)
        assert created.returncode == 0, created.stderr

    listed = run_cli(tmp_path, "keys", "list")

    lines = listed.stdout.decode().splitlines()
    assert len(lines) == len(KEYS)
    starts = [column_starts(line) for line in lines]
    assert all(len(line_starts) == len(starts[0]) for line_starts in starts), lines
    for column in range(len(starts[0])):
        assert len({line_starts[column] for line_starts in starts}) == 1, "\n".join(lines)
