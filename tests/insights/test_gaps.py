"""KB gap candidates from turns and ratings, their clusters and the ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistant.turns import TurnRecord
from graphs.support.service import glossary_concepts
from insights.activity import Activity, RatingFact
from insights.gaps import GapSignal, cluster_gaps, find_candidates
from retrieval.glossary import load_glossary
from tests.factories import make_record

T0 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
MIN_CONFIDENCE = 0.35


def _activity(turns: list[TurnRecord], ratings: list[RatingFact] | None = None) -> Activity:
    conversations: dict[str, list[TurnRecord]] = {}
    for turn in sorted(turns, key=lambda turn: turn.created_at):
        conversations.setdefault(turn.conversation_id, []).append(turn)
    return Activity(
        since=T0 - timedelta(days=1),
        until=T0 + timedelta(days=6),
        turns=sorted(turns, key=lambda turn: turn.created_at),
        outside_tickets=[],
        ratings=ratings or [],
        surveys=[],
        tickets={},
        conversations=conversations,
    )


def _signals(activity: Activity) -> dict[int, set[GapSignal]]:
    return {
        candidate.turn.id: candidate.signals
        for candidate in find_candidates(activity, MIN_CONFIDENCE)
    }


def test_low_confidence_counts_only_answerable_intents() -> None:
    activity = _activity(
        [
            make_record(1, conversation_id="a", retrieval_confidence=0.2),
            make_record(2, conversation_id="b", retrieval_confidence=0.2, intent="greeting"),
            make_record(3, conversation_id="c", retrieval_confidence=0.2, intent="billing"),
            make_record(4, conversation_id="d", retrieval_confidence=0.35),
        ]
    )

    assert _signals(activity) == {1: {GapSignal.LOW_CONFIDENCE}}


def test_recorded_verdict_overrides_confidence_rule() -> None:
    activity = _activity(
        [
            make_record(1, conversation_id="a", retrieval_confidence=0.9, kb_unanswered=True),
            make_record(2, conversation_id="b", retrieval_confidence=0.1, kb_unanswered=False),
            make_record(3, conversation_id="c", retrieval_confidence=0.1, kb_unanswered=None),
            make_record(4, conversation_id="d", retrieval_confidence=0.9, kb_unanswered=None),
        ]
    )

    assert _signals(activity) == {1: {GapSignal.LOW_CONFIDENCE}, 3: {GapSignal.LOW_CONFIDENCE}}


def test_thumbs_down_counts_only_on_answers() -> None:
    answered = make_record(1, conversation_id="a", created_at=T0)
    ticketed = make_record(
        2, conversation_id="b", created_at=T0, action="open_ticket", ticket_id="T-000001"
    )
    ratings = [
        RatingFact("a", "down", "wrong steps", "how_to", T0 + MINUTE),
        RatingFact("b", "down", None, "how_to", T0 + MINUTE),
    ]

    assert _signals(_activity([answered, ticketed], ratings)) == {1: {GapSignal.THUMBS_DOWN}}


def test_ticket_after_answer_flags_question() -> None:
    turns = [
        make_record(1, conversation_id="a", created_at=T0, retrieval_confidence=0.3),
        make_record(
            2,
            conversation_id="a",
            created_at=T0 + MINUTE,
            action="open_ticket",
            ticket_id="T-000001",
            question="That did not help",
        ),
    ]
    ratings = [RatingFact("a", "down", None, None, T0 + MINUTE / 2)]

    assert _signals(_activity(turns, ratings)) == {
        1: {GapSignal.LOW_CONFIDENCE, GapSignal.THUMBS_DOWN, GapSignal.TICKET_AFTER_ANSWER}
    }


def test_similar_questions_share_a_cluster() -> None:
    questions = [
        "How do I set up SSO with Okta?",
        "How do I configure SSO for Okta?",
        "SSO setup with Okta fails",
        "Where do I download invoices?",
    ]
    turns = [
        make_record(
            index,
            conversation_id=f"c{index}",
            created_at=T0 + index * MINUTE,
            question=question,
            retrieval_confidence=0.1,
        )
        for index, question in enumerate(questions, start=1)
    ]

    clusters = cluster_gaps(find_candidates(_activity(turns), MIN_CONFIDENCE))

    assert [cluster.questions for cluster in clusters] == [3, 1]
    assert clusters[0].terms[:2] == ["okta", "sso"]
    assert clusters[0].label.startswith("okta / sso")
    assert clusters[0].signals.low_confidence == 3
    assert [example.question for example in clusters[1].examples] == [questions[3]]


def test_glossary_joins_chinese_and_english_questions() -> None:
    turns = [
        make_record(1, conversation_id="a", question="GitHub sync fails", retrieval_confidence=0.1),
        make_record(
            2,
            conversation_id="b",
            question="GitHub 同步失败",
            language="zh",
            retrieval_confidence=0.1,
        ),
    ]
    candidates = find_candidates(_activity(turns), MIN_CONFIDENCE)

    without_concepts = cluster_gaps(candidates)
    with_concepts = cluster_gaps(candidates, glossary_concepts(load_glossary()))

    assert len(without_concepts) == 2
    assert len(with_concepts) == 1
    assert with_concepts[0].languages == {"en": 1, "zh": 1}
    assert with_concepts[0].conversations == 2


def test_failed_answers_outrank_more_low_confidence() -> None:
    low = [
        make_record(
            index,
            conversation_id=f"low{index}",
            created_at=T0 + index * MINUTE,
            question="How do I turn on dark mode?",
            retrieval_confidence=0.1,
        )
        for index in range(1, 4)
    ]
    answered = make_record(10, conversation_id="x", question="How do I archive a project?")
    ticket = make_record(
        11,
        conversation_id="x",
        created_at=T0 + MINUTE,
        action="open_ticket",
        ticket_id="T-000002",
        question="Still cannot find the archive option",
        intent="troubleshooting",
        retrieval_confidence=0.9,
    )
    ratings = [RatingFact("x", "down", None, "how_to", T0 + MINUTE / 2)]

    clusters = cluster_gaps(find_candidates(_activity([*low, answered, ticket], ratings), 0.35))

    assert [(cluster.rank, cluster.score, cluster.questions) for cluster in clusters] == [
        (1, 4, 1),
        (2, 3, 3),
    ]
    assert clusters[0].examples[0].question == "How do I archive a project?"
    assert clusters[1].examples[0].question == "How do I turn on dark mode?"
    assert len(clusters[1].examples) == 1
