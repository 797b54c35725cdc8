"""`assistant ingest --json` reports each error as one JSON object on stdout, with exit code 2."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.knowledge_base import KnowledgeBase
from tests.cli.conftest import run_cli
from tests.conftest import BOARDS_EN, write_kb


@dataclass(frozen=True)
class Folders:
    """A data dir whose default KB has one document, and the folders the cases ingest."""

    data_dir: Path
    missing: Path
    page: Path
    empty: Path
    unreadable: Path


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    root = tmp_path_factory.mktemp("ingest-json")
    data_dir = root / "data"
    kb = write_kb(root / "kb", {"boards.md": BOARDS_EN})
    assert run_cli(data_dir, "ingest", str(kb)).returncode == 0
    empty = root / "empty"
    empty.mkdir()
    return Folders(
        data_dir=data_dir,
        missing=root / "missing",
        page=kb / "boards.md",
        empty=empty,
        unreadable=write_kb(root / "unreadable", {"image.md": b"\x89PNG\r\n\x1a\n\x00\x00"}),
    )


CASES: dict[str, tuple[str, list[str]]] = {
    "missing_folder": ("kb_folder_missing", ["{missing}"]),
    "file_not_folder": ("kb_folder_is_file", ["{page}"]),
    "empty_folder": ("kb_folder_empty", ["{empty}"]),
    "prune_empty_folder": ("ingest_would_empty_kb", ["{empty}", "--prune"]),
    "prune_all_skipped": ("ingest_would_empty_kb_skipped", ["{unreadable}", "--prune"]),
    "invalid_kb_name": ("invalid_kb_argument", ["{empty}", "--kb", "bad..name"]),
    "empty_path": ("kb_path_blank", [""]),
    "blank_path": ("kb_path_blank", ["  "]),
}
"""Per case: the error code, and the arguments after `ingest`, with folders as placeholders."""


def _arguments(folders: Folders, template: list[str]) -> list[str]:
    return [argument.format(**vars(folders)) for argument in template]


@pytest.mark.parametrize(("code", "template"), CASES.values(), ids=CASES.keys())
def test_ingest_json_error_object_on_stdout(
    folders: Folders, code: str, template: list[str]
) -> None:
    arguments = _arguments(folders, template)

    as_json = run_cli(folders.data_dir, "ingest", *arguments, "--json")
    as_text = run_cli(folders.data_dir, "ingest", *arguments)

    assert as_json.returncode == 2
    assert as_json.stderr == b""
    lines = as_json.stdout.decode().splitlines()
    assert len(lines) == 1
    error = json.loads(lines[0])["error"]
    assert error["code"] == code
    # Without --json the same message goes to stderr, as before.
    assert as_text.returncode == 2
    assert as_text.stdout == b""
    assert as_text.stderr.decode() == f"Error: {error['message']}\n"


def test_ingest_json_error_in_chinese(folders: Folders) -> None:
    result = run_cli(folders.data_dir, "ingest", str(folders.missing), "--json", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert json.loads(result.stdout) == {
        "error": {
            "code": "kb_folder_missing",
            "message": f"知识库目录“{folders.missing}”不存在或不是目录，"
            "请传入包含 .md、.txt 或 .html 文件的目录。",
        }
    }


# run_cli works in the repository, whose Markdown files a blank PATH used to index.
@pytest.mark.parametrize("path", ["{empty}", ""], ids=["empty_folder", "blank_path"])
def test_ingest_json_error_keeps_kb(folders: Folders, path: str) -> None:
    result = run_cli(folders.data_dir, "ingest", path.format(**vars(folders)), "--prune", "--json")

    assert result.returncode == 2
    kb = KnowledgeBase(Settings(data_dir=folders.data_dir), "default.default")
    try:
        assert sorted(kb.chunk_store.file_hashes()) == ["boards.md"]
    finally:
        kb.close()


def test_ingest_blank_path_error_in_chinese(folders: Folders) -> None:
    result = run_cli(folders.data_dir, "ingest", " ", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        "错误：知识库目录路径“ ”为空。请传入包含 .md、.txt 或 .html 文件的目录；"
        "要导入当前目录，请传入“.”。\n"
    )
