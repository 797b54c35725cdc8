"""Tickets of the caller's tenant: agents work them, ops and admins read them.

A ticket of another tenant returns 404, exactly like a ticket that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, status

from api.deps import LanguageDep, ResourcesDep, TicketReaderDep, TicketWriterDep
from api.schemas import (
    TicketAssignment,
    TicketCommentCreate,
    TicketEscalation,
    TicketPublic,
    TicketsPublic,
    TicketStatusUpdate,
)
from assistant.domain import Language, Tier
from assistant.keys import KeyRecord
from assistant.onboarding.catalog import UnknownChoiceError
from assistant.tickets import (
    EventKind,
    TicketRecord,
    TicketStatus,
    TicketUpdate,
    current_due_at,
    is_breached,
    target_met_at,
)
from assistant.tickets.store import DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT
from graphs.support.policy import ticket_reason_label
from tools.assign_ticket import assign_ticket
from tools.escalate_ticket import escalate_ticket

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


def ticket_public(ticket: TicketRecord, now: datetime, language: Language) -> TicketPublic:
    """Return a ticket in its public shape, with its SLA due time and state at `now`, and the
    label of its reason code in `language`."""
    return TicketPublic.model_validate(
        ticket.model_dump()
        | {
            "reason": ticket_reason_label(ticket.reason_code, language),
            "sla_due_at": current_due_at(ticket),
            "sla_breached": is_breached(ticket, now),
            "sla_met_at": target_met_at(ticket),
        }
    )


def _actor(key: KeyRecord) -> str:
    return key.name


@router.get("", response_model=TicketsPublic)
def list_tickets(
    *,
    key: TicketReaderDep,
    resources: ResourcesDep,
    language: LanguageDep,
    status_: Annotated[TicketStatus | None, Query(alias="status")] = None,
    tier: Tier | None = None,
    team: str | None = None,
    assignee: str | None = None,
    sla_breached: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = DEFAULT_LIST_LIMIT,
) -> TicketsPublic:
    """List the tenant's tickets that match every filter given, newest first.

    `sla_breached` filters the tickets returned by the other filters, so fewer than `limit`
    tickets may come back even when more breached tickets exist.
    """
    records = resources.tickets.list(
        status=status_, tier=tier, team=team, assignee=assignee, limit=limit, tenant=key.tenant
    )
    now = datetime.now(UTC)
    tickets = [ticket_public(record, now, language) for record in records]
    if sla_breached is not None:
        tickets = [ticket for ticket in tickets if ticket.sla_breached is sla_breached]
    return TicketsPublic(tickets=tickets, count=len(tickets), timezone=resources.settings.timezone)


@router.get("/{ticket_id}", response_model=TicketPublic)
def get_ticket(
    *, ticket_id: str, key: TicketReaderDep, resources: ResourcesDep, language: LanguageDep
) -> TicketPublic:
    """Return one ticket with its event log."""
    ticket = resources.tickets.get(ticket_id, tenant=key.tenant)
    return ticket_public(ticket, datetime.now(UTC), language)


@router.patch("/{ticket_id}", response_model=TicketPublic)
def update_ticket_status(
    *,
    ticket_id: str,
    body: TicketStatusUpdate,
    key: TicketWriterDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> TicketPublic:
    """Change a ticket's status; the change is logged as a `status_changed` event."""
    ticket = resources.tickets.get(ticket_id, tenant=key.tenant)
    updated = resources.tickets.update(
        ticket.id, TicketUpdate(status=body.status), tenant=key.tenant, actor=_actor(key)
    )
    return ticket_public(updated, datetime.now(UTC), language)


@router.post(
    "/{ticket_id}/comments", response_model=TicketPublic, status_code=status.HTTP_201_CREATED
)
def add_ticket_comment(
    *,
    ticket_id: str,
    body: TicketCommentCreate,
    key: TicketWriterDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> TicketPublic:
    """Add a support agent's comment to a ticket's log."""
    ticket = resources.tickets.get(ticket_id, tenant=key.tenant)
    updated = resources.tickets.add_event(
        ticket.id,
        EventKind.COMMENTED,
        tenant=key.tenant,
        actor=_actor(key),
        data={"text": body.text},
    )
    return ticket_public(updated, datetime.now(UTC), language)


@router.post("/{ticket_id}/escalate", response_model=TicketPublic)
def escalate(
    *,
    ticket_id: str,
    body: TicketEscalation,
    key: TicketWriterDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> TicketPublic:
    """Escalate a ticket to a higher tier; it gets the new tier's SLA due time and team.

    A resolved or closed ticket, or a tier that is not higher, returns 409.
    """
    ticket = resources.tickets.get(ticket_id, tenant=key.tenant)
    updated = escalate_ticket(
        resources.tickets,
        ticket.id,
        body.to_tier,
        body.reason,
        body.priority,
        resources.roster,
        tenant=key.tenant,
        settings=resources.settings,
        actor=_actor(key),
    )
    return ticket_public(updated, datetime.now(UTC), language)


@router.post("/{ticket_id}/assign", response_model=TicketPublic)
def assign(
    *,
    ticket_id: str,
    body: Annotated[TicketAssignment | None, Body()] = None,
    key: TicketWriterDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> TicketPublic:
    """Assign a ticket to a roster agent, or to the best available one without `agent_id`.

    A missing body or a blank `agent_id` picks automatically. An agent id that is not in the
    roster returns 422 listing the roster's ids; an agent at capacity, or a resolved or closed
    ticket, returns 409.
    """
    ticket = resources.tickets.get(ticket_id, tenant=key.tenant)
    agent_id = body.agent_id if body is not None else None
    if agent_id is not None and resources.roster.agent(agent_id) is None:
        roster_ids = [agent.id for agent in resources.roster.agents]
        raise UnknownChoiceError("agent", agent_id, roster_ids)
    updated = assign_ticket(
        resources.tickets,
        ticket.id,
        resources.roster,
        agent_id,
        tenant=key.tenant,
        actor=_actor(key),
    )
    return ticket_public(updated, datetime.now(UTC), language)
