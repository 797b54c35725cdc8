"""Tool `open_ticket`: save a support ticket with its SLA due times and route it."""

from __future__ import annotations

import logging
from datetime import datetime

from assistant.settings import Settings, get_settings
from assistant.tickets.assignment import TicketNeeds, choose_assignment
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import ASSISTANT_ACTOR, TicketDraft, TicketRecord, TicketUpdate
from assistant.tickets.sla import compute_due_times
from assistant.tickets.store import TicketStore
from tools._ticket_checks import resolve_now

logger = logging.getLogger(__name__)


def open_ticket(
    store: TicketStore,
    draft: TicketDraft,
    roster: Roster | None = None,
    now: datetime | None = None,
    *,
    settings: Settings | None = None,
    actor: str = ASSISTANT_ACTOR,
) -> TicketRecord:
    """Open a support ticket so that a human team follows up on the user's problem.

    Use it when you cannot solve the problem yourself: a suspected bug, an outage, a
    billing or account change, or when the user asks for a human. Fill the draft with the
    user's own words, the steps to reproduce, what they expected and what happened. The
    ticket is saved before this returns, so you may tell the user its id and when to expect
    a reply (the due time of its tier).

    Args:
        store: Ticket database (supplied by the runtime).
        draft: Subject, description, intent, module, priority, tier, language and details.
        roster: Support roster (supplied by the runtime); when given, the ticket is assigned
            to the best matching team and agent, otherwise it stays unassigned.
        now: Creation time (supplied by the runtime); defaults to the current time.
        settings: Source of the SLA targets and working hours; defaults to `get_settings()`.
        actor: Who opens the ticket, for the event log.

    Returns:
        The saved ticket with its public id (such as T-000123), due times and assignee.
    """
    settings = settings or get_settings()
    opened_at = resolve_now(now)
    due = compute_due_times(
        draft.tier, opened_at, settings, priority=draft.priority, intent=draft.intent
    )
    fields = due.model_dump(exclude_none=True)

    events = []
    if roster is not None:
        needs = TicketNeeds.of(draft)
        assignment = choose_assignment(
            roster, needs, open_load=store.count_open_by_assignee(), now=opened_at
        )
        fields |= {"team": assignment.team, "assignee": assignment.assignee}
        events.append(assignment.to_event(actor))

    ticket = store.create(
        draft, fields=TicketUpdate(**fields), events=events, actor=actor, now=opened_at
    )
    if roster is not None:
        logger.info("ticket %s routed to team=%s agent=%s", ticket.id, ticket.team, ticket.assignee)
    return ticket
