"""Ingest rejects a folder without KB files, or a file, before it changes the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import write_kb

SMALL_KB_DOCS = ["en/boards/classic-boards.md", "en/boards/create-board.md", "zh/admin/sso.md"]


@pytest.fixture
def indexed_kb(settings: Settings, small_kb_dir: Path) -> KnowledgeBase:
    """KB `default.default` with the three documents of `small_kb_dir` indexed."""
    kb = KnowledgeBase(settings, "default.default")
    ingest_folder(kb, small_kb_dir)
    return kb


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _indexed_docs(kb: KnowledgeBase) -> list[str]:
    return sorted(kb.chunk_store.file_hashes())


def test_prune_of_empty_folder_keeps_every_document(
    indexed_kb: KnowledgeBase, small_kb_dir: Path, empty_folder: Path
) -> None:
    chunk_count = len(indexed_kb.chunk_store.all_chunks())

    with pytest.raises(InputError) as caught:
        ingest_folder(indexed_kb, empty_folder, prune=True)

    assert caught.value.code == "ingest_would_empty_kb"
    assert caught.value.params == {"path": str(empty_folder), "kb": "default.default", "count": 3}
    assert "--allow-empty" in str(caught.value)
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS
    assert len(indexed_kb.chunk_store.all_chunks()) == chunk_count
    assert indexed_kb.vector_store.count() == chunk_count
    assert indexed_kb.chunk_store.get_meta("root") == str(small_kb_dir.resolve())
    assert indexed_kb.search("classic board").hits


def test_prune_counts_folder_of_other_files_as_empty(
    indexed_kb: KnowledgeBase, tmp_path: Path
) -> None:
    # Neither a PDF nor a hidden file is a KB file, so the folder yields none.
    other = write_kb(tmp_path / "other", {"manual.pdf": b"%PDF-1.7", ".draft.md": "# Draft\n"})

    with pytest.raises(InputError, match="no .md, .txt or .html files"):
        ingest_folder(indexed_kb, other, prune=True)

    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_prune_allow_empty_removes_every_document(
    indexed_kb: KnowledgeBase, empty_folder: Path
) -> None:
    report = ingest_folder(indexed_kb, empty_folder, prune=True, allow_empty=True)

    assert report.removed == SMALL_KB_DOCS
    assert _indexed_docs(indexed_kb) == []
    assert indexed_kb.vector_store.count() == 0


def test_prune_empty_folder_into_new_kb(settings: Settings, empty_folder: Path) -> None:
    kb = KnowledgeBase(settings, "default")

    report = ingest_folder(kb, empty_folder, prune=True)

    assert report.removed == []
    assert report.chunk_count == 0


def test_empty_folder_without_prune_leaves_kb_unchanged(
    indexed_kb: KnowledgeBase, empty_folder: Path
) -> None:
    # The HTTP API ingests its upload folder this way, and that folder may hold no file yet.
    report = ingest_folder(indexed_kb, empty_folder)

    assert report.removed == []
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_require_files_rejects_empty_folder(
    indexed_kb: KnowledgeBase, small_kb_dir: Path, empty_folder: Path
) -> None:
    with pytest.raises(InputError) as caught:
        ingest_folder(indexed_kb, empty_folder, require_files=True)

    assert caught.value.code == "kb_folder_empty"
    assert caught.value.params == {"path": str(empty_folder), "kb": "default.default"}
    assert indexed_kb.chunk_store.get_meta("root") == str(small_kb_dir.resolve())


def test_require_files_creates_no_kb(settings: Settings, empty_folder: Path) -> None:
    kb = KnowledgeBase(settings, "newkb")

    with pytest.raises(InputError, match="nothing was indexed into KB 'newkb'"):
        ingest_folder(kb, empty_folder, require_files=True)

    assert not kb.exists
    assert not kb.folder.exists()


def test_file_path_names_its_parent(settings: Settings, tmp_path: Path) -> None:
    page = write_kb(tmp_path / "notes", {"good.md": "# Good\n\nText.\n"}) / "good.md"
    kb = KnowledgeBase(settings, "default")

    with pytest.raises(InputError) as caught:
        ingest_folder(kb, page)

    assert caught.value.code == "kb_folder_is_file"
    assert caught.value.params == {"path": str(page), "folder": str(tmp_path / "notes")}
    assert "is a file, not a folder" in str(caught.value)
    assert not kb.exists


def test_file_path_inside_kb_names_its_root(indexed_kb: KnowledgeBase, small_kb_dir: Path) -> None:
    # Passing the page's parent would index it as `create-board.md`, a second copy of
    # `en/boards/create-board.md`, so the message names the folder the KB came from.
    page = small_kb_dir / "en" / "boards" / "create-board.md"

    with pytest.raises(InputError) as caught:
        ingest_folder(indexed_kb, page, prune=True)

    assert caught.value.params["folder"] == str(small_kb_dir.resolve())
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_prune_of_unreadable_folder_rejected(indexed_kb: KnowledgeBase, tmp_path: Path) -> None:
    # A binary file named .md is a KB file by name, but it cannot be indexed.
    broken = write_kb(tmp_path / "broken", {"x.md": bytes(range(256)) * 8})

    with pytest.raises(InputError) as caught:
        ingest_folder(indexed_kb, broken, prune=True)

    assert caught.value.code == "ingest_would_empty_kb_skipped"
    assert caught.value.params["count"] == 3
    assert caught.value.params["example"] == "x.md"
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_allow_empty_prunes_unreadable_folder(indexed_kb: KnowledgeBase, tmp_path: Path) -> None:
    broken = write_kb(tmp_path / "broken", {"x.md": bytes(range(256)) * 8})

    report = ingest_folder(indexed_kb, broken, prune=True, allow_empty=True)

    assert sorted(report.removed) == SMALL_KB_DOCS
    assert _indexed_docs(indexed_kb) == []


def test_prune_of_another_folder_keeps_every_document(
    indexed_kb: KnowledgeBase, small_kb_dir: Path, tmp_path: Path
) -> None:
    other = write_kb(tmp_path / "other", {"en/tasks/due-dates.md": "# Due dates\n\nSet a date.\n"})

    with pytest.raises(InputError) as caught:
        ingest_folder(indexed_kb, other, prune=True)

    assert caught.value.code == "ingest_prune_other_folder"
    assert caught.value.params["previous"] == str(small_kb_dir.resolve())
    assert (caught.value.params["count"], caught.value.params["total"]) == (3, 3)
    assert "--rebuild" in str(caught.value)
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_prune_of_moved_folder_accepted(
    indexed_kb: KnowledgeBase, small_kb_dir: Path, tmp_path: Path
) -> None:
    # The same KB checked out in another place: nothing would be removed.
    moved = tmp_path / "moved"
    small_kb_dir.rename(moved)

    report = ingest_folder(indexed_kb, moved, prune=True)

    assert report.removed == []
    assert _indexed_docs(indexed_kb) == SMALL_KB_DOCS


def test_rebuild_replaces_the_kb_with_another_folder(
    indexed_kb: KnowledgeBase, tmp_path: Path
) -> None:
    other = write_kb(tmp_path / "other", {"en/tasks/due-dates.md": "# Due dates\n\nSet a date.\n"})

    ingest_folder(indexed_kb, other, prune=True, rebuild=True)

    assert _indexed_docs(indexed_kb) == ["en/tasks/due-dates.md"]
