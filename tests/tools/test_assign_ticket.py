"""Tool assign_ticket: automatic and named assignment, capacity and errors."""

from __future__ import annotations

import pytest

from assistant.domain import Tier
from assistant.errors import ToolFailure
from assistant.settings import Settings
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import EventKind, TicketRecord, TicketStatus, TicketUpdate
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_draft, shanghai
from tools.assign_ticket import assign_ticket
from tools.open_ticket import open_ticket

MONDAY_MORNING = shanghai(3, 10)


def open_l2(store: TicketStore, settings: Settings, roster: Roster | None = None) -> TicketRecord:
    return open_ticket(
        store, make_draft(tier=Tier.L2), roster, now=MONDAY_MORNING, settings=settings
    )


def test_assign_ticket_picks_agent_automatically(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_l2(store, settings)

    assigned = assign_ticket(store, ticket.id, roster, now=MONDAY_MORNING, tenant="default")

    assert assigned.team == "l2-product"
    assert assigned.assignee == "l2-amy"
    assert assigned.events[-1].kind is EventKind.ASSIGNED
    assert assigned.events[-1].data["assignee"] == "l2-amy"


def test_assign_ticket_to_named_agent(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_l2(store, settings)

    assigned = assign_ticket(
        store, ticket.id, roster, "l2-bo", now=MONDAY_MORNING, tenant="default"
    )

    assert assigned.assignee == "l2-bo"
    assert assigned.team == "l2-product"
    assert assigned.events[-1].data["reason"] == "assigned to l2-bo by request"
    assert assigned.events[-1].data["reason_code"] == "agent_requested"
    assert assigned.events[-1].data["reason_params"] == {"agent": "l2-bo"}


def test_assign_named_agent_notes_missing_skills(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_l2(store, settings)

    assigned = assign_ticket(
        store, ticket.id, roster, "l3-kai", now=MONDAY_MORNING, tenant="default"
    )

    assert assigned.assignee == "l3-kai"
    assert assigned.team == "l3-eng"
    assert "skills lack tier L2" in str(assigned.events[-1].data["reason"])
    assert assigned.events[-1].data["reason_code"] == "agent_requested_lacking_skills"
    assert assigned.events[-1].data["reason_params"] == {
        "agent": "l3-kai",
        "missing_skills": {"tier": "L2"},
    }


def test_assign_unknown_agent_lists_roster(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_l2(store, settings)

    with pytest.raises(ToolFailure, match="'nobody' is not in the roster; use one of: l1-lin"):
        assign_ticket(store, ticket.id, roster, "nobody", tenant="default")


def test_assign_named_agent_at_capacity_fails(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    first = open_l2(store, settings, roster)
    second = open_l2(store, settings)
    assert first.assignee == "l2-amy"

    with pytest.raises(ToolFailure, match="l2-amy already has 1 open tickets, the capacity is 1"):
        assign_ticket(store, second.id, roster, "l2-amy", tenant="default")

    assert store.get(second.id, tenant="default").assignee is None


def test_reassign_does_not_count_ticket_against_its_assignee(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_l2(store, settings, roster)
    assert ticket.assignee == "l2-amy"

    reassigned = assign_ticket(
        store, ticket.id, roster, "l2-amy", now=MONDAY_MORNING, tenant="default"
    )

    assert reassigned.assignee == "l2-amy"


def test_assign_queues_when_team_is_full(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    for _ in range(3):
        open_l2(store, settings, roster)
    ticket = open_l2(store, settings)

    assigned = assign_ticket(store, ticket.id, roster, now=MONDAY_MORNING, tenant="default")

    assert assigned.team == "l2-product"
    assert assigned.assignee is None
    assert "team queue" in str(assigned.events[-1].data["reason"])


def test_assign_closed_ticket_fails(store: TicketStore, roster: Roster, settings: Settings) -> None:
    ticket = open_l2(store, settings)
    store.update(ticket.id, TicketUpdate(status=TicketStatus.CLOSED), tenant="default")

    with pytest.raises(ToolFailure, match="cannot assign ticket T-000001 because it is closed"):
        assign_ticket(store, ticket.id, roster, tenant="default")


def test_assign_unknown_ticket_fails(store: TicketStore, roster: Roster) -> None:
    with pytest.raises(ToolFailure, match="'T-000123' not found"):
        assign_ticket(store, "T-000123", roster, tenant="default")
