"""An invalid ASSISTANT_ROSTER_PATH stops `ask`, `chat` and `serve` at start with one line."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.tickets import TicketStore
from tests.cli.conftest import run_cli
from tests.tickets.factories import make_draft

VALID_TEAM = "teams:\n  - {id: l1, name: L1, tiers: [L1], modules: [tasks]}\n"
AGENT_OF_UNDEFINED_TEAM = (
    "agents:\n  - id: a\n    name: A\n    team: l4\n"
    "    skills: {modules: [tasks], languages: [en], tiers: [L1]}\n    capacity: 3\n"
)
ROSTERS = {
    "not-yaml": ("teams: [\n  - id: x\n", "is not valid YAML: line 2, column 3: "),
    "undefined-team": (
        VALID_TEAM + AGENT_OF_UNDEFINED_TEAM,
        "is invalid: agent 'a' names team 'l4', which is not defined; use one of: l1",
    ),
    "missing": (None, ": No such file or directory; point ASSISTANT_ROSTER_PATH at a readable"),
}
"""Roster file text (None: no file) and a part of the error it causes, by case name."""


def _free_port() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def _write_roster(folder: Path, case: str) -> Path:
    text = ROSTERS[case][0]
    path = folder / f"roster-{case}.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    return path


def _run(
    *args: str, data_dir: Path, roster: Path, lang: str = "en_US.UTF-8"
) -> subprocess.CompletedProcess[str]:
    env = {"ASSISTANT_ROSTER_PATH": str(roster)}
    result = run_cli(data_dir, *args, lang=lang, env=env)
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )


@pytest.mark.parametrize("case", list(ROSTERS))
@pytest.mark.parametrize(
    "command",
    [("ask", "How do I create a board?"), ("chat",), ("serve", "--port", "")],
    ids=["ask", "chat", "serve"],
)
def test_invalid_roster_stops_command(tmp_path: Path, command: tuple[str, ...], case: str) -> None:
    roster = _write_roster(tmp_path, case)
    args = command if command[0] != "serve" else (*command[:-1], _free_port())

    result = _run(*args, data_dir=tmp_path / "data", roster=roster)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == "", "no answer, chat banner or server links before the error"
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert str(roster) in result.stderr
    assert ROSTERS[case][1] in result.stderr
    assert "ASSISTANT_ROSTER_PATH" in result.stderr


def test_roster_error_in_chinese(tmp_path: Path) -> None:
    roster = _write_roster(tmp_path, "undefined-team")

    result = _run(
        "ask", "如何创建看板？", data_dir=tmp_path / "data", roster=roster, lang="zh_CN.UTF-8"
    )

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"错误：值班表文件 {roster} 无效：agent 'a' names team 'l4', which is not defined; "
        "use one of: l1。请修正该文件，或删除 ASSISTANT_ROSTER_PATH 以使用软件包自带的值班表。"
    )


def test_invalid_roster_keeps_saved_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    saved = store.create(make_draft(conversation_id="saved-conversation"))
    store.close()
    database = data_dir / "assistant.db"
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    files_before = sorted(path.name for path in data_dir.iterdir())
    roster = _write_roster(tmp_path, "not-yaml")

    chat = _run("chat", "--conversation", "saved-conversation", data_dir=data_dir, roster=roster)
    ask = _run("ask", "转人工", data_dir=data_dir, roster=roster)

    assert chat.returncode == ask.returncode == 2
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert sorted(path.name for path in data_dir.iterdir()) == files_before
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    assert [ticket.id for ticket in store.list()] == [saved.id]
    store.close()
