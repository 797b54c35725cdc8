"""Read a tenant's turns, tickets, ratings and surveys of a time window from the ticket database.

The turn log links the other tables: a turn names its conversation and the ticket it opened,
and ratings and surveys name their conversation. A ticket the assistant opened is counted
once, through the turn that opened it and at that turn's time. Only tickets opened outside a
conversation (email, agents) are read by their own creation time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Engine, and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from assistant.database import SqlStore
from assistant.domain import ActionType
from assistant.feedback import AnswerRating, ConversationSurvey
from assistant.tickets.models import Base, Ticket
from assistant.tickets.store import format_ticket_id, parse_ticket_id, upgrade_tickets_table
from assistant.turns import (
    ConversationTurn,
    TurnRecord,
    add_kb_unanswered_column,
    to_turn_record,
)
from graphs.support.policy import ANSWERABLE_INTENTS

ESCALATING_ACTIONS = (ActionType.ESCALATE, ActionType.OPEN_TICKET, ActionType.HANDOFF)
"""Actions that hand a turn to a person: it opened, escalated or handed off a ticket."""
_T = TypeVar("_T")
NO_TICKET_TEAM = "assistant"
"""Team bucket of conversations that no ticket took out of the assistant's hands."""
UNASSIGNED_TEAM = "unassigned"
SQL_IN_BATCH = 500
"""Values bound in one `IN (...)` list, well below SQLite's limit of bound parameters."""
_ANSWERABLE = frozenset(intent.value for intent in ANSWERABLE_INTENTS)


@dataclass(frozen=True)
class TicketFact:
    """Fields of a ticket that the reports use."""

    id: str
    created_at: datetime
    intent: str
    module: str
    team: str | None
    subject: str
    description: str
    channel: str
    language: str


@dataclass(frozen=True)
class RatingFact:
    """A thumbs rating of an answer."""

    conversation_id: str
    rating: str
    reason: str | None
    intent: str | None
    created_at: datetime


@dataclass(frozen=True)
class SurveyFact:
    """An end-of-conversation survey."""

    conversation_id: str
    csat: int | None
    nps: int | None
    comment: str | None
    intent: str | None
    created_at: datetime


@dataclass(frozen=True)
class IntentTurnCounts:
    """Turns of one intent and how many of them handed the user to a person."""

    turns: int
    escalated: int


@dataclass
class Activity:
    """A tenant's activity in a window [since, until), with the context to interpret it."""

    since: datetime
    until: datetime
    turns: list[TurnRecord]
    """Turns of the window, oldest first."""
    outside_tickets: list[TicketFact]
    """Tickets of the window that no turn opened (email, agents), oldest first."""
    ratings: list[RatingFact]
    surveys: list[SurveyFact]
    tickets: dict[str, TicketFact]
    """Every ticket named by a turn of `conversations`, by id."""
    conversations: dict[str, list[TurnRecord]] = field(default_factory=dict)
    """Turns, oldest first, of every conversation with a turn, rating or survey in the window.
    These turns may be older than the window."""

    def turn_at(self, conversation_id: str, moment: datetime) -> TurnRecord | None:
        """Return the conversation's latest turn at or before `moment` (else its first turn).

        Feedback is about the answer the user just read, so a rating or survey belongs to
        that turn. None when the conversation has no recorded turn.
        """
        history = self.conversations.get(conversation_id, [])
        earlier = [turn for turn in history if turn.created_at <= moment]
        if earlier:
            return earlier[-1]
        return history[0] if history else None

    def team_at(self, conversation_id: str, moment: datetime) -> str:
        """Return the team of the conversation's latest ticket opened at or before `moment`.

        `assistant` when the conversation opened no ticket by then, and `unassigned` when its
        ticket has no team or is not found.
        """
        history = self.conversations.get(conversation_id, [])
        earlier = [
            turn.ticket_id for turn in history if turn.ticket_id and turn.created_at <= moment
        ]
        if not earlier:
            return NO_TICKET_TEAM
        ticket = self.tickets.get(earlier[-1])
        return (ticket.team if ticket else None) or UNASSIGNED_TEAM


