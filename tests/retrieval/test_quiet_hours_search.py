"""Search finds the quiet-hours section for questions that name a time of day ("at night",
"下班后", "夜间") instead of the setting."""

from __future__ import annotations

import pytest

from retrieval.knowledge_base import KnowledgeBase

QUIET_HOURS_HEADING = {"en": "Quiet hours (3.4)", "zh": "免打扰时段（3.4）"}


@pytest.mark.parametrize(
    "question", ["晚上不想收到邮件怎么办", "关闭夜间邮件提醒", "下班后不想收到通知"]
)
def test_chinese_night_question_ranks_quiet_hours_first(
    sample_kb: KnowledgeBase, question: str
) -> None:
    first = sample_kb.search(question).hits[0].chunk

    assert first.doc == "zh/notifications/notification-settings.md"
    assert first.heading_path[-1] == QUIET_HOURS_HEADING["zh"]


@pytest.mark.parametrize(
    "question", ["how do I stop getting emails at night", "how can I pause notifications overnight"]
)
def test_english_night_question_finds_quiet_hours(sample_kb: KnowledgeBase, question: str) -> None:
    result = sample_kb.search(question)

    assert result.no_results_reason is None, result.unknown_terms
    headings = [hit.chunk.heading_path[-1] for hit in result.hits[:3]]
    assert QUIET_HOURS_HEADING["en"] in headings


@pytest.mark.parametrize("question", ["夜间邮件太多", "emails overnight", "mails after hours"])
def test_glossary_time_words_are_known(sample_kb: KnowledgeBase, question: str) -> None:
    # The KB writes 晚上, "night" and "working hours". 夜间, "overnight" and "after hours" are
    # glossary variants of them, so these questions are searched instead of clarified.
    assert sample_kb.unknown_terms(question) == []
