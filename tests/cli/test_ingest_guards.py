"""`assistant ingest` rejects an empty folder or a file with exit code 2 and keeps the KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.knowledge_base import KnowledgeBase
from tests.cli.conftest import run_cli
from tests.conftest import write_kb


@pytest.fixture
def empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "emptykb"
    folder.mkdir()
    return folder


def _indexed_docs(data_dir: Path, kb: str = "default.default") -> list[str]:
    knowledge_base = KnowledgeBase(Settings(data_dir=data_dir), kb)
    try:
        return sorted(knowledge_base.chunk_store.file_hashes())
    finally:
        knowledge_base.close()


def test_prune_of_empty_folder_exits_2(
    tmp_path: Path, small_kb_dir: Path, empty_folder: Path
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(small_kb_dir)).returncode == 0

    result = run_cli(data_dir, "ingest", str(empty_folder), "--kb", "default.default", "--prune")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert result.stdout == b""
    assert stderr.strip() == (
        f"Error: KB folder '{empty_folder}' contains no .md, .txt or .html files, so --prune "
        "would remove every document of KB 'default.default', 3 in all; nothing was changed. "
        "Check the path (a typo, or a drive that is not mounted), or add --allow-empty to "
        "empty the KB on purpose"
    )
    assert len(_indexed_docs(data_dir)) == 3


def test_prune_of_empty_folder_error_in_chinese(
    tmp_path: Path, small_kb_dir: Path, empty_folder: Path
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(small_kb_dir)).returncode == 0

    result = run_cli(data_dir, "ingest", str(empty_folder), "--prune", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"错误：知识库目录“{empty_folder}”中没有")
    assert "全部文档（共 3 篇）" in result.stderr.decode()
    assert len(_indexed_docs(data_dir)) == 3


def test_prune_allow_empty_empties_kb(
    tmp_path: Path, small_kb_dir: Path, empty_folder: Path
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(small_kb_dir)).returncode == 0

    result = run_cli(data_dir, "ingest", str(empty_folder), "--prune", "--allow-empty")

    assert result.returncode == 0
    assert "removed=3" in result.stdout.decode()
    assert _indexed_docs(data_dir) == []


def test_empty_folder_without_prune_exits_2(tmp_path: Path, empty_folder: Path) -> None:
    data_dir = tmp_path / "data"

    result = run_cli(data_dir, "ingest", str(empty_folder), "--kb", "fresh")

    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        f"Error: KB folder '{empty_folder}' contains no .md, .txt or .html files, so nothing "
        "was indexed into KB 'default.fresh'; check the path and pass the folder that "
        "contains your KB files"
    )
    assert not (data_dir / "kb" / "default.fresh").exists()


def test_file_path_exits_2_naming_folder(tmp_path: Path) -> None:
    page = write_kb(tmp_path / "notes", {"good.md": "# Good\n\nText.\n"}) / "good.md"

    result = run_cli(tmp_path / "data", "ingest", str(page))

    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        f"Error: KB path '{page}' is a file, not a folder; ingest indexes a folder of .md, "
        f".txt and .html files, so pass the folder that contains it: '{tmp_path / 'notes'}'"
    )


UNREADABLE_FILES: dict[str, tuple[str, bytes, str, str]] = {
    "binary": ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file", "二进制文件"),
    "not_utf8": (
        "latin1.txt",
        "caf\xe9".encode("latin-1"),
        "not valid UTF-8 (byte 0xe9 at offset 3); re-save it as UTF-8",
        "不是有效的 UTF-8 编码（偏移 3 处的字节 0xe9），请另存为 UTF-8",
    ),
    "front_matter_unclosed": (
        "notes.md",
        b"---\ntitle: Notes\n# Notes\n",
        "front matter opened with '---' on line 1 is never closed; add a closing '---' line",
        "第 1 行以“---”开始的头信息（front matter）没有结束，请添加一行“---”作为结尾",
    ),
}
"""Per skip code: a file that is skipped for it, and its skip reason in English and Chinese."""


@pytest.mark.parametrize(
    ("name", "content", "english", "chinese"), UNREADABLE_FILES.values(), ids=UNREADABLE_FILES
)
def test_prune_of_unreadable_folder_reason_in_locale(
    tmp_path: Path, small_kb_dir: Path, name: str, content: bytes, english: str, chinese: str
) -> None:
    data_dir = tmp_path / "data"
    assert run_cli(data_dir, "ingest", str(small_kb_dir)).returncode == 0
    unreadable = write_kb(tmp_path / "unreadable", {name: content})

    result_en = run_cli(data_dir, "ingest", str(unreadable), "--prune")
    result_zh = run_cli(data_dir, "ingest", str(unreadable), "--prune", lang="zh_CN.UTF-8")

    assert result_en.returncode == 2
    assert f"(1 skipped; '{name}': {english}), so --prune" in result_en.stderr.decode()
    assert result_zh.returncode == 2
    assert f"（跳过 1 个；“{name}”：{chinese}），--prune" in result_zh.stderr.decode()
    assert len(_indexed_docs(data_dir)) == 3
