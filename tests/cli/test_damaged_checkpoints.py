"""An unusable conversation store stops `ask` and `serve` with one clear line and leaves the
file as it was."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from graphs.support.checkpoints import (
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


@pytest.mark.parametrize("make", [_garbage, _folder, _other_program], ids=lambda f: f.__name__)
def test_open_checkpoints_rejects_unusable_path(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    path = tmp_path / "checkpoints.sqlite"
    make(path)

    with pytest.raises(CheckpointStoreDamagedError) as raised:
        open_checkpoints(path)

    assert raised.value.code == "checkpoints_damaged"
    assert raised.value.path == path


def test_open_checkpoints_rejects_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.sqlite"
    check_checkpoints(path)
    # File modes do not stop root, who runs these tests, from writing. The immutable flag does.
    if subprocess.run(["chattr", "+i", str(path)], check=False).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        with pytest.raises(CheckpointStoreDamagedError, match="readonly"):
            open_checkpoints(path)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_serve_on_damaged_checkpoints_fails_before_starting(damaged_data_dir: Path) -> None:
    result = run_cli(damaged_data_dir, "serve", "--port", "0")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "Traceback" not in stderr
    assert stderr.startswith("Error: the conversation store '")
