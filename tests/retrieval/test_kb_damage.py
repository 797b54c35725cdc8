"""A KB whose index files were damaged: the error names the file, and a rebuild repairs it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseDamagedError
from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import VECTOR_DIR, KnowledgeBase
from retrieval.vector_store import forget_process_state

KB_NAME = "default.default"
GARBAGE = bytes(range(256)) * 16
"""4 KiB that are neither SQLite, JSON, UTF-8 nor a NumPy array."""


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _garbage(path: Path) -> None:
    path.write_bytes(GARBAGE)


def _halve(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _delete(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


DAMAGES: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "chunks_garbage": ("chunks.sqlite", _garbage, "chunks.sqlite"),
    "chunks_empty": ("chunks.sqlite", _empty, "chunks.sqlite"),
    "chunks_halved": ("chunks.sqlite", _halve, "chunks.sqlite"),
    "keyword_params_empty": ("bm25/params.index.json", _empty, "bm25"),
    "keyword_vocabulary_halved": ("bm25/vocab.index.json", _halve, "bm25"),
    "keyword_array_garbage": ("bm25/data.csc.index.npy", _garbage, "bm25"),
    "keyword_ids_deleted": ("bm25/chunk_ids.json", _delete, "bm25"),
    "vectors_garbage": ("chroma/chroma.sqlite3", _garbage, "chroma/chroma.sqlite3"),
    "vectors_halved": ("chroma/chroma.sqlite3", _halve, "chroma/chroma.sqlite3"),
    "vectors_empty": ("chroma/chroma.sqlite3", _empty, "chroma"),
    "vectors_deleted": ("chroma", _delete, "chroma"),
}
"""Per case: the file of the KB folder to damage, how, and the path the error must name."""


def _ingested(settings: Settings, folder: Path) -> KnowledgeBase:
    """Ingest `folder` and close the KB, as a finished `assistant ingest` process leaves it."""
    kb = KnowledgeBase(settings, KB_NAME)
    ingest_folder(kb, folder)
    kb.close()
    # Chroma keeps the folder's state for the whole process, where a new process reads the disk.
    forget_process_state(str(kb.folder / VECTOR_DIR))
    return kb


@pytest.mark.parametrize(("target", "damage", "named"), DAMAGES.values(), ids=DAMAGES.keys())
def test_search_of_damaged_kb_names_the_file(
    settings: Settings,
    small_kb_dir: Path,
    target: str,
    damage: Callable[[Path], None],
    named: str,
) -> None:
    folder = _ingested(settings, small_kb_dir).folder
    damage(folder / target)

    kb = KnowledgeBase.open_existing(settings, KB_NAME)
    with pytest.raises(KnowledgeBaseDamagedError) as raised:
        kb.search("board")
    kb.close()

    assert raised.value.code == "kb_damaged"
    assert raised.value.kb == KB_NAME
    assert raised.value.path == folder / named
    assert f"assistant ingest PATH --kb {KB_NAME} --rebuild" in str(raised.value)


def test_damaged_vector_store_fails_again_on_retry(settings: Settings, small_kb_dir: Path) -> None:
    folder = _ingested(settings, small_kb_dir).folder
    _garbage(folder / "chroma" / "chroma.sqlite3")

    errors = []
    for _ in range(2):
        kb = KnowledgeBase(settings, KB_NAME)
        with pytest.raises(KnowledgeBaseDamagedError) as raised:
            kb.search("board")
        errors.append(raised.value.path)
        kb.close()

    # Chroma would otherwise keep the client that failed, and the retry would fail inside it.
    assert errors == [folder / "chroma" / "chroma.sqlite3"] * 2


def test_ingest_of_damaged_store_raises(settings: Settings, small_kb_dir: Path) -> None:
    folder = _ingested(settings, small_kb_dir).folder
    _garbage(folder / "chunks.sqlite")

    kb = KnowledgeBase(settings, KB_NAME)
    with pytest.raises(KnowledgeBaseDamagedError) as raised:
        ingest_folder(kb, small_kb_dir)
    kb.close()

    assert raised.value.path == folder / "chunks.sqlite"


@pytest.mark.parametrize(
    ("target", "damage"),
    [
        ("chunks.sqlite", _garbage),
        ("bm25/vocab.index.json", _halve),
        ("chroma/chroma.sqlite3", _garbage),
        ("chroma", _delete),
    ],
    ids=["chunks", "keyword", "vectors", "vector_folder"],
)
def test_rebuild_repairs_damaged_kb(
    settings: Settings, small_kb_dir: Path, target: str, damage: Callable[[Path], None]
) -> None:
    folder = _ingested(settings, small_kb_dir).folder
    damage(folder / target)

    kb = KnowledgeBase(settings, KB_NAME)
    report = ingest_folder(kb, small_kb_dir, rebuild=True)
    result = kb.search("create a board")
    kb.close()

    assert sorted(report.added) == [
        "en/boards/classic-boards.md",
        "en/boards/create-board.md",
        "zh/admin/sso.md",
    ]
    assert result.hits
    assert result.hits[0].chunk.doc == "en/boards/create-board.md"


def test_rebuild_drops_documents_missing_from_folder(
    settings: Settings, small_kb_dir: Path
) -> None:
    _ingested(settings, small_kb_dir)
    (small_kb_dir / "zh" / "admin" / "sso.md").unlink()

    kb = KnowledgeBase(settings, KB_NAME)
    report = ingest_folder(kb, small_kb_dir, rebuild=True)
    documents = sorted(kb.chunk_store.file_hashes())
    kb.close()

    assert report.removed == []
    assert documents == ["en/boards/classic-boards.md", "en/boards/create-board.md"]


def test_open_kb_reads_index_rebuilt_elsewhere(settings: Settings, small_kb_dir: Path) -> None:
    _ingested(settings, small_kb_dir)
    reader = KnowledgeBase(settings, KB_NAME)
    before = {chunk.doc for chunk in reader.retriever().chunks}
    (small_kb_dir / "en" / "boards" / "classic-boards.md").unlink()

    # The second KB object acts as an `assistant ingest --rebuild` process beside a server.
    rebuilder = KnowledgeBase(settings, KB_NAME)
    ingest_folder(rebuilder, small_kb_dir, rebuild=True)
    rebuilder.close()
    result = reader.search("create a board")
    after = {chunk.doc for chunk in reader.retriever().chunks}
    reader.close()

    assert "en/boards/classic-boards.md" in before
    assert after == {"en/boards/create-board.md", "zh/admin/sso.md"}
    assert result.hits[0].chunk.doc == "en/boards/create-board.md"


def test_garbage_generation_stamp_is_a_change(settings: Settings, small_kb_dir: Path) -> None:
    folder = _ingested(settings, small_kb_dir).folder
    kb = KnowledgeBase(settings, KB_NAME)
    kb.search("board")
    _garbage(folder / "generation")

    result = kb.search("create a board")
    kb.close()

    assert result.hits[0].chunk.doc == "en/boards/create-board.md"
