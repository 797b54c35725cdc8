"""Hybrid search with a translated query, as the agent passes it for a KB in one language."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import write_kb

ENGLISH_DOCS = {
    "en/account/font-size.md": """---
title: Change the font size
module: account
language: en
---
# Change the font size

Open Preferences and drag the Text size slider to make the letters bigger or smaller.
The larger font applies to every page after a reload.
""",
    "en/tasks/export-csv.md": """---
title: Export tasks to CSV
module: tasks
language: en
---
# Export tasks to CSV

Open the task list, choose Export and pick CSV. The file contains every visible column.
""",
    "en/admin/sso.md": """---
title: Set up single sign-on
module: admin
language: en
---
# Set up single sign-on

Admins connect an identity provider with SAML under Settings > Security.
""",
}
FONT_QUESTION = "怎么把字体调大一点？"
"""No glossary term: only a translation of the whole question reaches the English page."""
FONT_TRANSLATION = "How do I make the font bigger?"


@pytest.fixture
def english_kb(settings: Settings, tmp_path: Path) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(settings, "default")
    ingest_folder(knowledge_base, write_kb(tmp_path / "kb", ENGLISH_DOCS))
    return knowledge_base


def test_glossary_alone_ranks_english_page_low(english_kb: KnowledgeBase) -> None:
    result = english_kb.search(FONT_QUESTION)

    assert english_kb.glossary.match(FONT_QUESTION) == set()
    assert result.translated_terms == []
    assert result.hits[0].chunk.doc != "en/account/font-size.md"
    assert all(hit.confidence < english_kb.settings.answer_min_confidence for hit in result.hits)


def test_translated_query_ranks_english_page_first(english_kb: KnowledgeBase) -> None:
    result = english_kb.search(FONT_QUESTION, translated_query=FONT_TRANSLATION)

    assert result.hits[0].chunk.doc == "en/account/font-size.md"
    assert result.hits[0].confidence >= english_kb.settings.answer_min_confidence
    assert "font" in result.translated_terms


def test_translated_query_keeps_glossary_terms(english_kb: KnowledgeBase) -> None:
    glossary_only = english_kb.search("怎么导出任务？")
    translated = english_kb.search("怎么导出任务？", translated_query="How do I export tasks?")

    assert glossary_only.translated_terms
    assert translated.translated_terms[: len(glossary_only.translated_terms)] == (
        glossary_only.translated_terms
    )
    assert translated.hits[0].chunk.doc == "en/tasks/export-csv.md"


def test_kb_languages_lists_document_languages(
    english_kb: KnowledgeBase, settings: Settings, small_kb_dir: Path
) -> None:
    bilingual = KnowledgeBase(settings, "bilingual")
    ingest_folder(bilingual, small_kb_dir)

    assert english_kb.languages() == frozenset({"en"})
    assert bilingual.languages() == frozenset({"en", "zh"})
