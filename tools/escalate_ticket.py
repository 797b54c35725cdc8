"""Tool `escalate_ticket`: raise a ticket to a higher support tier."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from pydantic import JsonValue

from assistant.domain import Priority, Tier
from assistant.errors import ToolFailure
from assistant.settings import Settings, get_settings
from assistant.tickets.assignment import Assignment, TicketNeeds, choose_assignment
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import (
    ASSISTANT_ACTOR,
    EventKind,
    ReasonCode,
    TicketEventDraft,
    TicketRecord,
    TicketStatus,
    TicketUpdate,
    reason_data,
)
from assistant.tickets.sla import compute_due_times
from assistant.tickets.store import TicketStore
from tools._ticket_checks import get_active_ticket, resolve_now

logger = logging.getLogger(__name__)

TIER_ORDER: tuple[Tier, ...] = (Tier.L1, Tier.L2, Tier.L3)


def escalate_ticket(
    store: TicketStore,
    ticket_id: str,
    to_tier: Tier,
    reason: str,
    priority: Priority | None = None,
    roster: Roster | None = None,
    now: datetime | None = None,
    *,
    tenant: str,
    settings: Settings | None = None,
    actor: str = ASSISTANT_ACTOR,
    reason_code: ReasonCode | None = None,
    reason_params: Mapping[str, JsonValue] | None = None,
) -> TicketRecord:
    """Escalate an open ticket to a higher tier: L2 specialists or L3 engineering.

    Use it when the current tier cannot solve the problem: L1 to L2 when a specialist must
    diagnose it, L2 or L1 to L3 when it needs a code fix or is a security incident. The
    ticket gets the new tier's due time, a new team and agent, and the status `escalated`.
    A tier can only go up; to lower one, leave the ticket as it is.

    Args:
        store: Ticket database (supplied by the runtime).
        ticket_id: Public id of the ticket, such as T-000123.
        to_tier: Tier to move the ticket to; it must be higher than the current tier.
        reason: Why the current tier cannot solve it, in one or two sentences.
        priority: New priority, or None to keep the current one. Use `urgent` for outages
            and data loss.
        roster: Support roster (supplied by the runtime). With a roster the ticket is
            reassigned to a team and agent of the new tier. Without one it waits unassigned.
        now: Time of the escalation (supplied by the runtime); defaults to the current time.
        tenant: Tenant of the conversation (supplied by the runtime). Ticket ids are numbered
            per tenant, so the id names a ticket of this tenant.
        settings: Source of the SLA targets and working hours; defaults to `get_settings()`.
        actor: Who escalates, for the event log.
        reason_code: Code of a server-written `reason`, so pages can translate it with
            `reason_params`, or None for a reason typed by a person.
        reason_params: Values that the code's message interpolates.

    Returns:
        The saved ticket with its new tier, due time and assignee.

    Raises:
        ToolFailure: the ticket is unknown, resolved or closed, the reason is empty, or
            `to_tier` is not higher than the current tier.
    """
    ticket = get_active_ticket(store, ticket_id, tenant=tenant, action="escalate")
    _check_escalation(ticket, to_tier, reason)
    settings = settings or get_settings()
    escalated_at = resolve_now(now)
    new_priority = priority or ticket.priority

    due = compute_due_times(to_tier, escalated_at, settings, priority=new_priority)
    assignment = _reassign(store, ticket, to_tier, roster, escalated_at)
    changes = TicketUpdate(
        tier=to_tier,
        priority=new_priority,
        status=TicketStatus.ESCALATED,
        team=assignment.team,
        assignee=assignment.assignee,
        **due.model_dump(exclude_none=True),
    )
    escalated_data: dict[str, JsonValue] = {
        "from_tier": ticket.tier.value,
        "to_tier": to_tier.value,
        "reason": reason.strip(),
        "priority": new_priority.value,
    }
    if reason_code is not None:
        escalated_data |= reason_data(reason.strip(), reason_code, reason_params or {})
    escalated = TicketEventDraft(kind=EventKind.ESCALATED, actor=actor, data=escalated_data)

    updated = store.update(
        ticket.id,
        changes,
        tenant=tenant,
        events=[escalated, assignment.to_event(actor)],
        actor=actor,
        now=escalated_at,
    )
    logger.info("ticket %s escalated from %s to %s", ticket.id, ticket.tier, to_tier)
    return updated


def _check_escalation(ticket: TicketRecord, to_tier: Tier, reason: str) -> None:
    if TIER_ORDER.index(to_tier) <= TIER_ORDER.index(ticket.tier):
        higher = [tier.value for tier in TIER_ORDER[TIER_ORDER.index(ticket.tier) + 1 :]]
        options = f"pick {' or '.join(higher)}" if higher else "it is already at the top tier"
        raise ToolFailure(
            f"cannot escalate ticket {ticket.id} from {ticket.tier.value} to {to_tier.value}: "
            f"escalation only raises the tier, so {options}"
        )
    if not reason.strip():
        raise ToolFailure(
            f"cannot escalate ticket {ticket.id} without a reason; say in one or two "
            "sentences why the current tier cannot solve it"
        )


def _reassign(
    store: TicketStore,
    ticket: TicketRecord,
    to_tier: Tier,
    roster: Roster | None,
    now: datetime,
) -> Assignment:
    if roster is None:
        return Assignment(
            team=None,
            assignee=None,
            reason=f"no roster was given, so the ticket waits unassigned for {to_tier.value}",
            reason_code=ReasonCode.NO_ROSTER,
            reason_params={"tier": to_tier.value},
        )
    needs = TicketNeeds.of(ticket, tier=to_tier)
    open_load = store.count_open_by_assignee(exclude=ticket)
    return choose_assignment(roster, needs, open_load=open_load, now=now)
