"""A query with a product error code ranks the chunk that explains that code first."""

from __future__ import annotations

import pytest

from assistant.text import ERROR_CODE_TOKEN_RE, without_code_parts
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters


@pytest.mark.parametrize(
    ("query", "code", "language"),
    [
        ("同步日志提示仓库不存在或访问权限已移除 INT-404", "INT-404", "zh"),
        ("登录失败好几次，提示账号已锁定 AUTH-423", "AUTH-423", "zh"),
        ("The sync log says Repository not found INT-404", "INT-404", "en"),
    ],
)
def test_chunk_with_the_error_code_comes_first(
    sample_kb: KnowledgeBase, query: str, code: str, language: str
) -> None:
    hits = sample_kb.search(query, SearchFilters(language=language)).hits

    assert hits
    assert code in hits[0].chunk.text


@pytest.mark.parametrize("token", ["sign-in", "3-404", "int-40", "x-404"])
def test_words_with_hyphens_are_not_codes(token: str) -> None:
    assert ERROR_CODE_TOKEN_RE.fullmatch(token) is None
    assert ERROR_CODE_TOKEN_RE.fullmatch("int-404") is not None


def test_without_code_parts_drops_parts() -> None:
    assert without_code_parts(["int", "429", "int-429", "mean"]) == ["int-429", "mean"]
    assert without_code_parts(["int", "429", "limit"]) == ["int", "429", "limit"]
