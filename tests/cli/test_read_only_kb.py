"""A KB whose index files or folder are read-only gets a clear error, and keeps its content."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli

KB_FOLDER = "default.default"
"""Folder of the default KB under the data dir's `kb` folder."""


@contextmanager
def made_read_only(path: Path) -> Iterator[None]:
    """Make a file, or a folder and everything in it, read-only: immutable as root, else
    without write permission. The modes are restored on exit."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None:
            pytest.skip("root ignores file modes and chattr is not installed")
        result = subprocess.run([chattr, "-R", "+i", str(path)], capture_output=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"chattr +i failed: {result.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run([chattr, "-R", "-i", str(path)], check=True)
        return
    entries = [path, *path.rglob("*")] if path.is_dir() else [path]
    modes = {entry: entry.stat().st_mode for entry in entries}
    for entry in reversed(entries):
        entry.chmod(modes[entry] & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        yield
    finally:
        for entry in entries:
            entry.chmod(modes[entry])


@pytest.fixture
def ingested(tmp_path: Path, small_kb_dir: Path) -> Path:
    """A data dir with the small KB ingested into the default KB."""
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(small_kb_dir)).returncode == 0
    return data_dir


@pytest.mark.parametrize(
    ("lang", "expected"), [("en_US.UTF-8", "cannot be written"), ("zh_CN.UTF-8", "无法写入")]
)
def test_read_only_kb_folder_names_folder_and_fix(ingested: Path, lang: str, expected: str) -> None:
    folder = ingested / "kb" / KB_FOLDER
    with made_read_only(folder):
        result = run_cli(ingested, "search", "board", "--json", lang=lang)

    assert result.returncode == 2, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "kb_not_writable"
    assert expected in error["message"]
    assert str(folder) in error["message"]
    assert "chmod -R u+w" in error["message"]
    assert b"Traceback" not in result.stderr


@pytest.mark.parametrize("extra", [[], ["--rebuild"]], ids=["ingest", "rebuild"])
def test_read_only_index_file_keeps_kb_content(
    ingested: Path, small_kb_dir: Path, extra: list[str]
) -> None:
    (small_kb_dir / "en" / "boards" / "create-board.md").write_text(
        "# Swimlanes\n\nGroup cards into swimlanes by assignee.\n", encoding="utf-8"
    )
    chunks = ingested / "kb" / KB_FOLDER / "chunks.sqlite"
    with made_read_only(chunks):
        rejected = run_cli(ingested, "ingest", str(small_kb_dir), "--json", *extra)
        searched = run_cli(ingested, "search", "board", "--json")

    assert rejected.returncode == 2, rejected.stderr
    assert json.loads(rejected.stdout)["error"]["code"] == "kb_not_writable"
    # Reading works where SQLite can open the file, and the old content is still there.
    assert searched.returncode == 0, searched.stderr
    assert json.loads(searched.stdout)["results"]
    after = run_cli(ingested, "search", "board", "--json")
    assert any("create-board" in r["doc"] for r in json.loads(after.stdout)["results"])
