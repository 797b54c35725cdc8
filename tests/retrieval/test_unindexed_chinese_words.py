"""A Chinese query word that no page contains is searched through the words that pages use."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters
from tests.conftest import write_kb

ACCOUNT_PAGE = "zh/account-email.md"
BANK_PAGE = "zh/bank-payment.md"


@pytest.fixture
def kb(settings: Settings, tmp_path: Path) -> KnowledgeBase:
    folder = write_kb(
        tmp_path / "kb",
        {
            # Written with 帐户, the variant spelling of 账户 that GitHub Docs' zh-CN text uses.
            ACCOUNT_PAGE: "---\ntitle: 帐户邮件\nlanguage: zh\n---\n\n"
            "在帐户页面修改主要邮件地址。帐户的通知会发到这个地址。\n",
            "zh/project-email.md": "---\ntitle: 项目邮件\nlanguage: zh\n---\n\n"
            "修改项目的通知邮件地址后，项目邮件和通知邮件都会发到新的邮件地址。\n",
            BANK_PAGE: "---\ntitle: 银行付款\nlanguage: zh\n---\n\n企业客户可以通过银行付款。\n",
            "zh/card-payment.md": "---\ntitle: 刷卡付款\nlanguage: zh\n---\n\n"
            "付款时选择付款方式，付款成功后付款记录会显示在付款页面。付款失败时重新付款。\n",
        },
    )
    knowledge_base = KnowledgeBase(settings, "default")
    ingest_folder(knowledge_base, folder)
    return knowledge_base


def _first_doc(kb: KnowledgeBase, query: str) -> str:
    return kb.search(query, SearchFilters(), top_k=5).hits[0].chunk.doc


def test_variant_spelling_finds_page_of_other_spelling(kb: KnowledgeBase) -> None:
    # No page writes 账户, but the glossary lists 帐户 as a variant of the same concept.
    assert _first_doc(kb, "怎么修改账户的通知邮件地址？") == ACCOUNT_PAGE


def test_unindexed_compound_is_searched_by_its_parts(kb: KnowledgeBase) -> None:
    # No page writes 银行卡, but jieba's search mode finds 银行 inside it.
    assert _first_doc(kb, "用银行卡付款") == BANK_PAGE


def test_indexed_word_is_not_expanded(kb: KnowledgeBase) -> None:
    # 帐户 is in the KB, so its glossary variants add nothing to the search.
    retriever = kb.retriever()

    assert retriever.search("帐户邮件", SearchFilters(), 5).hits[0].chunk.doc == ACCOUNT_PAGE
    assert retriever._expand_unindexed_chinese("帐户邮件", ["帐户", "邮件"]) == ["帐户", "邮件"]
