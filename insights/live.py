"""Live metrics from the turn log: containment, escalation per intent, unanswered questions and
feedback scores per intent, module, team and week, over the latest weeks of one tenant."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from assistant.feedback import UNKNOWN_INTENT, FeedbackStats, score_feedback
from insights.activity import Activity, ActivityReader
from insights.weeks import week_of

DEFAULT_LIVE_WEEKS = 8
MAX_LIVE_WEEKS = 52
UNANSWERED_LIMIT = 20
UNKNOWN_MODULE = "unknown"


class IntentEscalation(BaseModel):
    """Turns of one intent and the share that opened, escalated or handed off a ticket."""

    turns: int
    escalated: int
    rate: float | None
    """escalated / turns, from 0 to 1, or null without turns."""


class UnansweredTurn(BaseModel):
    """A question the KB should answer that the agent left unanswered, see `is_kb_unanswered`."""

    conversation_id: str
    question: str
    intent: str
    module: str
    action: str
    retrieval_confidence: float
    created_at: datetime


class FeedbackScores(BaseModel):
    """Thumbs-up rate, CSAT and NPS of the window's ratings and surveys, by four keys.

    Each rating or survey belongs to the latest turn of its conversation at its time, and the
    module is that turn's. The intent is the one stored with the feedback, else the turn's.
    The team is that of the conversation's latest ticket by then (`assistant` without one).
    The week is the ISO week of the feedback in the support team's time zone.
    """

    by_intent: dict[str, FeedbackStats]
    by_module: dict[str, FeedbackStats]
    by_team: dict[str, FeedbackStats]
    by_week: dict[str, FeedbackStats]


class TurnMetrics(BaseModel):
    """Exact numbers from the turn log of one tenant, over the latest `weeks` ISO weeks."""

    since: datetime
    """Monday 00:00 of the first week of the window, in the support team's time zone."""
    weeks: int
    turns: int
    conversations: int
    """Conversations with at least one turn in the window."""
    conversations_with_ticket: int
    """Conversations with a turn in the window that names a ticket.

    Such a turn opened, escalated or handed off a ticket, or added details to one."""
    containment: float | None
    """(conversations - conversations_with_ticket) / conversations, or null without any."""
    escalation_by_intent: dict[str, IntentEscalation]
    unanswered_count: int
    """Turns that left a question unanswered that the KB should answer: retrieval was not
    confident or the model found no answer in the articles (see `is_kb_unanswered`)."""
    unanswered: list[UnansweredTurn]
    """The latest of those turns, newest first."""
    feedback: FeedbackScores


def compute_turn_metrics(
    reader: ActivityReader,
    tenant: str,
    *,
    now: datetime,
    timezone: ZoneInfo,
    weeks: int,
    min_confidence: float,
) -> TurnMetrics:
    """Return the tenant's turn metrics over the `weeks` weeks up to the one containing `now`.

    Args:
        min_confidence: The agent's `answer_min_confidence`. Turns recorded before the agent
            stored its verdict count as unanswered under it.
    """
    current = week_of(now, timezone)
    since = current.shift(1 - weeks).start(timezone)
    until = current.end(timezone)

    conversations, with_ticket = reader.count_conversations(tenant, since, until)
    by_intent = reader.count_turns_by_intent(tenant, since, until)
    unanswered_count, unanswered = reader.unanswered_turns(
        tenant, since, until, min_confidence=min_confidence, limit=UNANSWERED_LIMIT
    )
    feedback = reader.load_feedback(tenant, since, until)

    return TurnMetrics(
        since=since,
        weeks=weeks,
        turns=sum(counts.turns for counts in by_intent.values()),
        conversations=conversations,
        conversations_with_ticket=with_ticket,
        containment=_share(conversations - with_ticket, conversations),
        escalation_by_intent={
            intent: IntentEscalation(
                turns=counts.turns,
                escalated=counts.escalated,
                rate=_share(counts.escalated, counts.turns),
            )
            for intent, counts in sorted(by_intent.items())
        },
        unanswered_count=unanswered_count,
        unanswered=[
            UnansweredTurn(
                conversation_id=turn.conversation_id,
                question=turn.question,
                intent=turn.intent,
                module=turn.module,
                action=turn.action,
                retrieval_confidence=turn.retrieval_confidence,
                created_at=turn.created_at,
            )
            for turn in unanswered
        ],
        feedback=score_by_key(feedback, timezone),
    )


def score_by_key(activity: Activity, timezone: ZoneInfo) -> FeedbackScores:
    """Score an activity's ratings and surveys by intent, module, team and week.

    `FeedbackScores` describes which turn and ticket each rating or survey is counted under.
    """
    buckets: dict[tuple[str, str], _Bucket] = defaultdict(_Bucket)
    for rating in activity.ratings:
        keys = _feedback_keys(
            activity, timezone, rating.conversation_id, rating.intent, rating.created_at
        )
        for dimension, key in keys.items():
            buckets[dimension, key].ratings.append(rating.rating)
    for survey in activity.surveys:
        keys = _feedback_keys(
            activity, timezone, survey.conversation_id, survey.intent, survey.created_at
        )
        for dimension, key in keys.items():
            buckets[dimension, key].surveys.append((survey.csat, survey.nps))

    def scores(dimension: str) -> dict[str, FeedbackStats]:
        return {
            key: score_feedback(bucket.ratings, bucket.surveys)
            for (name, key), bucket in sorted(buckets.items())
            if name == dimension
        }

    return FeedbackScores(
        by_intent=scores("intent"),
        by_module=scores("module"),
        by_team=scores("team"),
        by_week=scores("week"),
    )


@dataclass
class _Bucket:
    ratings: list[str] = field(default_factory=list)
    surveys: list[tuple[int | None, int | None]] = field(default_factory=list)


def _feedback_keys(
    activity: Activity,
    timezone: ZoneInfo,
    conversation_id: str,
    intent: str | None,
    moment: datetime,
) -> dict[str, str]:
    turn = activity.turn_at(conversation_id, moment)
    return {
        "intent": intent or (turn.intent if turn else UNKNOWN_INTENT),
        "module": turn.module if turn else UNKNOWN_MODULE,
        "team": activity.team_at(conversation_id, moment),
        "week": str(week_of(moment, timezone)),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
