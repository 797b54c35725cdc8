"""Tool `escalate_ticket`: raise a ticket to a higher support tier.

`retriage_ticket` is the one place that moves a ticket to another tier, priority, intent or
module. The tool and the assistant's escalation of a conversation's open ticket both use it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import JsonValue

from assistant.domain import Intent, Priority, Tier
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


@dataclass(frozen=True)
class Triage:
    """Tier and priority that a ticket needs, and the intent and module it is about."""

    tier: Tier
    priority: Priority
    intent: Intent
    module: str
    """Product module, one of `assistant.domain.MODULES`."""

    @classmethod
    def of(cls, ticket: TicketRecord) -> Triage:
        """Return a ticket's current triage."""
        return cls(ticket.tier, ticket.priority, ticket.intent, ticket.module)


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
    target = Triage(to_tier, priority or ticket.priority, ticket.intent, ticket.module)
    return retriage_ticket(
        store,
        ticket,
        target,
        reason,
        roster,
        now,
        settings=settings,
        actor=actor,
        reason_code=reason_code,
        reason_params=reason_params,
    )


def retriage_ticket(
    store: TicketStore,
    ticket: TicketRecord,
    target: Triage,
    reason: str,
    roster: Roster | None = None,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    actor: str = ASSISTANT_ACTOR,
    reason_code: ReasonCode | None = None,
    reason_params: Mapping[str, JsonValue] | None = None,
) -> TicketRecord:
    """Move a ticket to the target's tier, priority, intent and module in one transaction.

    A higher tier is an escalation: the status becomes `escalated` and an `escalated` event
    records `reason`. A new priority within the tier is a `priority_changed` event with the
    reason, and the status stays. Either way the tier's due time restarts from `now`. The store
    logs a new intent or module as `intent_changed` or `module_changed`. A new tier, intent or
    module also routes the ticket again, since they decide its team, while a priority change
    alone keeps its team and agent.

    The caller checks that the move is allowed: `escalate_ticket` lets an agent only raise the
    tier of an open ticket.

    Args:
        store: Ticket database.
        ticket: The ticket as last read; its tenant names it in the store.
        target: Tier, priority, intent and module the ticket moves to.
        reason: Why, in one or two sentences, for the `escalated` or `priority_changed` event.
        roster: Support roster that routes the ticket. Without one it waits unassigned.
        now: Time of the change; defaults to the current time.
        settings: Source of the SLA targets and working hours; defaults to `get_settings()`.
        actor: Who makes the change, for the event log.
        reason_code: Code of a server-written `reason`, so pages can translate it with
            `reason_params`, or None for a reason typed by a person.
        reason_params: Values that the code's message interpolates.

    Returns:
        The saved ticket.
    """
    settings = settings or get_settings()
    changed_at = resolve_now(now)
    tier_raised = target.tier is not ticket.tier
    level_changed = tier_raised or target.priority is not ticket.priority
    fields: dict[str, Any] = {}
    if target.intent is not ticket.intent:
        fields["intent"] = target.intent
    if target.module != ticket.module:
        fields["module"] = target.module
    if tier_raised:
        fields |= {"tier": target.tier, "status": TicketStatus.ESCALATED}

    events: list[TicketEventDraft] = []
    if level_changed:
        fields["priority"] = target.priority
        reason_fields: dict[str, JsonValue] = {"reason": reason.strip()}
        if reason_code is not None:
            reason_fields = reason_data(reason.strip(), reason_code, reason_params or {})
        events.append(_level_event(ticket, target, reason_fields, actor))
        due = compute_due_times(
            target.tier, changed_at, settings, priority=target.priority, intent=target.intent
        )
        fields |= due.model_dump(exclude_none=True)
    if fields.keys() & {"tier", "intent", "module"}:
        assignment = _reassign(store, ticket, target, roster, changed_at)
        fields |= {"team": assignment.team, "assignee": assignment.assignee}
        events.append(assignment.to_event(actor))

    updated = store.update(
        ticket.id,
        TicketUpdate(**fields),
        tenant=ticket.tenant,
        events=events,
        actor=actor,
        now=changed_at,
    )
    logger.info(
        "ticket %s retriaged: tier %s->%s priority %s->%s intent %s->%s module %s->%s",
        ticket.id,
        ticket.tier,
        updated.tier,
        ticket.priority,
        updated.priority,
        ticket.intent,
        updated.intent,
        ticket.module,
        updated.module,
    )
    return updated


def _level_event(
    ticket: TicketRecord, target: Triage, reason_fields: dict[str, JsonValue], actor: str
) -> TicketEventDraft:
    """Return the `escalated` event of a higher tier, else the `priority_changed` event."""
    if target.tier is not ticket.tier:
        escalated: dict[str, JsonValue] = {
            "from_tier": ticket.tier.value,
            "to_tier": target.tier.value,
            "reason": reason_fields["reason"],
            "priority": target.priority.value,
        }
        return TicketEventDraft(
            kind=EventKind.ESCALATED, actor=actor, data=escalated | reason_fields
        )
    changed: dict[str, JsonValue] = {"from": ticket.priority.value, "to": target.priority.value}
    return TicketEventDraft(
        kind=EventKind.PRIORITY_CHANGED, actor=actor, data=changed | reason_fields
    )


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
    target: Triage,
    roster: Roster | None,
    now: datetime,
) -> Assignment:
    if roster is None:
        return Assignment(
            team=None,
            assignee=None,
            reason=f"no roster was given, so the ticket waits unassigned for {target.tier.value}",
            reason_code=ReasonCode.NO_ROSTER,
            reason_params={"tier": target.tier.value},
        )
    needs = TicketNeeds(
        tier=target.tier, module=target.module, language=ticket.language, intent=target.intent
    )
    open_load = store.count_open_by_assignee(exclude=ticket)
    return choose_assignment(roster, needs, open_load=open_load, now=now)
