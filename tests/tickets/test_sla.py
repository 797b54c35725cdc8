"""SLA due times per tier and breach detection, on fixed datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from assistant.domain import Intent, Priority, Tier
from assistant.settings import Settings
from assistant.tickets.schemas import EventKind, TicketEventRecord, TicketStatus
from assistant.tickets.sla import (
    compute_due_times,
    current_due_at,
    is_breached,
    target_met_at,
)
from tests.tickets.factories import make_record, make_settings, shanghai


def event(kind: EventKind, at: datetime, actor: str = "li-na", **data: Any) -> TicketEventRecord:
    return TicketEventRecord(kind=kind, at=at, actor=actor, data=data)


@pytest.mark.parametrize(
    "created",
    [shanghai(3, 10), shanghai(8, 3)],
    ids=["monday-morning", "saturday-night"],
)
def test_l1_first_reply_uses_wall_clock(settings: Settings, created: datetime) -> None:
    due = compute_due_times(Tier.L1, created, settings)

    assert due.first_reply_due_at == created + timedelta(seconds=30)
    assert due.diagnosis_due_at is None
    assert due.fix_plan_due_at is None


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (shanghai(3, 10), shanghai(3, 14)),
        (shanghai(7, 16), shanghai(10, 11)),
        (shanghai(8, 11), shanghai(10, 13)),
    ],
    ids=["within-hours", "across-weekend", "opened-saturday"],
)
def test_l1_handoff_first_reply_counts_working_hours(
    settings: Settings, created: datetime, expected: datetime
) -> None:
    due = compute_due_times(Tier.L1, created, settings, intent=Intent.HUMAN_HANDOFF)

    assert due.first_reply_due_at == expected
    assert due.diagnosis_due_at is None
    assert due.fix_plan_due_at is None


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (shanghai(3, 10), shanghai(3, 14)),
        (shanghai(3, 16, 30), shanghai(4, 11, 30)),
        (shanghai(7, 16), shanghai(10, 11)),
        (shanghai(8, 11), shanghai(10, 13)),
        (shanghai(3, 6), shanghai(3, 13)),
    ],
    ids=["within-hours", "across-night", "across-weekend", "opened-saturday", "before-hours"],
)
def test_l2_diagnosis_counts_working_hours(
    settings: Settings, created: datetime, expected: datetime
) -> None:
    due = compute_due_times(Tier.L2, created, settings)

    assert due.diagnosis_due_at == expected
    assert due.first_reply_due_at is None
    assert due.fix_plan_due_at is None


def test_l2_urgent_diagnosis_uses_wall_clock(settings: Settings) -> None:
    friday_evening = shanghai(7, 16)

    due = compute_due_times(Tier.L2, friday_evening, settings, priority=Priority.URGENT)

    assert due.diagnosis_due_at == shanghai(7, 20)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (shanghai(7, 15), shanghai(12, 15)),
        (shanghai(8, 10), shanghai(12, 18)),
        (shanghai(3, 9), shanghai(5, 18)),
    ],
    ids=["friday-afternoon", "saturday", "monday-opening"],
)
def test_l3_fix_plan_counts_business_days(
    settings: Settings, created: datetime, expected: datetime
) -> None:
    due = compute_due_times(Tier.L3, created, settings)

    assert due.fix_plan_due_at == expected
    assert due.diagnosis_due_at is None


def test_l3_urgent_still_counts_business_days(settings: Settings) -> None:
    due = compute_due_times(Tier.L3, shanghai(7, 15), settings, priority=Priority.URGENT)

    assert due.fix_plan_due_at == shanghai(12, 15)


def test_due_times_follow_settings() -> None:
    settings = make_settings(
        work_start_hour=10,
        work_end_hour=16,
        sla_l1_first_reply_seconds=120,
        sla_l2_first_diagnosis_hours=2.5,
        sla_l3_fix_plan_business_days=1,
    )
    created = shanghai(3, 15)

    assert compute_due_times(Tier.L1, created, settings).first_reply_due_at == shanghai(3, 15, 2)
    assert compute_due_times(Tier.L2, created, settings).diagnosis_due_at == shanghai(4, 11, 30)
    assert compute_due_times(Tier.L3, created, settings).fix_plan_due_at == shanghai(4, 15)


def test_compute_rejects_naive_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        compute_due_times(Tier.L1, datetime(2025, 3, 3, 10), settings)  # noqa: DTZ001


def test_current_due_at_follows_tier() -> None:
    ticket = make_record(
        tier=Tier.L2,
        first_reply_due_at=shanghai(3, 10),
        diagnosis_due_at=shanghai(3, 14),
    )

    assert current_due_at(ticket) == shanghai(3, 14)


def test_is_breached_false_before_due() -> None:
    ticket = make_record(created_at=shanghai(3, 10), first_reply_due_at=shanghai(3, 10, 1))

    assert not is_breached(ticket, shanghai(3, 10, 0))


def test_is_breached_true_after_due_without_reply() -> None:
    ticket = make_record(created_at=shanghai(3, 10), first_reply_due_at=shanghai(3, 10, 1))

    assert is_breached(ticket, shanghai(3, 10, 2))


def test_is_breached_false_when_agent_replied_in_time() -> None:
    reply = event(EventKind.COMMENTED, shanghai(3, 10, 0), actor="li-na")
    ticket = make_record(
        created_at=shanghai(3, 10), first_reply_due_at=shanghai(3, 10, 1), events=[reply]
    )

    assert not is_breached(ticket, shanghai(5, 10))


def test_is_breached_true_when_reply_came_late() -> None:
    reply = event(EventKind.COMMENTED, shanghai(3, 10, 5), actor="li-na")
    ticket = make_record(
        created_at=shanghai(3, 10), first_reply_due_at=shanghai(3, 10, 1), events=[reply]
    )

    assert is_breached(ticket, shanghai(3, 10, 6))


def test_is_breached_ignores_requester_comments() -> None:
    nudge = event(EventKind.COMMENTED, shanghai(3, 10, 0), actor="user-42")
    ticket = make_record(
        created_at=shanghai(3, 10), first_reply_due_at=shanghai(3, 10, 1), events=[nudge]
    )

    assert target_met_at(ticket) is None
    assert is_breached(ticket, shanghai(3, 10, 2))


def test_l2_target_ignores_other_users_messages() -> None:
    # Another user who writes in the requester's conversation does not reply for support.
    other_user = event(EventKind.COMMENTED, shanghai(3, 11), actor="bob", role="user")
    ticket = make_record(
        tier=Tier.L2,
        created_at=shanghai(3, 10),
        diagnosis_due_at=shanghai(3, 14),
        events=[other_user],
    )

    assert target_met_at(ticket) is None
    assert is_breached(ticket, shanghai(3, 15))


def test_l2_target_ignores_assistant_comments() -> None:
    note = event(EventKind.COMMENTED, shanghai(3, 11), actor="assistant")
    ticket = make_record(
        tier=Tier.L2,
        created_at=shanghai(3, 10),
        diagnosis_due_at=shanghai(3, 14),
        events=[note],
    )

    assert is_breached(ticket, shanghai(3, 15))


def test_handoff_first_reply_ignores_assistant_comments() -> None:
    connecting = event(EventKind.COMMENTED, shanghai(3, 10, 0), actor="assistant")
    reply = event(EventKind.COMMENTED, shanghai(3, 10, 5), actor="li-na")
    waiting = make_record(
        intent=Intent.HUMAN_HANDOFF,
        created_at=shanghai(3, 10),
        first_reply_due_at=shanghai(3, 10, 1),
        events=[connecting],
    )
    answered = waiting.model_copy(update={"events": [connecting, reply]})

    assert target_met_at(waiting) is None
    assert is_breached(waiting, shanghai(3, 10, 2))
    assert target_met_at(answered) == shanghai(3, 10, 5)


def test_assistant_reply_meets_l1_target_of_other_tickets() -> None:
    logged = event(EventKind.COMMENTED, shanghai(3, 10, 0), actor="assistant")
    ticket = make_record(
        intent=Intent.FEATURE_REQUEST,
        created_at=shanghai(3, 10),
        first_reply_due_at=shanghai(3, 10, 1),
        events=[logged],
    )

    assert target_met_at(ticket) == shanghai(3, 10, 0)
    assert not is_breached(ticket, shanghai(3, 10, 2))


def test_resolution_meets_target() -> None:
    resolved = event(
        EventKind.STATUS_CHANGED, shanghai(3, 12), **{"from": "open", "to": "resolved"}
    )
    ticket = make_record(
        tier=Tier.L2,
        status=TicketStatus.RESOLVED,
        created_at=shanghai(3, 10),
        diagnosis_due_at=shanghai(3, 14),
        events=[resolved],
    )

    assert target_met_at(ticket) == shanghai(3, 12)
    assert not is_breached(ticket, shanghai(6, 10))


def test_escalation_restarts_target() -> None:
    early_reply = event(EventKind.COMMENTED, shanghai(3, 10, 0), actor="li-na")
    escalated = event(EventKind.ESCALATED, shanghai(3, 11), actor="assistant")
    ticket = make_record(
        tier=Tier.L2,
        status=TicketStatus.ESCALATED,
        created_at=shanghai(3, 10),
        first_reply_due_at=shanghai(3, 10, 1),
        diagnosis_due_at=shanghai(3, 15),
        events=[early_reply, escalated],
    )

    assert target_met_at(ticket) is None
    assert is_breached(ticket, shanghai(3, 16))
    assert not is_breached(ticket, shanghai(3, 14))


def test_priority_change_restarts_target() -> None:
    early_reply = event(EventKind.COMMENTED, shanghai(3, 10, 30), actor="li-na")
    raised = event(EventKind.PRIORITY_CHANGED, shanghai(3, 11), actor="assistant")
    late_reply = event(EventKind.COMMENTED, shanghai(3, 11, 20), actor="li-na")
    ticket = make_record(
        tier=Tier.L2,
        priority=Priority.URGENT,
        created_at=shanghai(3, 10),
        diagnosis_due_at=shanghai(3, 11, 15),
        events=[early_reply, raised, late_reply],
    )

    assert target_met_at(ticket) == shanghai(3, 11, 20)
    assert is_breached(ticket, shanghai(3, 12))


def test_is_breached_false_without_due_time() -> None:
    ticket = make_record(tier=Tier.L3, created_at=shanghai(3, 10))

    assert not is_breached(ticket, shanghai(30, 10))


def test_is_breached_rejects_naive_now() -> None:
    ticket = make_record(first_reply_due_at=shanghai(3, 10, 1))

    with pytest.raises(ValueError, match="naive datetime"):
        is_breached(ticket, datetime(2025, 3, 3, 10))  # noqa: DTZ001
