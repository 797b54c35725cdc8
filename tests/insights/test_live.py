"""Turn metrics on a hand-made week of turns, tickets, ratings and surveys, checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.feedback import Rating
from assistant.turns import TurnStore
from insights.activity import ActivityReader
from insights.live import TurnMetrics, compute_turn_metrics
from tests.factories import create_old_turns_table, make_turn
from tests.insights.conftest import Stores

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
"""Wednesday noon of 2026-W48 in Shanghai."""
W48 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
W47 = datetime(2026, 11, 17, 4, 0, tzinfo=UTC)
W45 = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def metrics(stores: Stores) -> TurnMetrics:
    """Two weeks of tenant default, plus rows outside the window and of tenant beta.

    Conversation A (W48): an answered how_to, then a troubleshooting ticket of team l2-product.
    Conversation B (W48): a how_to clarified at retrieval confidence 0.2.
    Conversation C (W47): a billing handoff to team billing.
    Conversation D (W47): an answered how_to about tasks, then a greeting.
    Conversation E (W45) and tenant beta's conversation are outside the metrics.
    """
    product_ticket = stores.open_ticket(W48 + 10 * MINUTE, team="l2-product")
    billing_ticket = stores.open_ticket(W47, team="billing", module="billing")
    turns = [
        make_turn(conversation_id="A", created_at=W48, module="gantt"),
        make_turn(
            conversation_id="A",
            created_at=W48 + 10 * MINUTE,
            intent="troubleshooting",
            action="open_ticket",
            ticket_id=product_ticket,
            retrieval_confidence=0.6,
            module="gantt",
        ),
        make_turn(
            conversation_id="B",
            created_at=W48 + MINUTE,
            action="clarify",
            retrieval_confidence=0.2,
            module="general",
            question="How do I turn on dark mode?",
        ),
        make_turn(
            conversation_id="C",
            created_at=W47,
            intent="billing",
            action="handoff",
            ticket_id=billing_ticket,
            retrieval_confidence=0.0,
            module="billing",
        ),
        make_turn(conversation_id="D", created_at=W47 + MINUTE, module="tasks"),
        make_turn(
            conversation_id="D",
            created_at=W47 + 5 * MINUTE,
            intent="greeting",
            retrieval_confidence=0.0,
            module="general",
        ),
        make_turn(conversation_id="E", created_at=W45, retrieval_confidence=0.1),
        make_turn(tenant="beta", conversation_id="X", created_at=W48, retrieval_confidence=0.1),
    ]
    for turn in turns:
        stores.turns.record(turn)
    stores.turns.flush()

    rate = stores.feedback.rate_answer
    rate("default", "A", Rating.UP, message_id="1", intent="how_to", now=W48 + MINUTE)
    rate("default", "A", Rating.DOWN, message_id="2", now=W48 + 11 * MINUTE)
    rate("default", "D", Rating.UP, message_id="1", intent="how_to", now=W47 + 2 * MINUTE)
    rate("default", "E", Rating.DOWN, now=W45 + MINUTE)
    rate("beta", "X", Rating.DOWN, now=W48 + MINUTE)
    survey = stores.feedback.submit_survey
    survey("default", "C", csat=2, nps=3, now=W47 + MINUTE)
    survey("default", "A", csat=5, nps=10, now=W48 + 12 * MINUTE)

    return compute_turn_metrics(
        stores.reader, "default", now=NOW, timezone=SHANGHAI, weeks=2, min_confidence=0.35
    )


def test_window_starts_on_first_monday(metrics: TurnMetrics) -> None:
    assert metrics.since == datetime(2026, 11, 16, tzinfo=SHANGHAI)
    assert metrics.weeks == 2


def test_containment_counts_conversations_without_ticket(metrics: TurnMetrics) -> None:
    assert metrics.turns == 6
    assert metrics.conversations == 4
    assert metrics.conversations_with_ticket == 2
    assert metrics.containment == 0.5


def test_escalation_rate_per_intent(metrics: TurnMetrics) -> None:
    rates = {
        intent: (item.turns, item.escalated, item.rate)
        for intent, item in metrics.escalation_by_intent.items()
    }

    assert rates == {
        "how_to": (3, 0, 0.0),
        "troubleshooting": (1, 1, 1.0),
        "billing": (1, 1, 1.0),
        "greeting": (1, 0, 0.0),
    }


def test_unanswered_are_low_confidence_answerable_turns(metrics: TurnMetrics) -> None:
    assert metrics.unanswered_count == 1
    assert [turn.question for turn in metrics.unanswered] == ["How do I turn on dark mode?"]
    assert metrics.unanswered[0].retrieval_confidence == 0.2


def test_unanswered_follows_recorded_verdict(database_url: str) -> None:
    turns = TurnStore(database_url)
    reader = ActivityReader(database_url)
    try:
        for minutes, confidence, verdict in ((1, 0.9, True), (2, 0.1, False), (3, 0.2, None)):
            turns.record(
                make_turn(
                    conversation_id=f"c-{minutes}",
                    created_at=W48 + minutes * MINUTE,
                    action="open_ticket",
                    retrieval_confidence=confidence,
                    kb_unanswered=verdict,
                )
            )
        turns.flush()
        metrics = compute_turn_metrics(
            reader, "default", now=NOW, timezone=SHANGHAI, weeks=1, min_confidence=0.35
        )
    finally:
        turns.close()
        reader.close()

    assert metrics.unanswered_count == 2
    assert [turn.conversation_id for turn in metrics.unanswered] == ["c-3", "c-1"]


def test_old_turns_table_counts_by_confidence(database_url: str) -> None:
    create_old_turns_table(
        database_url,
        question="How do I turn on dark mode?",
        action="open_ticket",
        retrieval_confidence=0.2,
        created_at=W48,
    )
    reader = ActivityReader(database_url)
    try:
        metrics = compute_turn_metrics(
            reader, "default", now=NOW, timezone=SHANGHAI, weeks=1, min_confidence=0.35
        )
    finally:
        reader.close()

    assert metrics.unanswered_count == 1
    assert [turn.question for turn in metrics.unanswered] == ["How do I turn on dark mode?"]


def test_feedback_scores_by_module(metrics: TurnMetrics) -> None:
    by_module = metrics.feedback.by_module

    assert sorted(by_module) == ["billing", "gantt", "tasks"]
    assert (by_module["gantt"].ratings, by_module["gantt"].thumbs_up_rate) == (2, 0.5)
    assert (by_module["gantt"].csat_average, by_module["gantt"].nps) == (5.0, 100.0)
    assert (by_module["tasks"].thumbs_up_rate, by_module["tasks"].csat_average) == (1.0, None)
    assert by_module["billing"].thumbs_up_rate is None
    assert (by_module["billing"].csat_average, by_module["billing"].nps) == (2.0, -100.0)


def test_feedback_scores_by_team(metrics: TurnMetrics) -> None:
    by_team = metrics.feedback.by_team

    assert sorted(by_team) == ["assistant", "billing", "l2-product"]
    assert (by_team["assistant"].ratings, by_team["assistant"].thumbs_up_rate) == (2, 1.0)
    assert (by_team["l2-product"].thumbs_up_rate, by_team["l2-product"].csat_average) == (
        0.0,
        5.0,
    )
    assert (by_team["billing"].csat_average, by_team["billing"].nps) == (2.0, -100.0)


def test_feedback_scores_by_week_and_intent(metrics: TurnMetrics) -> None:
    by_week = metrics.feedback.by_week
    by_intent = metrics.feedback.by_intent

    assert sorted(by_week) == ["2026-W47", "2026-W48"]
    assert (by_week["2026-W48"].ratings, by_week["2026-W48"].thumbs_up_rate) == (2, 0.5)
    assert (by_week["2026-W48"].csat_average, by_week["2026-W48"].nps) == (5.0, 100.0)
    assert (by_week["2026-W47"].thumbs_up_rate, by_week["2026-W47"].nps) == (1.0, -100.0)
    assert sorted(by_intent) == ["billing", "how_to", "troubleshooting"]
    assert (by_intent["how_to"].ratings, by_intent["how_to"].thumbs_up_rate) == (2, 1.0)
    assert by_intent["troubleshooting"].thumbs_down == 1
    assert by_intent["billing"].surveys == 1
