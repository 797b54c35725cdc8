"""Ingest reads only files inside the KB folder, and skips files above the size limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.domain import Language
from assistant.settings import Settings
from retrieval.documents import (
    DocumentError,
    iter_kb_files,
    load_document,
    load_documents,
    scan_kb_folder,
)
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import BOARDS_EN, SAMPLE_KB, write_kb

SECRET = "# Secret\n\nzebrafalcon passphrase of the server root account.\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the KB folder, holding a file that must never be indexed."""
    return write_kb(tmp_path / "outside", {"secret.md": SECRET, "nested/more.md": SECRET})


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb", {"boards.md": BOARDS_EN, "shared/guide.md": BOARDS_EN})


def skip_codes(root: Path) -> dict[str, str]:
    return {skipped.doc: skipped.code for skipped in scan_kb_folder(root)[1]}


def found_docs(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in iter_kb_files(root)]


# --- symbolic links ------------------------------------------------------------------------


def test_link_to_file_outside_is_skipped(kb_folder: Path, outside: Path) -> None:
    (kb_folder / "link.md").symlink_to(outside / "secret.md")

    documents, skipped = load_documents(kb_folder)

    assert [document.doc for document in documents] == ["boards.md", "shared/guide.md"]
    assert [file.doc for file in skipped] == ["link.md"]
    assert skipped[0].code == "outside_kb"
    assert str(outside / "secret.md") in skipped[0].reason
    assert "outside the KB folder" in skipped[0].reason


def test_link_to_folder_outside_is_skipped(kb_folder: Path, outside: Path) -> None:
    (kb_folder / "etc").symlink_to(outside, target_is_directory=True)

    assert found_docs(kb_folder) == ["boards.md", "shared/guide.md"]
    assert skip_codes(kb_folder) == {"etc": "outside_kb"}


def test_relative_link_climbing_out_is_skipped(kb_folder: Path, outside: Path) -> None:
    (kb_folder / "shared" / "up.md").symlink_to(Path("..") / ".." / "outside" / "secret.md")

    assert skip_codes(kb_folder) == {"shared/up.md": "outside_kb"}


def test_links_inside_the_folder_are_followed(kb_folder: Path) -> None:
    (kb_folder / "alias.md").symlink_to(kb_folder / "boards.md")
    (kb_folder / "latest").symlink_to(Path("shared"), target_is_directory=True)

    assert found_docs(kb_folder) == [
        "alias.md",
        "boards.md",
        "latest/guide.md",
        "shared/guide.md",
    ]
    assert skip_codes(kb_folder) == {}


def test_folder_link_loop_is_skipped(kb_folder: Path) -> None:
    (kb_folder / "shared" / "again").symlink_to(kb_folder, target_is_directory=True)
    (kb_folder / "shared" / "self").symlink_to(Path("."), target_is_directory=True)

    assert found_docs(kb_folder) == ["boards.md", "shared/guide.md"]
    assert skip_codes(kb_folder) == {"shared/again": "symlink_loop", "shared/self": "symlink_loop"}


