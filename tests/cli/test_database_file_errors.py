"""A read-only or damaged SQLite database stops the CLI with its fix, and logs hide messages."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def read_only_database(fresh_data_dir: Path) -> Iterator[Path]:
    """The data dir with its assistant.db made read-only: immutable as root, else chmod 444."""
    database = fresh_data_dir / "assistant.db"
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
            yield fresh_data_dir
        finally:
            subprocess.run([chattr, "-i", str(database)], check=True)
        return
    database.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    fresh_data_dir.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield fresh_data_dir
    finally:
        fresh_data_dir.chmod(stat.S_IRWXU)
        database.chmod(stat.S_IRUSR | stat.S_IWUSR)


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
    import sqlite3

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
