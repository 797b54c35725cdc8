"""`search`, `ask` and `ingest --rebuild` on a KB whose index files were damaged."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.cli.conftest import run_cli
from tests.conftest import BOARDS_EN, SSO_ZH, write_kb

GARBAGE = bytes(range(256)) * 16
"""4 KiB that are neither SQLite, JSON, UTF-8 nor a NumPy array."""


@pytest.fixture(scope="module")
def kb_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two KB files."""
    root = tmp_path_factory.mktemp("damaged-kb-source")
    return write_kb(root, {"en/boards.md": BOARDS_EN, "zh/sso.md": SSO_ZH})


@pytest.fixture(scope="module")
def intact_data_dir(tmp_path_factory: pytest.TempPathFactory, kb_source: Path) -> Path:
    """A data dir with `kb_source` as the default KB and a ticket database that `ask` wrote."""
    data_dir = tmp_path_factory.mktemp("damaged-kb") / "data"
    kb = KnowledgeBase(Settings(data_dir=data_dir), "default.default")
    ingest_folder(kb, kb_source)
    kb.close()
    result = run_cli(data_dir, "ask", "How do I create a board?")
    assert result.returncode == 0, result.stderr.decode()
    return data_dir


def _damaged_copy(intact: Path, destination: Path, target: str) -> Path:
    """Copy the data dir and write garbage over one file of its KB folder."""
    data_dir = destination / "data"
    shutil.copytree(intact, data_dir)
    (data_dir / "kb" / "default.default" / target).write_bytes(GARBAGE)
    return data_dir


@pytest.mark.parametrize(
    ("target", "named"),
    [
        ("chunks.sqlite", "chunks.sqlite"),
        ("bm25/vocab.index.json", "bm25"),
        ("chroma/chroma.sqlite3", "chroma/chroma.sqlite3"),
    ],
    ids=["chunks", "keyword", "vectors"],
)
def test_search_json_reports_damaged_kb(
    intact_data_dir: Path, tmp_path: Path, target: str, named: str
) -> None:
    data_dir = _damaged_copy(intact_data_dir, tmp_path, target)

    result = run_cli(data_dir, "search", "board", "--json")

    assert result.returncode == 2
    assert result.stderr == b""
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "kb_damaged"
    assert str(data_dir / "kb" / "default.default" / named) in error["message"]
    assert "`assistant ingest PATH --kb default.default --rebuild`" in error["message"]


@pytest.mark.parametrize(
    ("lang", "prefix", "fix"),
    [
        ("en_US.UTF-8", "Error: ", "`assistant ingest PATH --kb default.default --rebuild`"),
        ("zh_CN.UTF-8", "错误：", "`assistant ingest 路径 --kb default.default --rebuild`"),
    ],
    ids=["en", "zh"],
)
def test_damaged_kb_ask_prints_one_line(
    intact_data_dir: Path, tmp_path: Path, lang: str, prefix: str, fix: str
) -> None:
    data_dir = _damaged_copy(intact_data_dir, tmp_path, "bm25/params.index.json")
    database = data_dir / "assistant.db"
    database_digest = hashlib.sha256(database.read_bytes()).hexdigest()

    result = run_cli(data_dir, "ask", "How do I create a board?", lang=lang)

    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(prefix)
    assert str(data_dir / "kb" / "default.default" / "bm25") in lines[0]
    assert fix in lines[0]
    assert hashlib.sha256(database.read_bytes()).hexdigest() == database_digest


def test_ingest_rebuild_repairs_damaged_kb(
    intact_data_dir: Path, tmp_path: Path, kb_source: Path
) -> None:
    data_dir = _damaged_copy(intact_data_dir, tmp_path, "chunks.sqlite")

    plain = run_cli(data_dir, "ingest", str(kb_source), "--json")
    rebuilt = run_cli(data_dir, "ingest", str(kb_source), "--rebuild", "--json")
    search = run_cli(data_dir, "search", "create a board", "--json")

    assert json.loads(plain.stdout)["error"]["code"] == "kb_damaged"
    assert rebuilt.returncode == 0, rebuilt.stdout.decode()
    assert sorted(json.loads(rebuilt.stdout)["added"]) == ["en/boards.md", "zh/sso.md"]
    assert search.returncode == 0
    assert json.loads(search.stdout)["results"][0]["doc"] == "en/boards.md"
