"""Factories of rows that several test modules store: turns of the turn log."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from assistant.turns import TurnDraft, TurnRecord

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
"""Monday 10:00 of ISO week 2026-W48 in Asia/Shanghai, the default support time zone."""


def make_turn(**changes: object) -> TurnDraft:
    """Return a turn of tenant `default` with every field set and `changes` applied."""
    turn = TurnDraft(
        tenant="default",
        kb="default.default",
        channel="api",
        conversation_id="c-1",
        user_id="u-1",
        user_role="member",
        product_version="3.4",
        language="en",
        intent="how_to",
        intent_confidence=0.91,
        action="answer",
        ticket_id=None,
        retrieval_confidence=0.72,
        module="gantt",
        question="How do I save a baseline?",
        cited_docs=("en/gantt/gantt-baselines.md",),
        created_at=START,
    )
    return replace(turn, **changes)


def make_record(turn_id: int, **changes: object) -> TurnRecord:
    """Return a stored turn with the row id `turn_id` and the fields of `make_turn`."""
    return TurnRecord(**vars(make_turn(**changes)), id=turn_id)
