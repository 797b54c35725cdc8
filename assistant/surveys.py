"""Whether the end-of-conversation survey (CSAT and NPS) of a conversation is due.

The turn log links a conversation to its tickets: each turn records the ticket it opened,
escalated, handed off or added details to. A conversation with tickets is finished when all
of them are resolved or closed, so its survey waits while one is still open. A conversation
without tickets is finished when the client says it ended, or when no message came for the
idle time. A conversation gets at most one survey, so an answered one is never due again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from assistant.feedback import FeedbackStore
from assistant.tickets import FINISHED_STATUSES, TicketNotFoundError, TicketRecord, TicketStore
from assistant.turns import MAX_LIST_LIMIT, TurnRecord, TurnStore

logger = logging.getLogger(__name__)


class SurveyReason(StrEnum):
    """Reason a conversation counts as finished, which makes its survey due."""

    TICKET_CLOSED = "ticket_closed"
    """Every ticket of the conversation is resolved or closed."""
    CONVERSATION_ENDED = "conversation_ended"
    """The conversation has no tickets, and the client ended it or it was idle long enough."""


class SurveyStatus(BaseModel):
    """Survey state of one conversation: whether the widget should show the survey now."""

    due: bool
    """True when the conversation is finished and has no survey yet."""
    reason: SurveyReason | None
    """Reason the conversation counts as finished, also after its survey was answered, or
    null while it goes on or waits for an open ticket."""
    answered: bool
    """True when the conversation already has its survey."""
    ticket_id: str | None
    """The conversation's newest open ticket, else its newest ticket, or null without any."""


class SurveyStatusReader:
    """Reads the survey status of conversations from the feedback, ticket and turn stores."""

    def __init__(
        self, feedback: FeedbackStore, tickets: TicketStore, turns: TurnStore, *, idle: timedelta
    ) -> None:
        """Read from these stores.

        `idle` is the time without messages that ends a conversation without tickets. A zero
        `idle` turns that rule off.
        """
        self._feedback = feedback
        self._tickets = tickets
        self._turns = turns
        self._idle = idle

    def status(
        self,
        tenant: str,
        conversation_id: str,
        *,
        ended: bool = False,
        now: datetime | None = None,
    ) -> SurveyStatus:
        """Return whether the survey of the tenant's conversation is due at `now` (aware).

        `ended` is the client's word that the user left the conversation. It makes a
        conversation without tickets finished, but never one with an open ticket.
        The caller checks that the conversation exists.
        """
        now = now or datetime.now(UTC)
        turns = self._turns.list_turns(
            tenant, conversation_id=conversation_id, limit=MAX_LIST_LIMIT
        )
        tickets = self._tickets_of(tenant, turns)
        open_tickets = [ticket for ticket in tickets if ticket.status not in FINISHED_STATUSES]
        newest = open_tickets or tickets
        ticket_id = newest[-1].id if newest else None

        reason: SurveyReason | None = None
        if tickets and not open_tickets:
            reason = SurveyReason.TICKET_CLOSED
        elif not tickets and (ended or self._is_idle(turns, now)):
            reason = SurveyReason.CONVERSATION_ENDED

        answered = self._feedback.has_survey(tenant, conversation_id)
        return SurveyStatus(
            due=reason is not None and not answered,
            reason=reason,
            answered=answered,
            ticket_id=ticket_id,
        )

    def _tickets_of(self, tenant: str, turns: Sequence[TurnRecord]) -> list[TicketRecord]:
        """Return the tickets that the turns (newest first) name, oldest first."""
        ticket_ids = dict.fromkeys(turn.ticket_id for turn in reversed(turns) if turn.ticket_id)
        tickets: list[TicketRecord] = []
        for ticket_id in ticket_ids:
            try:
                tickets.append(self._tickets.get(ticket_id, tenant=tenant))
            except TicketNotFoundError:
                # The agent logs a turn only after its ticket is committed. So a missing
                # ticket was deleted from the database by hand, and the others decide.
                logger.warning(
                    "survey status: tenant=%s ticket=%s of a turn is missing", tenant, ticket_id
                )
        return tickets

    def _is_idle(self, turns: Sequence[TurnRecord], now: datetime) -> bool:
        if not turns or self._idle <= timedelta(0):
            return False
        return now - turns[0].created_at >= self._idle
