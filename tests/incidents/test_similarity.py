"""Report similarity: token cosine, glossary concepts across languages, and settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.domain import Intent
from assistant.incidents.similarity import TextSimilarity, centroid, cosine
from assistant.settings import Settings
from graphs.support.service import glossary_concepts
from retrieval.glossary import load_glossary


def test_reordered_words_are_identical() -> None:
    similarity = TextSimilarity()

    score = cosine(similarity.vector("GitHub sync fails"), similarity.vector("fails: sync GitHub"))

    assert score == pytest.approx(1.0)


def test_texts_without_shared_tokens_score_zero() -> None:
    similarity = TextSimilarity()

    assert cosine(similarity.vector("GitHub sync fails"), similarity.vector("甘特图导出崩溃")) == 0


def test_glossary_concepts_match_chinese_and_english() -> None:
    tokens_only = TextSimilarity()
    with_concepts = TextSimilarity(glossary_concepts(load_glossary(None)))
    english, chinese = "GitHub sync failing", "GitHub 同步失败"

    assert cosine(with_concepts.vector(english), with_concepts.vector(chinese)) > cosine(
        tokens_only.vector(english), tokens_only.vector(chinese)
    )
    assert cosine(with_concepts.vector(english), with_concepts.vector(chinese)) >= 0.4


def test_stop_words_only_give_empty_vector() -> None:
    assert TextSimilarity().vector("it is not the") == {}


def test_centroid_is_unit_length() -> None:
    similarity = TextSimilarity()
    vectors = [similarity.vector("GitHub sync fails"), similarity.vector("GitHub sync broken")]

    signature = centroid(vectors)

    assert sum(weight * weight for weight in signature.values()) == pytest.approx(1.0, abs=1e-3)


def test_surge_intents_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SURGE_INTENTS", "outage, bug_report")

    assert Settings().surge_intents == (Intent.OUTAGE, Intent.BUG_REPORT)


def test_empty_surge_intents_turn_detection_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SURGE_INTENTS", "")

    assert Settings().surge_intents == ()


def test_unknown_surge_intent_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SURGE_INTENTS", "outage,sync")

    with pytest.raises(ValidationError, match="'troubleshooting'"):
        Settings()


def test_pager_webhook_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_PAGER_WEBHOOK_URL", "ftp://pager.internal/hook")

    with pytest.raises(ValidationError, match="must start with http:// or https://"):
        Settings()
