"""Tool `assign_ticket`: give a ticket to a named agent or to the best available one."""

from __future__ import annotations

import logging
from datetime import datetime

from assistant.errors import ToolFailure
from assistant.tickets.assignment import Assignment, TicketNeeds, choose_assignment, missing_skills
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import ASSISTANT_ACTOR, ReasonCode, TicketRecord
from assistant.tickets.store import TicketStore
from tools._ticket_checks import get_active_ticket, resolve_now

logger = logging.getLogger(__name__)


def assign_ticket(
    store: TicketStore,
    ticket_id: str,
    roster: Roster,
    agent_id: str | None = None,
    now: datetime | None = None,
    *,
    tenant: str,
    actor: str = ASSISTANT_ACTOR,
) -> TicketRecord:
    """Assign an open ticket to a support agent.

    Leave `agent_id` empty to let the roster pick: a member of the team that serves the
    ticket's tier and module, who speaks the ticket's language, has free capacity, and
    preferably is on shift now. Name an agent only when the user or a supervisor asked for
    that person. When nobody qualifies, the ticket waits in the team's queue without an
    assignee, and the returned ticket's last event gives the reason.

    Args:
        store: Ticket database (supplied by the runtime).
        ticket_id: Public id of the ticket, such as T-000123.
        roster: Support roster (supplied by the runtime).
        agent_id: Roster id of the agent to assign, or None to pick automatically.
        now: Time of the assignment (supplied by the runtime); defaults to the current time.
        tenant: Tenant of the conversation (supplied by the runtime). Ticket ids are numbered
            per tenant, so the id names a ticket of this tenant.
        actor: Who assigns, for the event log.

    Returns:
        The saved ticket with its team and assignee.

    Raises:
        ToolFailure: the ticket is unknown, resolved or closed, or the named agent is not in
            the roster or already has as many open tickets as their capacity allows.
    """
    ticket = get_active_ticket(store, ticket_id, tenant=tenant, action="assign")
    assigned_at = resolve_now(now)
    open_load = store.count_open_by_assignee(exclude=ticket)
    if agent_id is None:
        needs = TicketNeeds.of(ticket)
        assignment = choose_assignment(roster, needs, open_load=open_load, now=assigned_at)
    else:
        assignment = _assign_named_agent(ticket, roster, agent_id, open_load)

    updated = store.update(
        ticket.id,
        assignment.to_update(),
        tenant=tenant,
        events=[assignment.to_event(actor)],
        actor=actor,
        now=assigned_at,
    )
    logger.info("ticket %s assigned to team=%s agent=%s", ticket.id, updated.team, updated.assignee)
    return updated


def _assign_named_agent(
    ticket: TicketRecord, roster: Roster, agent_id: str, open_load: dict[str, int]
) -> Assignment:
    agent = roster.agent(agent_id)
    if agent is None:
        known = ", ".join(member.id for member in roster.agents)
        raise ToolFailure(
            f"agent {agent_id!r} is not in the roster; use one of: {known}, "
            "or leave agent_id empty to pick automatically"
        )
    load = open_load.get(agent.id, 0)
    if load >= agent.capacity:
        raise ToolFailure(
            f"agent {agent.id} already has {load} open tickets, the capacity is "
            f"{agent.capacity}; pick another agent or leave agent_id empty"
        )

    gaps = missing_skills(agent, TicketNeeds.of(ticket))
    reason = f"assigned to {agent.id} by request"
    if not gaps:
        return Assignment(
            team=agent.team,
            assignee=agent.id,
            reason=reason,
            reason_code=ReasonCode.AGENT_REQUESTED,
            reason_params={"agent": agent.id},
        )
    lacking = ", ".join(f"{skill} {value}" for skill, value in gaps.items())
    return Assignment(
        team=agent.team,
        assignee=agent.id,
        reason=f"{reason}; the agent's skills lack {lacking}",
        reason_code=ReasonCode.AGENT_REQUESTED_LACKING_SKILLS,
        reason_params={"agent": agent.id, "missing_skills": dict(gaps)},
    )