def test_loop_through_two_folder_links_is_skipped(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", {"x/a.md": BOARDS_EN, "z/b.md": BOARDS_EN})
    (root / "x" / "to-z").symlink_to(root / "z", target_is_directory=True)
    (root / "z" / "to-x").symlink_to(root / "x", target_is_directory=True)

    docs = found_docs(root)

    assert docs == ["x/a.md", "x/to-z/b.md", "z/b.md", "z/to-x/a.md"]
    assert skip_codes(root) == {"x/to-z/to-x": "symlink_loop", "z/to-x/to-z": "symlink_loop"}


def test_file_link_loop_is_skipped_as_unreadable(kb_folder: Path) -> None:
    (kb_folder / "a.md").symlink_to(kb_folder / "b.md")
    (kb_folder / "b.md").symlink_to(kb_folder / "a.md")

    documents, skipped = load_documents(kb_folder)

    assert len(documents) == 2
    assert {file.doc: file.code for file in skipped} == {"a.md": "unreadable", "b.md": "unreadable"}


def test_load_document_rejects_link_outside(kb_folder: Path, outside: Path) -> None:
    (kb_folder / "link.md").symlink_to(outside / "secret.md")

    with pytest.raises(DocumentError) as raised:
        load_document(kb_folder / "link.md", kb_folder)

    assert raised.value.skip_code == "outside_kb"


def test_outside_link_reason_in_chinese(kb_folder: Path, outside: Path) -> None:
    (kb_folder / "link.md").symlink_to(outside / "secret.md")

    skipped = scan_kb_folder(kb_folder)[1][0]

    assert skipped.reason_in(Language.ZH).startswith("是指向 KB 文件夹之外")
    assert str(outside / "secret.md") in skipped.reason_in(Language.ZH)


def test_ingest_never_indexes_text_behind_outside_link(
    settings: Settings, kb_folder: Path, outside: Path
) -> None:
    (kb_folder / "link.md").symlink_to(outside / "secret.md")
    (kb_folder / "etc").symlink_to(outside, target_is_directory=True)
    kb = KnowledgeBase(settings, "odd")

    report = ingest_folder(kb, kb_folder)

    assert sorted(report.added) == ["boards.md", "shared/guide.md"]
    assert [file.doc for file in report.skipped] == ["etc", "link.md"]
    hits = kb.search("zebrafalcon passphrase root account").hits
    assert all("zebrafalcon" not in hit.chunk.text for hit in hits)


def test_ingest_removes_file_that_became_outside_link(
    settings: Settings, kb_folder: Path, outside: Path
) -> None:
    write_kb(kb_folder, {"notes.md": SECRET, "old/more.md": SECRET})
    kb = KnowledgeBase(settings, "odd")
    ingest_folder(kb, kb_folder)
    (kb_folder / "notes.md").unlink()
    (kb_folder / "notes.md").symlink_to(outside / "secret.md")
    (kb_folder / "old" / "more.md").unlink()
    (kb_folder / "old").rmdir()
    (kb_folder / "old").symlink_to(outside / "nested", target_is_directory=True)

    report = ingest_folder(kb, kb_folder)

    assert report.removed == ["notes.md", "old/more.md"]
    assert {chunk.doc for chunk in kb.chunk_store.all_chunks()} == {"boards.md", "shared/guide.md"}


# --- file size -----------------------------------------------------------------------------


def test_file_above_size_limit_is_skipped_with_sizes(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", {"big.md": "# Big\n\n" + "word " * 400})
    size = (root / "big.md").stat().st_size

    with pytest.raises(DocumentError) as raised:
        load_document(root / "big.md", root, max_file_bytes=1000)

    reason = raised.value.reason
    assert raised.value.skip_code == "too_large"
    assert f"{size:,} bytes" in reason
    assert "0.0 MB (1,000 bytes)" in reason
    assert "ASSISTANT_INGEST_MAX_FILE_BYTES" in reason


def test_file_at_size_limit_is_loaded(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", {"edge.md": BOARDS_EN})
    size = (root / "edge.md").stat().st_size

    document = load_document(root / "edge.md", root, max_file_bytes=size)

    assert document.doc == "edge.md"


def test_ingest_skips_file_above_setting(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", {"small.md": BOARDS_EN, "big.md": BOARDS_EN * 20})
    settings = Settings(data_dir=tmp_path / "data", ingest_max_file_bytes=len(BOARDS_EN) * 2)

    report = ingest_folder(KnowledgeBase(settings, "sized"), root)

    assert report.added == ["small.md"]
    assert [(file.doc, file.code) for file in report.skipped] == [("big.md", "too_large")]
    assert "文件大小为" in report.skipped[0].reason_in(Language.ZH)


def test_size_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_FILE_BYTES", "1234")

    assert Settings().ingest_max_file_bytes == 1234


def test_sample_kb_files_stay_far_below_default_limit() -> None:
    limit = Settings.model_fields["ingest_max_file_bytes"].default
    largest = max(os.path.getsize(path) for path in iter_kb_files(SAMPLE_KB))

    assert largest * 100 < limit, f"largest sample file is {largest} bytes, limit {limit}"
