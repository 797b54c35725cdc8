"""Pain-point terms of English and Chinese texts, and the negative-sentiment lexicon."""

from __future__ import annotations

import pytest

from insights.keywords import extract_terms
from insights.sentiment import negative_cues


def _words(text: str) -> list[str]:
    return [term.surface for term in extract_terms(text) if not term.is_phrase]


def _phrases(text: str) -> list[str]:
    return [term.surface for term in extract_terms(text) if term.is_phrase]


def test_english_terms_grouped_by_stem() -> None:
    terms = {term.key: term.surface for term in extract_terms("The exports crashing again")}

    assert terms == {"export": "exports", "crash": "crashing", "export crash": "exports crashing"}


def test_english_phrase_breaks_at_stopwords_and_punctuation() -> None:
    phrases = _phrases("Gantt export fails with error 500. Sync broken")

    assert phrases == ["gantt export", "export fails", "error 500", "sync broken"]


def test_chinese_keywords_come_from_jieba() -> None:
    words = _words("甘特图导出一直失败，邮件通知收不到")

    assert words == ["甘特图", "导出", "失败", "邮件", "通知", "收不到"]
    assert "一直" not in words


def test_chinese_phrase_joins_words_without_space() -> None:
    assert "邮件通知" in _phrases("邮件通知收不到")


def test_mixed_text_keeps_latin_product_names() -> None:
    assert _words("GitHub 同步失败") == ["github", "同步", "失败"]


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("The Gantt export crashes with error 500", ["crash", "error"]),
        ("It doesn't work and is still not fixed", ["doesnt work", "still not"]),
        ("GitHub 同步一直失败，太让人失望了", ["失败", "失望"]),
        ("How do I set up SSO?", []),
    ],
    ids=["en-words", "en-phrases", "zh", "neutral"],
)
def test_negative_cues_match_the_lexicon(text: str, cues: list[str]) -> None:
    assert negative_cues(text) == cues
