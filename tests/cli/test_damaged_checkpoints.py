"""An unusable conversation store stops `ask` and `serve` with one clear line and leaves the
file as it was."""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from graphs.support.checkpoints import (
    CheckpointProblem,
    CheckpointStoreDamagedError,
    check_checkpoints,
    open_checkpoints,
)
from tests.cli.conftest import run_cli

NOT_A_DATABASE = b"these bytes are no SQLite header" * 64


@pytest.fixture
def damaged_data_dir(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the sample data dir whose checkpoint file is no SQLite database."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    (copy / "checkpoints.sqlite").write_bytes(NOT_A_DATABASE)
    return copy


@pytest.mark.parametrize(
    ("lang", "question", "start"),
    [
        ("en_US.UTF-8", "How do I create a board?", "Error: the conversation store '"),
        ("zh_CN.UTF-8", "如何创建看板？", "错误：会话存储文件“"),
    ],
)
def test_ask_on_damaged_checkpoints_names_file_and_fix(
    damaged_data_dir: Path, lang: str, question: str, start: str
) -> None:
    checkpoints = damaged_data_dir / "checkpoints.sqlite"

    result = run_cli(damaged_data_dir, "ask", question, lang=lang)

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert stderr.startswith(start)
    assert str(checkpoints) in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert checkpoints.read_bytes() == NOT_A_DATABASE


def test_open_checkpoints_creates_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "checkpoints.sqlite"

    connection, _saver = open_checkpoints(path)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()

    assert "checkpoints" in tables


def _garbage(path: Path) -> None:
    path.write_bytes(NOT_A_DATABASE)


def _folder(path: Path) -> None:
    path.mkdir()


def _other_program(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE checkpoints (a)")
        connection.commit()


def _truncated(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE notes (a)")
        connection.commit()
    path.write_bytes(path.read_bytes()[:150])


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_garbage, CheckpointProblem.NOT_A_DATABASE),
        (_folder, CheckpointProblem.FOLDER),
        (_other_program, CheckpointProblem.OTHER_PROGRAM),
        (_truncated, CheckpointProblem.DAMAGED),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_open_checkpoints_rejects_unusable_path(
    tmp_path: Path, make: Callable[[Path], None], problem: CheckpointProblem
) -> None:
    path = tmp_path / "checkpoints.sqlite"
    make(path)

    with pytest.raises(CheckpointStoreDamagedError) as raised:
        open_checkpoints(path)

    assert raised.value.code == "checkpoints_damaged"
    assert raised.value.path == path
    assert raised.value.problem is problem


@pytest.mark.parametrize("problem", list(CheckpointProblem))
def test_checkpoint_problem_has_both_languages(problem: CheckpointProblem) -> None:
    english = problem.describe("en")
    chinese = problem.describe("zh")

    assert english
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese


@contextmanager
def _immutable(path: Path) -> Iterator[None]:
    """Make a file read-only for every user, root included, or skip the test."""
    # File modes do not stop root, who runs these tests, from writing. The immutable flag does.
    if subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_open_checkpoints_rejects_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.sqlite"
    connection, _saver = open_checkpoints(path)
    connection.close()

    with _immutable(path), pytest.raises(CheckpointStoreDamagedError) as raised:
        open_checkpoints(path)

    assert raised.value.problem is CheckpointProblem.READ_ONLY


def test_serve_on_damaged_checkpoints_fails_before_starting(damaged_data_dir: Path) -> None:
    result = run_cli(damaged_data_dir, "serve", "--port", "0")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert stderr.startswith("Error: the conversation store '")


def test_check_checkpoints_creates_no_missing_file(tmp_path: Path) -> None:
    check_checkpoints(tmp_path / "checkpoints.sqlite")

    assert list(tmp_path.iterdir()) == []


CAUSES: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    "garbage": (
        _garbage,
        "the file is not a SQLite database",
        "该文件不是 SQLite 数据库",
        "file is not a database",
    ),
    "folder": (
        _folder,
        "the path is a folder, not a file",
        "该路径是目录而不是文件",
        "unable to open database file",
    ),
    "other_program": (
        _other_program,
        "the file is another program's SQLite database, without the assistant's conversation "
        "tables",
        "该文件是其他程序的 SQLite 数据库，不含助手的会话表",
        "no such column",
    ),
}
"""Per kind of unusable store: how to make it, its cause in English and in Chinese, and a part
of SQLite's own message, which only the log may contain."""

STORE_ERROR_ZH = re.compile(r"错误：会话存储文件“(?P<path>[^”]+)”无法使用（(?P<cause>[^）]+)）。")


def _damaged_copy(data_dir: Path, tmp_path: Path, make: Callable[[Path], None]) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    (copy / "checkpoints.sqlite").unlink(missing_ok=True)
    make(copy / "checkpoints.sqlite")
    return copy


def _assert_chinese_throughout(line: str, path: Path, cause: str, sqlite_text: str) -> None:
    match = STORE_ERROR_ZH.match(line)
    assert match is not None, line
    assert match["path"] == str(path)
    assert match["cause"] == cause
    assert sqlite_text not in line
    # Apart from the path, the only Latin word is the name SQLite.
    assert set(re.findall(r"[A-Za-z]+", line.replace(str(path), ""))) == {"SQLite"}


@pytest.mark.parametrize(
    ("make", "english", "chinese", "sqlite_text"), CAUSES.values(), ids=CAUSES.keys()
)
def test_damaged_checkpoints_error_in_chinese_throughout(
    data_dir: Path,
    tmp_path: Path,
    make: Callable[[Path], None],
    english: str,
    chinese: str,
    sqlite_text: str,
) -> None:
    copy = _damaged_copy(data_dir, tmp_path, make)

    result = run_cli(copy, "ask", "如何创建看板？", lang="zh_CN.UTF-8")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert len(stderr.strip().splitlines()) == 1, stderr
    _assert_chinese_throughout(stderr.strip(), copy / "checkpoints.sqlite", chinese, sqlite_text)


@pytest.mark.parametrize(
    ("make", "english", "chinese", "sqlite_text"), CAUSES.values(), ids=CAUSES.keys()
)
def test_damaged_checkpoints_cause_in_english(
    data_dir: Path,
    tmp_path: Path,
    make: Callable[[Path], None],
    english: str,
    chinese: str,
    sqlite_text: str,
) -> None:
    copy = _damaged_copy(data_dir, tmp_path, make)

    result = run_cli(copy, "ask", "How do I create a board?")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith(
        f"Error: the conversation store '{copy / 'checkpoints.sqlite'}' cannot be used "
        f"({english}); it must be a writable SQLite file"
    )
    assert sqlite_text not in stderr


def test_read_only_checkpoints_cause_both_languages(data_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy)
    path = copy / "checkpoints.sqlite"
    connection, _saver = open_checkpoints(path)
    connection.close()

    with _immutable(path):
        chinese = run_cli(copy, "ask", "如何创建看板？", lang="zh_CN.UTF-8")
        english = run_cli(copy, "ask", "How do I create a board?")

    _assert_chinese_throughout(
        chinese.stderr.decode().strip(), path, "该文件是只读的", "readonly database"
    )
    assert "cannot be used (the file is read-only);" in english.stderr.decode()
    assert "readonly database" not in english.stderr.decode()


def test_damaged_checkpoints_logs_sqlite_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "checkpoints.sqlite"
    _garbage(path)

    with (
        caplog.at_level(logging.INFO, logger="graphs.support.checkpoints"),
        pytest.raises(CheckpointStoreDamagedError) as raised,
    ):
        open_checkpoints(path)

    records = [record for record in caplog.records if record.name == "graphs.support.checkpoints"]
    assert raised.value.problem is CheckpointProblem.NOT_A_DATABASE
    assert "file is not a database" not in str(raised.value)
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert "file is not a database" in records[0].getMessage()
    assert "SQLITE_NOTADB" in records[0].getMessage()
    assert str(path) in records[0].getMessage()
