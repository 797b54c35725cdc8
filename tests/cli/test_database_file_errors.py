"""A read-only or damaged SQLite database stops the CLI with its fix, except for commands that
only read, and logs hide messages."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from assistant.tickets import TicketStore
from tests.cli.conftest import run_cli
from tests.conftest import SAMPLE_KB

TICKET_QUESTION = "The Gantt export crashes with error 500 since 3.4"
HOWTO_QUESTION = "How do I create a board?"


@pytest.fixture
def fresh_data_dir(tmp_path: Path) -> Path:
    """A data dir of its own with the sample KB and a first answered question."""
    data_dir = tmp_path / "data"
    ingested = run_cli(data_dir, "ingest", str(SAMPLE_KB))
    assert ingested.returncode == 0, ingested.stderr.decode()
    answered = run_cli(data_dir, "ask", HOWTO_QUESTION)
    assert answered.returncode == 0, answered.stderr.decode()
    return data_dir


@contextmanager
def made_read_only(data_dir: Path) -> Iterator[Path]:
    """Make the data dir's assistant.db read-only: immutable as root, else chmod 444 with a
    read-only folder. The modes are restored on exit."""
    database = data_dir / "assistant.db"
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("root ignores file modes and chattr is not installed")
        chattr_result = subprocess.run(
            [chattr, "+i", str(database)], capture_output=True, check=False
        )
        if chattr_result.returncode != 0:
            pytest.skip(f"chattr +i failed: {chattr_result.stderr.decode().strip()}")
        try:
            yield data_dir
        finally:
            subprocess.run([chattr, "-i", str(database)], check=True)
        return
    database.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    data_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield data_dir
    finally:
        data_dir.chmod(stat.S_IRWXU)
        database.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.fixture
def read_only_database(fresh_data_dir: Path) -> Iterator[Path]:
    """The data dir with its assistant.db made read-only: immutable as root, else chmod 444."""
    with made_read_only(fresh_data_dir) as data_dir:
        yield data_dir


@pytest.fixture
def read_only_recorded_database(fresh_data_dir: Path) -> Iterator[Path]:
    """The data dir with a ticket and an API key in its assistant.db, made read-only."""
    ticket_reply = run_cli(fresh_data_dir, "ask", TICKET_QUESTION)
    assert ticket_reply.returncode == 0, ticket_reply.stderr.decode()
    created = run_cli(fresh_data_dir, "keys", "create", "--tenant", "acme", "--role", "agent")
    assert created.returncode == 0, created.stderr.decode()
    with made_read_only(fresh_data_dir) as data_dir:
        yield data_dir


def test_read_only_database_rejected_in_both_languages(read_only_database: Path) -> None:
    database = read_only_database / "assistant.db"
    before = database.read_bytes()

    english = run_cli(read_only_database, "ask", TICKET_QUESTION)
    chinese = run_cli(read_only_database, "ask", TICKET_QUESTION, lang="zh_CN.UTF-8")

    assert english.returncode == 2
    english_error = english.stderr.decode()
    assert "Traceback" not in english_error
    assert f"the database file '{database}' is read-only" in english_error
    assert "writable" in english_error
    assert english.stdout == b""
    assert chinese.returncode == 2
    chinese_error = chinese.stderr.decode()
    assert f"数据库文件“{database}”是只读的" in chinese_error
    assert "read-only" not in chinese_error
    assert database.read_bytes() == before


READING_COMMANDS: dict[str, tuple[list[str], str]] = {
    "tickets_list": (["tickets", "list"], "T-000001 default"),
    "tickets_show": (["tickets", "show", "T-000001"], TICKET_QUESTION),
    "keys_list": (["keys", "list"], " acme agent active acme-agent"),
    "report_voc": (["report", "voc", "--week", "2026-W48"], "Voice of the customer: default"),
    "report_gaps": (["report", "gaps", "--week", "2026-W48"], "KB gaps: default, week 2026-W48"),
}
"""Per case: arguments of a command that only reads, and part of its output."""


@pytest.mark.parametrize("case", READING_COMMANDS)
def test_reading_command_reads_read_only_database(
    read_only_recorded_database: Path, case: str
) -> None:
    arguments, expected_output = READING_COMMANDS[case]
    database = read_only_recorded_database / "assistant.db"
    before = database.read_bytes()
    files_before = sorted(read_only_recorded_database.iterdir())

    result = run_cli(read_only_recorded_database, *arguments)

    assert result.returncode == 0, result.stderr.decode()
    assert expected_output in result.stdout.decode()
    assert "Traceback" not in result.stderr.decode()
    assert database.read_bytes() == before
    assert sorted(read_only_recorded_database.iterdir()) == files_before


def test_writing_subcommands_reject_read_only_database(read_only_recorded_database: Path) -> None:
    database = read_only_recorded_database / "assistant.db"
    before = database.read_bytes()

    create_key = run_cli(
        read_only_recorded_database, "keys", "create", "--tenant", "acme", "--role", "agent"
    )
    check_sla = run_cli(read_only_recorded_database, "tickets", "check-sla", lang="zh_CN.UTF-8")

    assert create_key.returncode == 2
    assert f"the database file '{database}' is read-only" in create_key.stderr.decode()
    assert create_key.stdout == b""
    assert check_sla.returncode == 2
    assert f"数据库文件“{database}”是只读的" in check_sla.stderr.decode()
    assert check_sla.stdout == b""
    assert database.read_bytes() == before


def test_empty_read_only_file_reads_as_empty(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "assistant.db"
    database.touch()

    with made_read_only(data_dir):
        tickets = run_cli(data_dir, "tickets", "list")
        keys = run_cli(data_dir, "keys", "list", "--json")
        report = run_cli(data_dir, "report", "voc", "--week", "2026-W48", "--json")

    assert tickets.returncode == 0, tickets.stderr.decode()
    assert tickets.stdout == b"no tickets match\n"
    assert keys.returncode == 0, keys.stderr.decode()
    assert keys.stdout == b"[]\n"
    assert report.returncode == 0, report.stderr.decode()
    assert json.loads(report.stdout)["totals"]["texts"] == 0
    assert database.read_bytes() == b""
    assert sorted(data_dir.iterdir()) == [database]


def test_reading_command_upgrades_writable_outdated_database(tmp_path: Path) -> None:
    # Only a file that cannot be written is opened read-only; a writable one gets the columns
    # of this version, as with any other command.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "assistant.db"
    store = TicketStore(f"sqlite:///{database}")
    store.tenants()
    store.close()
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("ALTER TABLE tickets DROP COLUMN reason_code")
        connection.commit()

    result = run_cli(data_dir, "tickets", "list")

    assert result.returncode == 0, result.stderr.decode()
    with closing(sqlite3.connect(database)) as connection:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(tickets)")}
    assert "reason_code" in columns


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_outdated_read_only_database_names_missing_columns(tmp_path: Path, lang: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database = data_dir / "assistant.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE api_keys (id VARCHAR PRIMARY KEY)")
    connection.close()
    before = database.read_bytes()

    with made_read_only(data_dir):
        result = run_cli(data_dir, "keys", "list", lang=lang)

    error = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in error
    assert str(database) in error
    assert "api_keys" in error
    assert "tenant" in error
    if lang.startswith("zh"):
        assert "由旧版本的助手写入" in error
    else:
        assert "was written by an older version of the assistant" in error
    assert database.read_bytes() == before


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_damaged_database_names_file_and_fix(tmp_path: Path, lang: str) -> None:
    data_dir = tmp_path / "data"
    ingested = run_cli(data_dir, "ingest", str(SAMPLE_KB))
    assert ingested.returncode == 0, ingested.stderr.decode()
    database = data_dir / "assistant.db"
    garbage = b"this is not a SQLite database\n" * 200
    database.write_bytes(garbage)

    result = run_cli(data_dir, "ask", "hi", lang=lang)

    error = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in error
    assert str(database) in error
    assert "database server" not in error
    assert "file is not a database" not in error
    if lang.startswith("zh"):
        assert "已损坏" in error
        assert "从备份恢复" in error
    else:
        assert "is damaged or is not a SQLite database" in error
        assert "restore it from a backup, or move it away" in error
    assert database.read_bytes() == garbage


def test_failed_turn_log_hides_question_and_sql(fresh_data_dir: Path) -> None:
    # A trigger makes every turn insert fail while the ticket tables stay writable.
    with sqlite3.connect(fresh_data_dir / "assistant.db") as connection:
        connection.execute(
            "CREATE TRIGGER reject_turns BEFORE INSERT ON conversation_turns "
            "BEGIN SELECT RAISE(ABORT, 'turn log disabled by test'); END"
        )
    connection.close()

    result = run_cli(fresh_data_dir, "ask", HOWTO_QUESTION)

    log = result.stderr.decode()
    assert result.returncode == 0, log
    assert "turn log disabled by test" in log
    assert HOWTO_QUESTION not in log
    assert "[SQL:" not in log
    assert "[parameters:" not in log
    assert "IntegrityError" in log
