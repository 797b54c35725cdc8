"""A how-to question prefers the chunks with steps over one that only repeats its words."""

from __future__ import annotations

import pytest

from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters

BASELINES_PAGE = "zh/gantt/gantt-baselines.md"


def _sections_found(kb: KnowledgeBase, query: str, doc: str) -> list[str]:
    hits = kb.search(query, SearchFilters(), top_k=10).hits
    return [hit.chunk.heading_path[-1] for hit in hits if hit.chunk.doc == doc]


@pytest.mark.parametrize("question", ["如何设置甘特图基线？", "甘特图基线怎么设置"])
def test_how_to_question_gets_the_steps(sample_kb: KnowledgeBase, question: str) -> None:
    # The permissions table has a row "设置默认基线", which shares more words with the
    # question than the steps under "保存基线" do.
    sections = _sections_found(sample_kb, question, BASELINES_PAGE)

    assert "保存基线" in sections
    assert "权限说明" not in sections


def test_other_questions_keep_the_best_matching_chunk(sample_kb: KnowledgeBase) -> None:
    sections = _sections_found(sample_kb, "甘特图基线的权限说明", BASELINES_PAGE)

    assert sections[0] == "权限说明"
