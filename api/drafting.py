"""The current draft reply of a ticket and the agent's decision on it, for the HTTP API.

A stored draft is current while the ticket keeps the `updated_at` and the event count the draft
was written from, and the KB is the same. Otherwise the next read writes a new draft. A decision
on a draft is recorded once. An accepted or edited draft is then sent to the requester as an
agent reply, added to the ticket's transcript and event log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import assert_never

from api.resources import Resources
from assistant.drafts import Decision, DraftDecision, DraftRecord, levenshtein
from assistant.errors import ConflictError
from assistant.tickets import FINISHED_STATUSES, TicketRecord
from graphs.support.drafts import write_draft

logger = logging.getLogger(__name__)


class TicketNotOpenError(ConflictError):
    """Raised when a draft is requested or decided for a resolved or closed ticket."""

    def __init__(self, ticket: TicketRecord) -> None:
        super().__init__(
            f"ticket {ticket.id!r} is {ticket.status.value}. Drafts and replies are only for "
            "open tickets, so reopen it first",
            code="ticket_not_open",
            ticket_id=ticket.id,
            status=ticket.status.value,
        )


class DraftOutdatedError(ConflictError):
    """Raised when a decision names no draft and the ticket changed since its latest draft."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"ticket {ticket_id!r} changed since its last draft. GET its draft again, "
            "or pass draft_id",
            code="draft_outdated",
            ticket_id=ticket_id,
        )


@dataclass(frozen=True)
class CurrentDraft:
    """The draft to show for a ticket, the ticket it was checked against, and whether it is new."""

    draft: DraftRecord
    ticket: TicketRecord
    regenerated: bool
    """Whether this call wrote the draft, because there was none or the ticket had changed."""


@dataclass(frozen=True)
class DecisionRequest:
    """An agent's decision on a draft, as the API received it."""

    decision: DraftDecision
    text: str | None = None
    """The agent's text, for an edit."""
    reason: str | None = None
    """Reason for rejecting (required) or editing (optional) the draft."""
    draft_id: int | None = None
    """The draft decided on. None means the ticket's latest draft, which must be current."""


def is_current(draft: DraftRecord, ticket: TicketRecord, kb: str) -> bool:
    """Check whether a draft was written from the ticket as it is now, and from the KB `kb`."""
    return (
        draft.kb == kb
        and draft.ticket_updated_at == ticket.updated_at
        and draft.ticket_event_count == len(ticket.events)
    )


def current_draft(resources: Resources, tenant: str, ticket_id: str, kb: str) -> CurrentDraft:
    """Return the ticket's current draft, writing a new one when the ticket changed.

    Raises:
        InvalidTicketIdError: the id does not have the form `T-000123`.
        TicketNotFoundError: the tenant has no such ticket.
        TicketNotOpenError: the ticket is resolved or closed.
        TenantKbNotFoundError: the tenant has no KB `kb`.
    """
    ticket = _open_ticket(resources, tenant, ticket_id)
    latest = resources.drafts.latest(tenant, ticket.id)
    if latest is not None and is_current(latest, ticket, kb):
        return CurrentDraft(latest, ticket, regenerated=False)

    agent = resources.agents.get(tenant, kb)
    with resources.agents.kb_lock(tenant, kb):
        written = write_draft(
            ticket,
            agent.context.kb,
            agent.context.llm,
            resources.settings.answer_min_confidence,
        )
    draft = resources.drafts.add(ticket, kb, written.content)
    return CurrentDraft(draft, ticket, regenerated=True)


def decide_draft(
    resources: Resources, tenant: str, ticket_id: str, request: DecisionRequest, actor: str
) -> tuple[DraftRecord, TicketRecord]:
    """Record a decision on a draft and send the accepted or edited text to the requester.

    Returns:
        The decided draft and the ticket, with the reply in its transcript when one was sent.

    Raises:
        TicketNotFoundError: the tenant has no such ticket.
        TicketNotOpenError: the ticket is resolved or closed.
        DraftNotFoundError: `draft_id` is not a draft of this ticket.
        DraftOutdatedError: no `draft_id`, and the latest draft is not current.
        DraftAlreadyDecidedError: the draft was decided before.
    """
    ticket = _open_ticket(resources, tenant, ticket_id)
    if request.draft_id is not None:
        draft = resources.drafts.get(tenant, ticket.id, request.draft_id)
    else:
        latest = resources.drafts.latest(tenant, ticket.id)
        if latest is None or not is_current(latest, ticket, latest.kb):
            raise DraftOutdatedError(ticket.id)
        draft = latest

    sent_text = _sent_text(draft, request)
    decision = Decision(
        decision=request.decision,
        actor=actor,
        sent_text=sent_text,
        reason=request.reason,
        edit_distance=None if sent_text is None else levenshtein(draft.text, sent_text),
    )
    decided = resources.drafts.decide(draft, decision, ticket)
    if sent_text is None:
        return decided, ticket

    sent = False
    try:
        ticket = resources.tickets.add_agent_reply(
            ticket.id,
            sent_text,
            tenant=tenant,
            actor=actor,
            data={"draft_id": draft.id, "decision": request.decision.value},
        )
        sent = True
    finally:
        if not sent:
            # The reply was not saved, so the draft must not count as sent.
            resources.drafts.withdraw_decision(draft.id)
    return decided, ticket


def _sent_text(draft: DraftRecord, request: DecisionRequest) -> str | None:
    match request.decision:
        case DraftDecision.ACCEPT:
            return draft.text
        case DraftDecision.EDIT:
            return request.text
        case DraftDecision.REJECT:
            return None
        case _:
            assert_never(request.decision)


def _open_ticket(resources: Resources, tenant: str, ticket_id: str) -> TicketRecord:
    ticket = resources.tickets.get(ticket_id, tenant=tenant)
    if ticket.status in FINISHED_STATUSES:
        raise TicketNotOpenError(ticket)
    return ticket