class ActivityReader(SqlStore):
    """Read-only access to the turn, ticket and feedback tables of one database."""

    def _create_tables(self, engine: Engine) -> None:
        # A database where nothing was recorded yet has none of these tables.
        names = (
            ConversationTurn.__tablename__,
            Ticket.__tablename__,
            AnswerRating.__tablename__,
            ConversationSurvey.__tablename__,
        )
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in names])
        # The reader selects every turn and ticket column, so old tables need the new ones too.
        add_kb_unanswered_column(engine)
        upgrade_tickets_table(engine)

    def load(self, tenant: str, since: datetime, until: datetime) -> Activity:
        """Return the tenant's turns, tickets, ratings and surveys of [since, until)."""
        query = (
            select(ConversationTurn)
            .where(*_in_window(tenant, since, until))
            .order_by(ConversationTurn.created_at, ConversationTurn.id)
        )
        with self._transaction() as session:
            turns = [to_turn_record(row) for row in session.scalars(query)]
            ratings, surveys = _feedback(session, tenant, since, until)
            activity = _with_context(session, tenant, since, until, turns, ratings, surveys)
            activity.outside_tickets = _tickets_without_turn(session, tenant, since, until)
        return activity

    def count_conversations(self, tenant: str, since: datetime, until: datetime) -> tuple[int, int]:
        """Count the conversations with a turn in [since, until), and those that named a ticket.

        Returns:
            (conversations, conversations with at least one turn that names a ticket).
        """
        query = select(
            func.count(distinct(ConversationTurn.conversation_id)),
            func.count(
                distinct(
                    case(
                        (ConversationTurn.ticket_id.is_not(None), ConversationTurn.conversation_id)
                    )
                )
            ),
        )
        with self._transaction() as session:
            row = session.execute(query.where(*_in_window(tenant, since, until))).one()
        return int(row[0]), int(row[1])

    def count_turns_by_intent(
        self, tenant: str, since: datetime, until: datetime
    ) -> dict[str, IntentTurnCounts]:
        """Count the turns of [since, until) per intent, and those with an escalating action."""
        escalating = [action.value for action in ESCALATING_ACTIONS]
        escalated = func.sum(case((ConversationTurn.action.in_(escalating), 1), else_=0))
        query = select(ConversationTurn.intent, func.count(), escalated).group_by(
            ConversationTurn.intent
        )
        with self._transaction() as session:
            rows = session.execute(query.where(*_in_window(tenant, since, until)))
            return {
                intent: IntentTurnCounts(turns=int(count), escalated=int(escalated or 0))
                for intent, count, escalated in rows
            }

    def unanswered_turns(
        self, tenant: str, since: datetime, until: datetime, *, min_confidence: float, limit: int
    ) -> tuple[int, list[TurnRecord]]:
        """Return how many turns of [since, until) left a question unanswered that the KB should
        answer, and the latest `limit` of them, newest first.

        `is_kb_unanswered` gives the rule, and `min_confidence` judges the turns recorded
        before the agent stored its verdict.
        """
        unanswered = _kb_unanswered_condition(min_confidence)
        count_query = select(func.count()).where(*_in_window(tenant, since, until), unanswered)
        rows_query = (
            select(ConversationTurn)
            .where(*_in_window(tenant, since, until), unanswered)
            .order_by(ConversationTurn.created_at.desc(), ConversationTurn.id.desc())
            .limit(limit)
        )
        with self._transaction() as session:
            count = int(session.execute(count_query).scalar_one())
            return count, [to_turn_record(row) for row in session.scalars(rows_query)]

    def load_feedback(self, tenant: str, since: datetime, until: datetime) -> Activity:
        """Return the ratings and surveys of [since, until) with their conversations and tickets.

        The returned activity has no turns and no outside tickets: only the feedback and its
        context.
        """
        with self._transaction() as session:
            ratings, surveys = _feedback(session, tenant, since, until)
            return _with_context(session, tenant, since, until, [], ratings, surveys)


def is_kb_unanswered(turn: TurnRecord, min_confidence: float) -> bool:
    """Return whether a turn left a question unanswered that the KB should answer.

    The agent's recorded verdict decides. A turn recorded before the verdict existed has
    `kb_unanswered` None and counts when its intent is answerable and its retrieval confidence
    is under `min_confidence`, the rule the agent followed before an LLM could find no answer.
    `_kb_unanswered_condition` is the same rule in SQL.
    """
    if turn.kb_unanswered is not None:
        return turn.kb_unanswered
    return turn.intent in _ANSWERABLE and turn.retrieval_confidence < min_confidence


def _kb_unanswered_condition(min_confidence: float) -> ColumnElement[bool]:
    recorded = ConversationTurn.kb_unanswered.is_(True)
    by_confidence = and_(
        ConversationTurn.kb_unanswered.is_(None),
        ConversationTurn.intent.in_(sorted(_ANSWERABLE)),
        ConversationTurn.retrieval_confidence < min_confidence,
    )
    return or_(recorded, by_confidence)


