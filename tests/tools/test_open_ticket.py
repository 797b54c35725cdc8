"""Tool open_ticket: SLA due times, assignment and the event log, on a SQLite file."""

from __future__ import annotations

from assistant.domain import Priority, Tier
from assistant.settings import Settings
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import EventKind, TicketStatus
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_draft, shanghai
from tools.open_ticket import open_ticket

MONDAY_MORNING = shanghai(3, 10)


def test_open_ticket_is_committed(store: TicketStore, store_url: str, settings: Settings) -> None:
    ticket = open_ticket(store, make_draft(), now=MONDAY_MORNING, settings=settings)

    other = TicketStore(store_url)
    loaded = other.get(ticket.id, tenant="default")
    other.close()
    assert loaded == ticket


def test_open_ticket_sets_l1_first_reply(store: TicketStore, settings: Settings) -> None:
    ticket = open_ticket(store, make_draft(), now=MONDAY_MORNING, settings=settings)

    assert ticket.status is TicketStatus.NEW
    assert ticket.first_reply_due_at == shanghai(3, 10, 0).replace(second=30)
    assert ticket.diagnosis_due_at is None
    assert ticket.fix_plan_due_at is None


def test_open_ticket_at_l2_sets_diagnosis(store: TicketStore, settings: Settings) -> None:
    friday_afternoon = shanghai(7, 16)

    ticket = open_ticket(store, make_draft(tier=Tier.L2), now=friday_afternoon, settings=settings)

    assert ticket.diagnosis_due_at == shanghai(10, 11)
    assert ticket.first_reply_due_at is None


def test_open_urgent_l2_ticket_uses_wall_clock(store: TicketStore, settings: Settings) -> None:
    draft = make_draft(tier=Tier.L2, priority=Priority.URGENT)

    ticket = open_ticket(store, draft, now=shanghai(7, 16), settings=settings)

    assert ticket.diagnosis_due_at == shanghai(7, 20)


def test_open_ticket_at_l3_sets_fix_plan(store: TicketStore, settings: Settings) -> None:
    ticket = open_ticket(store, make_draft(tier=Tier.L3), now=shanghai(7, 15), settings=settings)

    assert ticket.fix_plan_due_at == shanghai(12, 15)


def test_open_ticket_assigns_with_roster(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_ticket(
        store, make_draft(tier=Tier.L2), roster, now=MONDAY_MORNING, settings=settings
    )

    assert ticket.team == "l2-product"
    assert ticket.assignee == "l2-amy"
    assert [event.kind for event in ticket.events] == [EventKind.OPENED, EventKind.ASSIGNED]
    assert ticket.events[1].data["assignee"] == "l2-amy"


def test_open_ticket_counts_open_load_in_store(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    draft = make_draft(tier=Tier.L2)

    assignees = [
        open_ticket(store, draft, roster, now=MONDAY_MORNING, settings=settings).assignee
        for _ in range(4)
    ]

    # l2-amy takes one ticket at most and l2-bo two, so the fourth ticket waits in the queue.
    assert assignees == ["l2-amy", "l2-bo", "l2-bo", None]
    queued = store.list(assignee=None, limit=1)[0]
    assert "at capacity" in str(queued.events[-1].data["reason"])


def test_open_ticket_without_roster_stays_unassigned(
    store: TicketStore, settings: Settings
) -> None:
    ticket = open_ticket(store, make_draft(), now=MONDAY_MORNING, settings=settings)

    assert ticket.team is None
    assert ticket.assignee is None
    assert [event.kind for event in ticket.events] == [EventKind.OPENED]


def test_open_ticket_records_actor(store: TicketStore, settings: Settings) -> None:
    ticket = open_ticket(
        store, make_draft(), now=MONDAY_MORNING, settings=settings, actor="cli:ops"
    )

    assert ticket.events[0].actor == "cli:ops"
