"""KB names and conversation ids on the command line follow the HTTP API's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.tenants import resolve_kb_name
from tests.cli.conftest import run_cli


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("default", "default.default"), ("docs_v2", "default.docs_v2"), ("acme.docs", "acme.docs")],
)
def test_resolve_kb_name_adds_default_tenant(typed: str, stored: str) -> None:
    assert resolve_kb_name(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["a b", "x" * 32, "acme.docs.v2", "Acme.docs", "acme.", ".docs", "-docs"],
    ids=["space", "too-long", "two-dots", "uppercase-tenant", "empty-kb", "empty-tenant", "dash"],
)
def test_resolve_kb_name_rejects_what_api_rejects(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        resolve_kb_name(typed)

    assert caught.value.code == "invalid_kb_argument"
    assert caught.value.params["name"] == typed


def test_search_invalid_kb_quotes_typed_name(data_dir: Path) -> None:
    result = run_cli(data_dir, "search", "sso", "--kb", "a b")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert stderr.startswith("Error: invalid KB name 'a b': write KB or TENANT.KB")
    assert "default.a b" not in stderr


def test_search_invalid_kb_in_chinese(data_dir: Path) -> None:
    result = run_cli(data_dir, "search", "sso", "--kb", "a b", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "知识库名称“a b”无效：请写成 KB 或 TENANT.KB" in result.stderr.decode()


@pytest.mark.parametrize("conversation", ["../x", "a b", "c" * 129])
def test_chat_rejects_conversation_id_api_rejects(data_dir: Path, conversation: str) -> None:
    result = run_cli(data_dir, "chat", "--conversation", conversation, stdin=b"hello\n")

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert "invalid conversation id" in stderr
    assert result.stdout == b""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en_US.UTF-8", "Error: the query is empty; type the words to search for"),
        ("zh_CN.UTF-8", "查询为空，请输入要搜索的内容。"),
    ],
    ids=["en", "zh"],
)
def test_search_empty_query_says_query(data_dir: Path, lang: str, expected: str) -> None:
    result = run_cli(data_dir, "search", "", lang=lang)

    stderr = result.stderr.decode()
    assert result.returncode == 2
    assert expected in stderr
    assert "question" not in stderr
