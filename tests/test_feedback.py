"""Feedback store: ratings, surveys once per conversation, and the summary arithmetic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore, Rating, SurveyAlreadySubmittedError


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FeedbackStore]:
    feedback = FeedbackStore(f"sqlite:///{tmp_path / 'feedback.sqlite'}")
    yield feedback
    feedback.close()


def test_summary_of_tenant_without_feedback_is_empty(store: FeedbackStore) -> None:
    summary = store.summarize("acme")

    assert summary.ratings == 0
    assert summary.thumbs_up_rate is None
    assert summary.csat_average is None
    assert summary.nps is None
    assert summary.by_intent == {}


def test_summary_computes_rates_per_intent(store: FeedbackStore) -> None:
    store.rate_answer("acme", "c1", Rating.UP, intent="how_to")
    store.rate_answer("acme", "c2", Rating.UP, intent="how_to")
    store.rate_answer("acme", "c3", Rating.DOWN, intent="billing")
    store.rate_answer("acme", "c4", Rating.DOWN)
    store.submit_survey("acme", "c1", csat=5, nps=10, intent="how_to")
    store.submit_survey("acme", "c2", csat=4, nps=8, intent="how_to")
    store.submit_survey("acme", "c3", csat=1, nps=3, intent="billing")
    store.submit_survey("acme", "c4", comment="ok")
    store.rate_answer("other", "c1", Rating.DOWN, intent="how_to")

    summary = store.summarize("acme")

    assert summary.ratings == 4
    assert summary.thumbs_up_rate == 0.5
    assert summary.surveys == 4
    assert summary.csat_count == 3
    assert summary.csat_average == 3.33
    assert summary.nps_count == 3
    assert summary.nps == 0.0
    assert summary.by_intent["how_to"].thumbs_up_rate == 1.0
    assert summary.by_intent["how_to"].nps == 50.0
    assert summary.by_intent["billing"].nps == -100.0
    assert summary.by_intent["unknown"].ratings == 1
    assert summary.by_intent["unknown"].csat_average is None


def test_rating_with_message_id_replaces_earlier_rating(store: FeedbackStore) -> None:
    store.rate_answer("acme", "c1", Rating.UP, message_id="m1")
    store.rate_answer("acme", "c1", Rating.DOWN, message_id="m1", reason="wrong page")
    store.rate_answer("acme", "c1", Rating.UP, message_id="m2")

    summary = store.summarize("acme")

    assert summary.ratings == 2
    assert summary.thumbs_down == 1


def test_second_survey_of_conversation_raises(store: FeedbackStore) -> None:
    store.submit_survey("acme", "c1", csat=3)
    store.submit_survey("other", "c1", csat=3)

    with pytest.raises(SurveyAlreadySubmittedError):
        store.submit_survey("acme", "c1", nps=9)


def test_has_survey_only_for_surveyed_conversation_of_tenant(store: FeedbackStore) -> None:
    store.submit_survey("acme", "c1", nps=7)

    assert store.has_survey("acme", "c1") is True
    assert store.has_survey("acme", "c2") is False
    assert store.has_survey("other", "c1") is False
