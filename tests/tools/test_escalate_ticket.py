"""Tool escalate_ticket: tier rules, recomputed SLA, reassignment and errors."""

from __future__ import annotations

import pytest

from assistant.domain import Intent, Priority, Tier
from assistant.errors import ToolFailure
from assistant.settings import Settings
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import (
    EventKind,
    ReasonCode,
    TicketRecord,
    TicketStatus,
    TicketUpdate,
)
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_draft, shanghai
from tools.escalate_ticket import Triage, escalate_ticket, retriage_ticket
from tools.open_ticket import open_ticket

OPENED_AT = shanghai(7, 15)
ESCALATED_AT = shanghai(7, 16)


def open_at(
    store: TicketStore, roster: Roster, settings: Settings, tier: Tier = Tier.L1
) -> TicketRecord:
    return open_ticket(store, make_draft(tier=tier), roster, now=OPENED_AT, settings=settings)


def test_escalate_raises_tier_and_recomputes_sla(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings)

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L2,
        "Needs a Gantt specialist",
        roster=roster,
        now=ESCALATED_AT,
        settings=settings,
        tenant="default",
    )

    assert escalated.tier is Tier.L2
    assert escalated.status is TicketStatus.ESCALATED
    assert escalated.first_reply_due_at == ticket.first_reply_due_at
    assert escalated.diagnosis_due_at == shanghai(10, 11)
    assert escalated.team == "l2-product"
    assert escalated.assignee == "l2-amy"
    assert escalated.updated_at == ESCALATED_AT


def test_escalate_logs_reason_assignment_and_status(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings)

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L3,
        "  Needs a code fix  ",
        roster=roster,
        now=ESCALATED_AT,
        settings=settings,
        tenant="default",
    )

    new_events = escalated.events[len(ticket.events) :]
    assert [event.kind for event in new_events] == [
        EventKind.ESCALATED,
        EventKind.ASSIGNED,
        EventKind.STATUS_CHANGED,
    ]
    assert new_events[0].data == {
        "from_tier": "L1",
        "to_tier": "L3",
        "reason": "Needs a code fix",
        "priority": "normal",
    }
    assert new_events[1].data["assignee"] == "l3-kai"
    assert new_events[2].data == {"from": "new", "to": "escalated"}


def test_escalate_with_urgent_priority_uses_wall_clock(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings)

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L2,
        "Whole workspace is down",
        Priority.URGENT,
        roster,
        ESCALATED_AT,
        settings=settings,
        tenant="default",
    )

    assert escalated.priority is Priority.URGENT
    assert escalated.diagnosis_due_at == shanghai(7, 20)


def test_escalate_without_roster_clears_assignee(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings)

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L3,
        "Needs a code fix",
        now=ESCALATED_AT,
        settings=settings,
        tenant="default",
    )

    assert ticket.assignee == "l1-lin"
    assert escalated.team is None
    assert escalated.assignee is None
    assert "no roster was given" in str(escalated.events[-2].data["reason"])
    assert escalated.events[-2].data["reason_code"] == "no_roster"
    assert escalated.events[-2].data["reason_params"] == {"tier": "L3"}


def test_escalate_records_reason_code(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings)

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L2,
        "bug_report goes to L2",
        roster=roster,
        now=ESCALATED_AT,
        settings=settings,
        reason_code=ReasonCode.INTENT_NEEDS_TIER,
        reason_params={"intent": "bug_report", "tier": "L2"},
        tenant="default",
    )

    event = escalated.events[len(ticket.events)]
    assert event.kind is EventKind.ESCALATED
    assert event.data["reason"] == "bug_report goes to L2"
    assert event.data["reason_code"] == "intent_needs_tier"
    assert event.data["reason_params"] == {"intent": "bug_report", "tier": "L2"}


@pytest.mark.parametrize(
    ("current", "target", "hint"),
    [
        (Tier.L2, Tier.L2, "pick L3"),
        (Tier.L2, Tier.L1, "pick L3"),
        (Tier.L1, Tier.L1, "pick L2 or L3"),
        (Tier.L3, Tier.L3, "already at the top tier"),
    ],
    ids=["same-tier", "lower-tier", "same-tier-l1", "top-tier"],
)
def test_escalate_rejects_non_raising_tier(
    store: TicketStore,
    roster: Roster,
    settings: Settings,
    current: Tier,
    target: Tier,
    hint: str,
) -> None:
    ticket = open_at(store, roster, settings, tier=current)

    with pytest.raises(ToolFailure, match=f"from {current} to {target}.*{hint}"):
        escalate_ticket(
            store, ticket.id, target, "why not", roster=roster, settings=settings, tenant="default"
        )

    assert store.get(ticket.id, tenant="default") == ticket


def test_escalate_requires_reason(store: TicketStore, roster: Roster, settings: Settings) -> None:
    ticket = open_at(store, roster, settings)

    with pytest.raises(ToolFailure, match="without a reason"):
        escalate_ticket(
            store, ticket.id, Tier.L2, "   ", roster=roster, settings=settings, tenant="default"
        )


