"""Chunk store: chunks read back from SQLite, and writes while another writer holds the lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import ConflictError
from retrieval import chunk_store
from retrieval.chunk_store import ChunkStore, StoredChunk

DOC = "en/gantt/baseline.md"
HOLD_SECONDS = 0.5
"""How long the other writer keeps the write lock in the waiting test."""


def _chunk(chunk_id: str, ordinal: int, search_tokens: tuple[str, ...]) -> StoredChunk:
    return StoredChunk(
        chunk_id=chunk_id,
        doc=DOC,
        ordinal=ordinal,
        title="Gantt baselines",
        heading_path=("Gantt baselines",),
        text="Set a baseline to compare the plan with the schedule.",
        token_count=10,
        module="gantt",
        roles=("admin", "member"),
        introduced_in="3.2",
        removed_in=None,
        tags=("gantt",),
        language="en",
        search_tokens=search_tokens,
        concepts=(7,),
    )


def test_loaded_chunks_share_equal_token_strings(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "chunks.sqlite")
    with store.transaction():
        store.replace_file(
            "en/gantt/baseline.md",
            "0" * 64,
            "Gantt baselines",
            [
                _chunk("c1", 0, ("baseline", "甘特图", "schedul")),
                _chunk("c2", 1, ("甘特图", "baseline", "plan")),
            ],
        )

    first, second = store.all_chunks()
    store.close()

    assert first.search_tokens == ("baseline", "甘特图", "schedul")
    assert second.search_tokens == ("甘特图", "baseline", "plan")
    # Decoded from JSON, equal tokens of two chunks would be two objects without interning.
    assert first.search_tokens[0] is second.search_tokens[1]
    assert first.search_tokens[1] is second.search_tokens[0]
    assert first.roles[0] is second.roles[0]
    assert first.module is second.module


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A chunk store file that has one document, chunk c1."""
    path = tmp_path / "chunks.sqlite"
    store = ChunkStore(path)
    with store.transaction():
        store.replace_file(DOC, "0" * 64, "Gantt baselines", [_chunk("c1", 0, ("baseline",))])
    store.close()
    return path


@pytest.fixture
def other_writer(path: Path) -> Iterator[sqlite3.Connection]:
    """A second connection that holds the store's write lock, as another ingest does."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    yield connection
    if connection.in_transaction:
        connection.rollback()
    connection.close()


def test_replace_file_waits_for_write_lock(path: Path, other_writer: sqlite3.Connection) -> None:
    release = threading.Timer(HOLD_SECONDS, other_writer.rollback)
    store = ChunkStore(path)
    release.start()
    try:
        with store.transaction():
            old_ids = store.replace_file(DOC, "1" * 64, "Gantt baselines", [_chunk("c2", 0, ())])
        chunk_ids = store.chunk_ids_of(DOC)
    finally:
        release.join()
        store.close()

    assert old_ids == ["c1"]
    assert chunk_ids == ["c2"]


def test_lock_timeout_raises_kb_busy(
    path: Path, other_writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chunk_store, "BUSY_TIMEOUT_SECONDS", 0.1)
    store = ChunkStore(path)
    try:
        with pytest.raises(ConflictError) as caught, store.transaction():
            store.replace_file(DOC, "1" * 64, "Gantt baselines", [_chunk("c2", 0, ())])
        other_writer.rollback()
        chunk_ids = store.chunk_ids_of(DOC)
    finally:
        store.close()

    assert caught.value.code == "kb_busy"
    assert str(path) in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert chunk_ids == ["c1"]
