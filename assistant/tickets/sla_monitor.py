"""SLA monitor: log `sla_warning` and `sla_breached` events on open tickets, once each.

A ticket gets `sla_warning` when the due time of its current tier comes within
`sla_warning_minutes`, and `sla_breached` when `is_breached` returns True for that target. The
window is counted in working hours where the tier's SLA is (L2 unless urgent, L3, and L1 when
a person must reply), so a ticket due Monday 09:15 is warned on Friday at 17:45 when the
working day ends at 18:00, and not on Saturday. Each event is logged at most once per ticket
and tier, also when several API workers or a cron job run the monitor at the same time (see
`TicketStore.record_sla_event`).

Run it once with `assistant tickets check-sla`, or let the API run it every
`sla_check_interval_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from assistant.database import DatabaseUnreachableError
from assistant.domain import Tier
from assistant.settings import Settings
from assistant.tickets.schemas import EventKind, TicketRecord
from assistant.tickets.sla import (
    counts_working_hours,
    current_due_at,
    is_breached,
    target_met_at,
)
from assistant.tickets.store import TicketStore
from assistant.tickets.working_hours import WorkingHours

logger = logging.getLogger(__name__)

SLA_MONITOR_ACTOR = "sla-monitor"
"""Actor of the events the monitor logs."""


@dataclass(frozen=True)
class SlaAlert:
    """One SLA event that a check logged."""

    ticket_id: str
    tenant: str
    kind: EventKind
    tier: Tier
    due_at: datetime


@dataclass(frozen=True)
class SlaCheckReport:
    """Outcome of one check."""

    checked: int
    """Open tickets due within the warning window (or already overdue)."""

    alerts: tuple[SlaAlert, ...]
    """Events this check logged."""

    lost_races: int
    """Events another monitor logged between this check's read and its write."""


class SlaMonitor:
    """Checks the SLA of open tickets against one ticket store.

    Raises:
        ConfigurationError: the time zone or working hours in the settings are invalid.
    """

    def __init__(self, store: TicketStore, settings: Settings) -> None:
        self._store = store
        self._hours = WorkingHours.from_settings(settings)
        self._window = timedelta(minutes=settings.sla_warning_minutes)

    def check(self, now: datetime | None = None) -> SlaCheckReport:
        """Log the SLA events that are due as of `now` (default: the current UTC time)."""
        now = now or datetime.now(UTC)
        horizon = max(now + self._window, self._hours.add(now, self._window))
        tickets = self._store.list_due(horizon)
        alerts: list[SlaAlert] = []
        lost_races = 0
        for ticket in tickets:
            kind = self.alert_kind(ticket, now)
            if kind is None or _already_logged(ticket, kind):
                continue
            alert = SlaAlert(ticket.id, ticket.tenant, kind, ticket.tier, _due(ticket))
            if self._log(alert, now):
                alerts.append(alert)
            else:
                lost_races += 1
        return SlaCheckReport(checked=len(tickets), alerts=tuple(alerts), lost_races=lost_races)

    def alert_kind(self, ticket: TicketRecord, now: datetime) -> EventKind | None:
        """Return the SLA event the ticket's current tier calls for as of `now`, if any."""
        due = current_due_at(ticket)
        if due is None:
            return None
        if is_breached(ticket, now):
            return EventKind.SLA_BREACHED
        if target_met_at(ticket) is not None:
            return None
        if due <= self._warning_horizon(ticket, now):
            return EventKind.SLA_WARNING
        return None

    def _warning_horizon(self, ticket: TicketRecord, now: datetime) -> datetime:
        if counts_working_hours(ticket):
            return self._hours.add(now, self._window)
        return now + self._window

    def _log(self, alert: SlaAlert, now: datetime) -> bool:
        # NOTE: the ticket is read before the claim, so a comment or status change committed
        # in between can still be followed by a warning or breach event for that tier.
        data = {"tier": alert.tier.value, "due_at": alert.due_at.isoformat()}
        logged = self._store.record_sla_event(
            alert.ticket_id,
            alert.kind,
            alert.tier,
            tenant=alert.tenant,
            actor=SLA_MONITOR_ACTOR,
            data=data,
            now=now,
        )
        if logged:
            logger.warning(
                "%s ticket=%s tenant=%s tier=%s due_at=%s",
                alert.kind.value,
                alert.ticket_id,
                alert.tenant,
                alert.tier.value,
                alert.due_at.isoformat(),
            )
        return logged


def _due(ticket: TicketRecord) -> datetime:
    due = current_due_at(ticket)
    if due is None:
        raise ValueError(f"ticket {ticket.id} has no due time for tier {ticket.tier.value}")
    return due


def _already_logged(ticket: TicketRecord, kind: EventKind) -> bool:
    return any(
        event.kind is kind and event.data.get("tier") == ticket.tier.value
        for event in ticket.events
    )


async def run_sla_monitor(monitor: SlaMonitor, interval_seconds: float) -> None:
    """Check every `interval_seconds` until cancelled; a failed check is logged and retried."""
    while True:
        try:
            report = await asyncio.to_thread(monitor.check)
        except (SQLAlchemyError, DatabaseUnreachableError) as exc:
            logger.warning("SLA check failed, next try in %.0f s: %s", interval_seconds, exc)
        else:
            logger.debug(
                "SLA check: %d tickets due, %d events logged", report.checked, len(report.alerts)
            )
        await asyncio.sleep(interval_seconds)


def start_sla_monitor(store: TicketStore, settings: Settings) -> asyncio.Task[None] | None:
    """Start the periodic check on the running event loop, unless the interval is 0.

    Raises:
        ConfigurationError: the time zone or working hours in the settings are invalid.
    """
    interval = settings.sla_check_interval_seconds
    if interval <= 0:
        return None
    monitor = SlaMonitor(store, settings)
    logger.info("SLA monitor started, interval=%.0f s", interval)
    return asyncio.create_task(run_sla_monitor(monitor, interval), name="sla-monitor")


async def stop_sla_monitor(task: asyncio.Task[None] | None) -> None:
    """Cancel the periodic check and wait for it to end."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