def test_escalate_unknown_ticket_fails(store: TicketStore, settings: Settings) -> None:
    with pytest.raises(ToolFailure, match="'T-000077' not found"):
        escalate_ticket(
            store, "T-000077", Tier.L2, "Needs a specialist", settings=settings, tenant="default"
        )


def test_escalate_malformed_id_fails(store: TicketStore, settings: Settings) -> None:
    with pytest.raises(ToolFailure, match="'77' is invalid"):
        escalate_ticket(
            store, "77", Tier.L2, "Needs a specialist", settings=settings, tenant="default"
        )


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
def test_escalate_finished_ticket_fails(
    store: TicketStore, roster: Roster, settings: Settings, status: TicketStatus
) -> None:
    ticket = open_at(store, roster, settings)
    store.update(ticket.id, TicketUpdate(status=status), tenant="default")

    with pytest.raises(ToolFailure, match=f"because it is {status.value}"):
        escalate_ticket(
            store,
            ticket.id,
            Tier.L2,
            "Came back",
            roster=roster,
            settings=settings,
            tenant="default",
        )


def test_escalate_does_not_count_ticket_against_itself(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    # l2-amy (capacity 1) is assigned this very ticket; moving it to L3 must not see her as full.
    ticket = open_at(store, roster, settings, tier=Tier.L2)
    assert ticket.assignee == "l2-amy"

    escalated = escalate_ticket(
        store,
        ticket.id,
        Tier.L3,
        "Needs a code fix",
        roster=roster,
        now=ESCALATED_AT,
        settings=settings,
        tenant="default",
    )

    assert escalated.assignee == "l3-kai"
    assert store.count_open_by_assignee() == {"l3-kai": 1}


def test_retriage_priority_keeps_assignment(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings, tier=Tier.L2)
    target = Triage(Tier.L2, Priority.URGENT, Intent.BUG_REPORT, "gantt")

    raised = retriage_ticket(
        store,
        ticket,
        target,
        "the export is down for everyone",
        roster,
        ESCALATED_AT,
        settings=settings,
    )

    assert raised.priority is Priority.URGENT
    assert (raised.team, raised.assignee) == (ticket.team, ticket.assignee)
    assert raised.status is TicketStatus.NEW
    assert raised.diagnosis_due_at == shanghai(7, 20)
    new_events = raised.events[len(ticket.events) :]
    assert [event.kind for event in new_events] == [EventKind.PRIORITY_CHANGED]
    assert new_events[0].data == {
        "from": "normal",
        "to": "urgent",
        "reason": "the export is down for everyone",
    }


def test_retriage_new_module_reroutes(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings, tier=Tier.L2)
    target = Triage(Tier.L2, Priority.NORMAL, Intent.BUG_REPORT, "billing")

    moved = retriage_ticket(
        store, ticket, target, "it is about invoices", roster, ESCALATED_AT, settings=settings
    )

    assert ticket.team == "l2-product"
    assert moved.module == "billing"
    assert (moved.team, moved.assignee) == (None, None)
    assert moved.diagnosis_due_at == ticket.diagnosis_due_at
    new_events = moved.events[len(ticket.events) :]
    assert [event.kind for event in new_events] == [EventKind.MODULE_CHANGED, EventKind.ASSIGNED]
    assert new_events[0].data == {"from": "gantt", "to": "billing"}
    assert new_events[1].data["reason_code"] == "no_team"


def test_retriage_writes_changes_together(
    store: TicketStore, roster: Roster, settings: Settings
) -> None:
    ticket = open_at(store, roster, settings, tier=Tier.L2)
    target = Triage(Tier.L3, Priority.URGENT, Intent.DATA_LOSS_SECURITY, "tasks")
    params = {"intent": "data_loss_security", "tier": "L3", "message": "tasks are gone"}

    escalated = retriage_ticket(
        store,
        ticket,
        target,
        "a later message is data_loss_security: tasks are gone",
        roster,
        ESCALATED_AT,
        settings=settings,
        reason_code=ReasonCode.MESSAGE_NEEDS_TIER,
        reason_params=params,
    )

    assert (escalated.tier, escalated.priority) == (Tier.L3, Priority.URGENT)
    assert (escalated.intent, escalated.module) == (Intent.DATA_LOSS_SECURITY, "tasks")
    assert escalated.status is TicketStatus.ESCALATED
    assert (escalated.team, escalated.assignee) == ("security", "sec-sam")
    new_events = escalated.events[len(ticket.events) :]
    assert [event.kind for event in new_events] == [
        EventKind.INTENT_CHANGED,
        EventKind.MODULE_CHANGED,
        EventKind.ESCALATED,
        EventKind.ASSIGNED,
        EventKind.STATUS_CHANGED,
    ]
    assert {event.at for event in new_events} == {ESCALATED_AT}
    assert new_events[2].data["reason_code"] == "message_needs_tier"
    assert new_events[2].data["reason_params"] == params
