"""Search with invisible characters, terminal escapes and words of scripts other than Latin and CJK.

Queries and chunks go through the same tokenizer, so a word matches whatever invisible characters
either side carries, and a word of another script is a search term like an English one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.text import tokenize
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB, write_kb

WEBHOOKS_EN = """---
title: Sign request payloads
module: integrations
language: en
---
# Sign request payloads

Every web\u00adhook request carries a sig\u200bnature header. Check it before you trust the
payload.
"""
"""A page whose words contain a soft hyphen and a zero-width space, as pages pasted from
word processors and web pages do."""

LOCALIZED_EN = """---
title: Localized menu names
module: account
language: en
---
# Localized menu names

In the Russian interface the export button is labelled Экспорт, and in the Greek one Εξαγωγή.
"""


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(Settings(data_dir=tmp_path_factory.mktemp("sample-kb-data")), "default")
    ingest_folder(kb, SAMPLE_KB)
    return kb


@pytest.fixture(scope="module")
def written_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("written-kb")
    folder = write_kb(
        Path(root) / "kb",
        {"en/integrations/webhooks.md": WEBHOOKS_EN, "en/account/localized.md": LOCALIZED_EN},
    )
    kb = KnowledgeBase(Settings(data_dir=Path(root) / "data"), "default")
    ingest_folder(kb, folder)
    return kb


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ЅЅО", ["sso"]),
        ("Ноw dо I сrеаtе а Каnbаn bоаrd?", ["creat", "kanban", "board"]),
        ("Как экспортировать диаграмму?", ["как", "экспортировать", "диаграмму"]),
        ("Εξαγωγή PDF", ["εξαγωγή", "pdf"]),
        ("हिन्दी निर्यात", ["हिन्दी", "निर्यात"]),
        ("تصدير الملف", ["تصدير", "الملف"]),
        ("로그인 오류", ["로그인", "오류"]),
    ],
    ids=[
        "cyrillic-look-alikes",
        "mixed-look-alikes",
        "russian",
        "greek",
        "devanagari-with-marks",
        "arabic",
        "hangul",
    ],
)
def test_tokenize_keeps_words_of_other_scripts(text: str, expected: list[str]) -> None:
    assert tokenize(text, query=True) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Exporting the Gantt chart to PDF", ["export", "gantt", "chart", "pdf"]),
        ("导出甘特图", ["导出", "甘特图"]),
        ("café résumé", ["caf", "r", "sum"]),
        ("v3.4.1 export-pdf", ["v3", "4", "1", "v3.4.1", "export", "pdf", "export-pdf"]),
    ],
    ids=["english", "chinese", "accented-latin", "dotted-and-dashed"],
)
def test_tokenize_english_and_chinese_unchanged(text: str, expected: list[str]) -> None:
    assert tokenize(text, query=True) == expected


def test_tokenize_ignores_invisible_characters_inside_words() -> None:
    assert tokenize("web\u00adhook sig\u200bnature 甘\u200b特图", query=True) == [
        "webhook",
        "signatur",
        "甘特图",
    ]


def test_search_cyrillic_look_alikes_finds_the_latin_word(sample_kb: KnowledgeBase) -> None:
    # "ЅЅО" is written with Cyrillic letters that look like S, S and O.
    result = sample_kb.search("ЅЅО")

    assert result.hits
    assert result.hits[0].chunk.doc.endswith("admin/sso-saml.md")


@pytest.mark.parametrize(
    "query",
    [
        "How do I set up S\u200bS\u200bO?",
        "How do I set up S\u00adSO?",
        "\x1b[2J\x1b[31mHow do I set up SSO?\x1b[0m",
        "\ufeffHow do I set up SSO?",
    ],
    ids=["zero-width-spaces", "soft-hyphen", "terminal-escapes", "byte-order-mark"],
)
def test_search_hidden_characters_find_sso_page(sample_kb: KnowledgeBase, query: str) -> None:
    result = sample_kb.search(query)

    assert result.no_results_reason is None
    assert result.hits[0].chunk.doc == "en/admin/sso-saml.md"


def test_search_finds_chunk_with_invisible_characters(written_kb: KnowledgeBase) -> None:
    result = written_kb.search("webhook signature")

    chunk = result.hits[0].chunk
    assert chunk.doc == "en/integrations/webhooks.md"
    assert "webhook" in chunk.search_tokens
    assert "signatur" in chunk.search_tokens


def test_ingest_keeps_invisible_characters_in_shown_text(written_kb: KnowledgeBase) -> None:
    hit = written_kb.search("webhook signature").hits[0]

    assert "web\u00adhook" in hit.chunk.text
    assert "sig\u200bnature" in hit.chunk.text


@pytest.mark.parametrize("query", ["Экспорт", "εξαγωγή"], ids=["russian", "greek"])
def test_search_finds_word_of_other_script(written_kb: KnowledgeBase, query: str) -> None:
    result = written_kb.search(query)

    assert result.no_results_reason is None
    assert result.hits[0].chunk.doc == "en/account/localized.md"