def _in_window(tenant: str, since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    """Return the conditions that select a tenant's turns of [since, until)."""
    return (
        ConversationTurn.tenant == tenant,
        ConversationTurn.created_at >= since,
        ConversationTurn.created_at < until,
    )


def _with_context(
    session: Session,
    tenant: str,
    since: datetime,
    until: datetime,
    turns: list[TurnRecord],
    ratings: list[RatingFact],
    surveys: list[SurveyFact],
) -> Activity:
    conversation_ids = {turn.conversation_id for turn in turns}
    conversation_ids |= {rating.conversation_id for rating in ratings}
    conversation_ids |= {survey.conversation_id for survey in surveys}
    conversations = _conversation_turns(session, tenant, conversation_ids)
    ticket_ids = {
        turn.ticket_id for history in conversations.values() for turn in history if turn.ticket_id
    }
    return Activity(
        since=since,
        until=until,
        turns=turns,
        outside_tickets=[],
        ratings=ratings,
        surveys=surveys,
        tickets=_tickets_by_id(session, tenant, ticket_ids),
        conversations=conversations,
    )


def _feedback(
    session: Session, tenant: str, since: datetime, until: datetime
) -> tuple[list[RatingFact], list[SurveyFact]]:
    rating_query = (
        select(AnswerRating)
        .where(
            AnswerRating.tenant == tenant,
            AnswerRating.created_at >= since,
            AnswerRating.created_at < until,
        )
        .order_by(AnswerRating.created_at, AnswerRating.id)
    )
    survey_query = (
        select(ConversationSurvey)
        .where(
            ConversationSurvey.tenant == tenant,
            ConversationSurvey.created_at >= since,
            ConversationSurvey.created_at < until,
        )
        .order_by(ConversationSurvey.created_at, ConversationSurvey.id)
    )
    ratings = [
        RatingFact(row.conversation_id, row.rating, row.reason, row.intent, row.created_at)
        for row in session.scalars(rating_query)
    ]
    surveys = [
        SurveyFact(row.conversation_id, row.csat, row.nps, row.comment, row.intent, row.created_at)
        for row in session.scalars(survey_query)
    ]
    return ratings, surveys


def _conversation_turns(
    session: Session, tenant: str, conversation_ids: Iterable[str]
) -> dict[str, list[TurnRecord]]:
    conversations: dict[str, list[TurnRecord]] = defaultdict(list)
    for batch in _batches(sorted(conversation_ids)):
        query = (
            select(ConversationTurn)
            .where(ConversationTurn.tenant == tenant, ConversationTurn.conversation_id.in_(batch))
            .order_by(ConversationTurn.created_at, ConversationTurn.id)
        )
        for row in session.scalars(query):
            conversations[row.conversation_id].append(to_turn_record(row))
    return dict(conversations)


def _tickets_by_id(
    session: Session, tenant: str, ticket_ids: Iterable[str]
) -> dict[str, TicketFact]:
    numbers = sorted({parse_ticket_id(ticket_id) for ticket_id in ticket_ids})
    tickets: dict[str, TicketFact] = {}
    for batch in _batches(numbers):
        query = select(Ticket).where(Ticket.tenant == tenant, Ticket.number.in_(batch))
        for row in session.scalars(query):
            fact = _ticket_fact(row)
            tickets[fact.id] = fact
    return tickets


def _tickets_without_turn(
    session: Session, tenant: str, since: datetime, until: datetime
) -> list[TicketFact]:
    # Turns store the public id (T-000123) but ticket numbers are integers, so compare in Python.
    query = (
        select(Ticket)
        .where(Ticket.tenant == tenant, Ticket.created_at >= since, Ticket.created_at < until)
        .order_by(Ticket.created_at, Ticket.id)
    )
    rows = list(session.scalars(query))
    opened_in_turns: set[str | None] = set()
    for batch in _batches([format_ticket_id(row.number) for row in rows]):
        named = select(ConversationTurn.ticket_id).where(
            ConversationTurn.tenant == tenant, ConversationTurn.ticket_id.in_(batch)
        )
        opened_in_turns.update(session.scalars(named))
    return [
        _ticket_fact(row) for row in rows if format_ticket_id(row.number) not in opened_in_turns
    ]


def _ticket_fact(row: Ticket) -> TicketFact:
    return TicketFact(
        id=format_ticket_id(row.number),
        created_at=row.created_at,
        intent=row.intent.value,
        module=row.module,
        team=row.team,
        subject=row.subject,
        description=row.description,
        channel=row.channel.value,
        language=row.language.value,
    )


def _batches(values: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for start in range(0, len(values), SQL_IN_BATCH):
        yield values[start : start + SQL_IN_BATCH]
