"""`assistant ingest` while another process writes the same KB: it waits, or reports the lock."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings, get_settings
from cli.main import main
from retrieval import chunk_store
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import CHUNKS_FILE, KnowledgeBase
from tests.cli.conftest import CLI_TIMEOUT_SECONDS, start_cli
from tests.conftest import BOARDS_EN, SAMPLE_KB, write_kb

SQLITE_DEFAULT_TIMEOUT_SECONDS = 5.0
"""How long sqlite3.connect waits for a lock when given no timeout. The chunk store used to fail
after it."""


def _connect_to_default_kb(data_dir: Path) -> sqlite3.Connection:
    kb = KnowledgeBase(Settings(data_dir=data_dir), "default.default")
    return sqlite3.connect(kb.folder / CHUNKS_FILE, isolation_level=None)


@pytest.fixture
def changed_kb(tmp_path: Path) -> tuple[Path, Path]:
    """A data dir whose default KB has boards.md, and its folder, where boards.md has changed."""
    data_dir = tmp_path / "data"
    folder = write_kb(tmp_path / "kb", {"boards.md": BOARDS_EN})
    kb = KnowledgeBase(Settings(data_dir=data_dir), "default.default")
    try:
        ingest_folder(kb, folder)
    finally:
        kb.close()
    write_kb(folder, {"boards.md": BOARDS_EN + "\nBoards can also be archived.\n"})
    return data_dir, folder


@pytest.fixture
def cli_settings(changed_kb: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the in-process CLI at the data dir of `changed_kb`, in English."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(changed_kb[0]))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_ingest_waits_for_write_lock(changed_kb: tuple[Path, Path]) -> None:
    data_dir, folder = changed_kb
    other_writer = _connect_to_default_kb(data_dir)
    other_writer.execute("BEGIN IMMEDIATE")
    ingest = start_cli(data_dir, "ingest", str(folder), "--json")
    # Held past sqlite3's default timeout, after which the ingest used to fail.
    time.sleep(SQLITE_DEFAULT_TIMEOUT_SECONDS + 1)
    still_waiting = ingest.poll() is None
    other_writer.rollback()
    other_writer.close()
    stdout, stderr = ingest.communicate(timeout=CLI_TIMEOUT_SECONDS)

    assert still_waiting
    assert ingest.returncode == 0, stderr.decode()
    assert json.loads(stdout)["updated"] == ["boards.md"]


def test_ingest_lock_timeout_is_json_error(
    changed_kb: tuple[Path, Path],
    cli_settings: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data_dir, folder = changed_kb
    monkeypatch.setattr(chunk_store, "BUSY_TIMEOUT_SECONDS", 0.1)
    other_writer = _connect_to_default_kb(data_dir)
    other_writer.execute("BEGIN IMMEDIATE")
    try:
        json_code = main(["ingest", str(folder), "--json"])
        json_output = capsys.readouterr()
        text_code = main(["ingest", str(folder)])
        text_output = capsys.readouterr()
    finally:
        other_writer.rollback()
        other_writer.close()

    assert json_code == 2
    assert json_output.err == ""
    error = json.loads(json_output.out)["error"]
    assert error["code"] == "kb_busy"
    assert str(data_dir) in error["message"]
    assert "Try again once the other change has finished" in error["message"]
    assert text_code == 2
    assert text_output.out == ""
    assert text_output.err == f"Error: {error['message']}\n"


def test_parallel_ingests_both_succeed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    ingests = [start_cli(data_dir, "ingest", str(SAMPLE_KB), "--json") for _ in range(2)]
    outputs = [ingest.communicate(timeout=CLI_TIMEOUT_SECONDS) for ingest in ingests]

    for ingest, (stdout, stderr) in zip(ingests, outputs, strict=True):
        assert ingest.returncode == 0, stderr.decode()
        assert json.loads(stdout)["chunk_count"] > 0
