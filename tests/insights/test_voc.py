"""Voice-of-the-customer report on a hand-made pair of weeks: terms, trends, modules, negatives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.feedback import Rating
from assistant.tickets.schemas import Channel
from insights.voc import NegativeReason, Source, VocReport, build_voc_report
from insights.weeks import IsoWeek
from tests.factories import make_turn
from tests.insights.conftest import Stores

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEK = IsoWeek(2026, 48)
W48 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
W47 = datetime(2026, 11, 17, 4, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def report(stores: Stores) -> VocReport:
    """Week 48: two GitHub sync questions (one opened a ticket), a greeting, a Gantt export
    question rated down with a reason, a low-CSAT survey comment and an email ticket.
    Week 47: one GitHub sync question."""
    chat_ticket = stores.open_ticket(W48 + 5 * MINUTE, description="GitHub sync keeps failing")
    stores.open_ticket(
        W48 + 30 * MINUTE,
        description="Please add Slack notifications for comments",
        module="notifications",
        channel=Channel.EMAIL,
    )
    for turn in (
        make_turn(
            conversation_id="P",
            created_at=W47,
            question="GitHub sync fails",
            intent="troubleshooting",
            module="integrations",
        ),
        make_turn(
            conversation_id="A",
            created_at=W48,
            question="The GitHub sync fails again",
            intent="troubleshooting",
            module="integrations",
        ),
        make_turn(
            conversation_id="A2",
            created_at=W48 + 5 * MINUTE,
            question="GitHub sync keeps failing",
            intent="troubleshooting",
            action="open_ticket",
            ticket_id=chat_ticket,
            module="integrations",
        ),
        make_turn(
            conversation_id="B",
            created_at=W48 + 6 * MINUTE,
            question="Hello there",
            intent="greeting",
            module="general",
        ),
        make_turn(
            conversation_id="C",
            created_at=W48 + 7 * MINUTE,
            question="How do I export the Gantt chart?",
            module="gantt",
        ),
    ):
        stores.turns.record(turn)
    stores.turns.flush()
    stores.feedback.rate_answer(
        "default", "C", Rating.DOWN, reason="The export steps are wrong", now=W48 + 8 * MINUTE
    )
    stores.feedback.submit_survey(
        "default", "A", csat=1, nps=2, comment="Sync is broken, terrible", now=W48 + 9 * MINUTE
    )

    current = stores.reader.load("default", WEEK.start(SHANGHAI), WEEK.end(SHANGHAI))
    previous_week = WEEK.shift(-1)
    previous = stores.reader.load(
        "default", previous_week.start(SHANGHAI), previous_week.end(SHANGHAI)
    )
    return build_voc_report(
        "default", WEEK, current, previous, timezone="Asia/Shanghai", generated_at=W48
    )


def test_totals_count_each_source_once(report: VocReport) -> None:
    totals = report.totals

    assert (totals.questions, totals.tickets) == (3, 1)
    assert (totals.survey_comments, totals.rating_reasons) == (1, 1)
    assert totals.texts == 6
    assert totals.conversations == 3
    assert totals.negative == 5
    assert totals.negative_share == round(5 / 6, 4)
    assert (report.previous_totals.texts, report.previous_totals.questions) == (1, 1)


def test_terms_have_counts_and_trends(report: VocReport) -> None:
    terms = {term.term: term for term in report.terms}

    assert (terms["github"].count, terms["github"].previous_count) == (2, 1)
    assert (terms["github"].change, terms["github"].trend) == (1, "up")
    assert (terms["sync"].count, terms["sync"].trend) == (3, "up")
    assert (terms["export"].count, terms["export"].previous_count) == (2, 0)
    assert terms["export"].trend == "new"
    assert report.terms[0].term == "sync"
    assert "hello" not in terms


def test_terms_name_their_modules_and_examples(report: VocReport) -> None:
    terms = {term.term: term for term in report.terms}

    assert [(m.module, m.count) for m in terms["sync"].modules] == [("integrations", 3)]
    assert [(m.module, m.count) for m in terms["export"].modules] == [("gantt", 2)]
    # One example per conversation, negative texts first, then the newest.
    sync_examples = [(e.conversation_id, e.source) for e in terms["sync"].examples]
    assert sync_examples == [("A", Source.SURVEY_COMMENT), ("A2", Source.QUESTION)]
    assert [(e.conversation_id, e.negative) for e in terms["export"].examples] == [("C", True)]


def test_phrases_need_two_texts(report: VocReport) -> None:
    phrases = {phrase.term: phrase.count for phrase in report.phrases}

    assert phrases == {"github sync": 2}


def test_modules_compare_with_previous_week(report: VocReport) -> None:
    modules = {module.module: module for module in report.modules}

    assert [module.module for module in report.modules] == [
        "integrations",
        "gantt",
        "notifications",
    ]
    assert (modules["integrations"].count, modules["integrations"].previous_count) == (3, 1)
    assert modules["integrations"].negative_count == 3
    assert (modules["notifications"].count, modules["notifications"].negative_count) == (1, 0)


def test_negative_texts_say_why(report: VocReport) -> None:
    reasons = {item.text: (item.reasons, item.cues) for item in report.negative}

    assert reasons["How do I export the Gantt chart?"] == ([NegativeReason.THUMBS_DOWN], [])
    assert reasons["The export steps are wrong"] == (
        [NegativeReason.LEXICON, NegativeReason.THUMBS_DOWN],
        ["wrong"],
    )
    assert reasons["Sync is broken, terrible"][0] == [
        NegativeReason.LEXICON,
        NegativeReason.LOW_CSAT,
    ]
    assert reasons["The GitHub sync fails again"][0] == [
        NegativeReason.LEXICON,
        NegativeReason.LOW_CSAT,
    ]
    assert "Please add Slack notifications for comments" not in reasons
