"""SLA monitor: which tickets get warned or breached, once each, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.domain import Priority, Tier
from assistant.settings import Settings
from assistant.tickets.schemas import EventKind, TicketRecord, TicketStatus, TicketUpdate
from assistant.tickets.sla import compute_due_times
from assistant.tickets.sla_monitor import SLA_MONITOR_ACTOR, SlaCheckReport, SlaMonitor
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_draft, make_settings, shanghai

RACING_MONITORS = 4
RACING_TICKETS = 12

FRIDAY_15 = shanghai(7, 15)
"""Friday 2025-03-07 15:00; an L2 ticket opened then is due Monday 10:00 (3 h + 1 h)."""

MONDAY_10 = shanghai(10, 10)


def _open_l2(store: TicketStore, settings: Settings, start: datetime, **overrides: Any) -> str:
    priority = overrides.pop("priority", Priority.NORMAL)
    due = compute_due_times(Tier.L2, start, settings, priority=priority)
    draft = make_draft(tier=Tier.L2, priority=priority, **overrides)
    fields = TicketUpdate(diagnosis_due_at=due.diagnosis_due_at)
    return store.create(draft, fields=fields, now=start).id


def _sla_events(ticket: TicketRecord) -> list[str]:
    kinds = (EventKind.SLA_WARNING, EventKind.SLA_BREACHED)
    return [event.kind.value for event in ticket.events if event.kind in kinds]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> TicketStore:
    return TicketStore(f"sqlite:///{tmp_path / 'tickets.db'}")


def test_l2_due_time_is_monday_ten(sqlite_store: TicketStore, settings: Settings) -> None:
    ticket_id = _open_l2(sqlite_store, settings, FRIDAY_15)

    assert sqlite_store.get(ticket_id, tenant="default").diagnosis_due_at == MONDAY_10


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (shanghai(7, 19), None),
        (shanghai(8, 12), None),
        (shanghai(9, 23, 59), None),
        (shanghai(10, 9, 29), None),
        (shanghai(10, 9, 30), EventKind.SLA_WARNING),
        (shanghai(10, 9, 59), EventKind.SLA_WARNING),
        (shanghai(10, 10, 1), EventKind.SLA_BREACHED),
    ],
    ids=[
        "friday-evening",
        "saturday-noon",
        "sunday-midnight",
        "monday-before-window",
        "monday-window-opens",
        "monday-last-minute",
        "monday-overdue",
    ],
)
def test_alert_kind_counts_working_hours(
    sqlite_store: TicketStore, settings: Settings, now: datetime, expected: EventKind | None
) -> None:
    ticket = sqlite_store.get(_open_l2(sqlite_store, settings, FRIDAY_15), tenant="default")

    kind = SlaMonitor(sqlite_store, settings).alert_kind(ticket, now)

    assert kind is expected


def test_warning_window_spans_the_weekend(sqlite_store: TicketStore, settings: Settings) -> None:
    # Opened Friday 14:10: 3 h 50 min on Friday leave 10 min for Monday, so due Monday 09:10.
    ticket = sqlite_store.get(
        _open_l2(sqlite_store, settings, shanghai(7, 14, 10)), tenant="default"
    )
    monitor = SlaMonitor(sqlite_store, settings)

    friday_evening = monitor.alert_kind(ticket, shanghai(7, 17, 45))
    friday_before = monitor.alert_kind(ticket, shanghai(7, 17, 35))

    assert ticket.diagnosis_due_at == shanghai(10, 9, 10)
    assert friday_evening is EventKind.SLA_WARNING, "10 + 15 working minutes are left"
    assert friday_before is None, "35 working minutes are left"


def test_urgent_ticket_uses_wall_clock(sqlite_store: TicketStore, settings: Settings) -> None:
    ticket_id = _open_l2(sqlite_store, settings, shanghai(7, 17), priority=Priority.URGENT)
    ticket = sqlite_store.get(ticket_id, tenant="default")
    monitor = SlaMonitor(sqlite_store, settings)

    assert ticket.diagnosis_due_at == shanghai(7, 21)
    assert monitor.alert_kind(ticket, shanghai(7, 20, 31)) is EventKind.SLA_WARNING
    assert monitor.alert_kind(ticket, shanghai(7, 21, 1)) is EventKind.SLA_BREACHED


def test_answered_ticket_gets_no_warning(sqlite_store: TicketStore, settings: Settings) -> None:
    ticket_id = _open_l2(sqlite_store, settings, FRIDAY_15)
    sqlite_store.add_event(
        ticket_id,
        EventKind.COMMENTED,
        actor="agent-wang",
        data={"text": "Looking at it"},
        now=shanghai(10, 9, 15),
        tenant="default",
    )
    ticket = sqlite_store.get(ticket_id, tenant="default")

    kind = SlaMonitor(sqlite_store, settings).alert_kind(ticket, shanghai(10, 9, 45))

    assert kind is None


def test_check_logs_each_event_once(sqlite_store: TicketStore, settings: Settings) -> None:
    ticket_id = _open_l2(sqlite_store, settings, FRIDAY_15)
    monitor = SlaMonitor(sqlite_store, settings)

    reports = [
        monitor.check(now)
        for now in (
            shanghai(8, 12),
            shanghai(10, 9, 40),
            shanghai(10, 9, 50),
            shanghai(10, 10, 5),
            shanghai(10, 11),
        )
    ]

    ticket = sqlite_store.get(ticket_id, tenant="default")
    assert [len(report.alerts) for report in reports] == [0, 1, 0, 1, 0]
    assert _sla_events(ticket) == ["sla_warning", "sla_breached"]
    breach = ticket.events[-1]
    assert breach.actor == SLA_MONITOR_ACTOR
    assert breach.data == {"tier": "L2", "due_at": MONDAY_10.astimezone(UTC).isoformat()}


def test_check_skips_finished_tickets(sqlite_store: TicketStore, settings: Settings) -> None:
    ticket_id = _open_l2(sqlite_store, settings, FRIDAY_15)
    sqlite_store.update(
        ticket_id, TicketUpdate(status=TicketStatus.RESOLVED), now=shanghai(7, 16), tenant="default"
    )

    report = SlaMonitor(sqlite_store, settings).check(shanghai(10, 11))

    assert report.checked == 0
    assert _sla_events(sqlite_store.get(ticket_id, tenant="default")) == []


def test_escalated_ticket_gets_new_tier_events(
    sqlite_store: TicketStore, settings: Settings
) -> None:
    ticket_id = _open_l2(sqlite_store, settings, FRIDAY_15)
    monitor = SlaMonitor(sqlite_store, settings)
    monitor.check(shanghai(10, 10, 5))
    fix_plan = compute_due_times(Tier.L3, shanghai(10, 10, 10), settings).fix_plan_due_at
    sqlite_store.update(
        ticket_id,
        TicketUpdate(tier=Tier.L3, fix_plan_due_at=fix_plan),
        now=shanghai(10, 10, 10),
        tenant="default",
    )

    report = monitor.check(shanghai(14, 10, 30))

    assert [alert.tier for alert in report.alerts] == [Tier.L3]
    assert _sla_events(sqlite_store.get(ticket_id, tenant="default")) == [
        "sla_breached",
        "sla_breached",
    ]


def _race(url: str, settings: Settings, now: datetime) -> list[SlaCheckReport]:
    stores = [TicketStore(url) for _ in range(RACING_MONITORS)]
    monitors = [SlaMonitor(store, settings) for store in stores]
    barrier = threading.Barrier(RACING_MONITORS)
    reports: list[SlaCheckReport] = []
    errors: list[BaseException] = []

    def run(monitor: SlaMonitor) -> None:
        barrier.wait()
        try:
            reports.append(monitor.check(now))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(monitor,)) for monitor in monitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    if errors:
        raise errors[0]
    return reports


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_racing_monitors_log_one_breach(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings()
    url = (
        f"sqlite:///{tmp_path / 'race.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    store = TicketStore(url)
    ticket_ids = [_open_l2(store, settings, FRIDAY_15) for _ in range(RACING_TICKETS)]

    reports = _race(url, settings, shanghai(10, 10, 5))

    logged = Counter(alert.ticket_id for report in reports for alert in report.alerts)
    assert logged == Counter(ticket_ids), "each ticket's breach is logged by exactly one monitor"
    for ticket_id in ticket_ids:
        assert _sla_events(store.get(ticket_id, tenant="default")) == ["sla_breached"]
    store.close()


def test_check_without_due_tickets_is_empty(sqlite_store: TicketStore) -> None:
    settings = make_settings()
    _open_l2(sqlite_store, settings, FRIDAY_15)

    report = SlaMonitor(sqlite_store, settings).check(FRIDAY_15 + timedelta(minutes=5))

    assert report.checked == 0
    assert report.alerts == ()
