"""Service-level targets of tickets: when each is due, and whether a ticket missed its target.

Each tier has one target, counted from the moment the ticket entered that tier:

- L1, first reply: `sla_l1_first_reply_seconds` of wall-clock time, which the assistant's own
  reply meets. When the user asked for a person, a person must reply, so the target is
  `sla_l2_first_diagnosis_hours`, the human tiers' first response, counted in working hours.
- L2, first diagnosis: `sla_l2_first_diagnosis_hours` counted only inside working hours
  (Monday to Friday, `work_start_hour` to `work_end_hour` in `timezone`). An `urgent` ticket
  (an outage or data loss) counts the same hours on the wall clock instead, because the user
  cannot wait for the next working day.
- L3, fix plan: `sla_l3_fix_plan_business_days` working days, counted as that many full
  days of working hours. With the default 3 days, a ticket opened at 15:00 on a Friday is
  due at 15:00 on the following Wednesday.

Escalation adds the new tier's due time and keeps the earlier ones as history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from assistant.domain import Intent, Priority, Tier
from assistant.settings import Settings
from assistant.tickets.schemas import (
    ASSISTANT_ACTOR,
    FINISHED_STATUSES,
    USER_ROLE,
    EventKind,
    TicketEventRecord,
    TicketRecord,
)
from assistant.tickets.working_hours import WorkingHours

HUMAN_REPLY_INTENTS = frozenset({Intent.HUMAN_HANDOFF})
"""Intents of tickets whose L1 first reply must come from a person, not the assistant."""


class SlaDueTimes(BaseModel):
    """Due times of the targets that apply to one tier; the others are None."""

    model_config = ConfigDict(frozen=True)

    first_reply_due_at: datetime | None = None
    diagnosis_due_at: datetime | None = None
    fix_plan_due_at: datetime | None = None


def compute_due_times(
    tier: Tier,
    start: datetime,
    settings: Settings,
    *,
    priority: Priority = Priority.NORMAL,
    intent: Intent | None = None,
) -> SlaDueTimes:
    """Compute the due time of the target of `tier` for a ticket that entered it at `start`.

    `intent` matters only at L1: a ticket whose intent is in `HUMAN_REPLY_INTENTS` waits for a
    person, so its first reply is due within the human tiers' hours, not the assistant's seconds.

    Raises:
        ValueError: `start` is a naive datetime.
        ConfigurationError: the time zone or working hours in the settings are invalid.
    """
    if start.tzinfo is None:
        raise ValueError(f"naive datetime {start.isoformat()} has no time zone; pass UTC")

    diagnosis_time = timedelta(hours=settings.sla_l2_first_diagnosis_hours)
    if tier is Tier.L1 and intent in HUMAN_REPLY_INTENTS:
        hours = WorkingHours.from_settings(settings)
        return SlaDueTimes(first_reply_due_at=hours.add(start, diagnosis_time))
    if tier is Tier.L1:
        return SlaDueTimes(
            first_reply_due_at=start + timedelta(seconds=settings.sla_l1_first_reply_seconds)
        )
    if tier is Tier.L2 and priority is Priority.URGENT:
        return SlaDueTimes(diagnosis_due_at=start + diagnosis_time)

    hours = WorkingHours.from_settings(settings)
    if tier is Tier.L2:
        return SlaDueTimes(diagnosis_due_at=hours.add(start, diagnosis_time))
    fix_plan_time = timedelta(hours=hours.hours_per_day * settings.sla_l3_fix_plan_business_days)
    return SlaDueTimes(fix_plan_due_at=hours.add(start, fix_plan_time))


def counts_working_hours(ticket: TicketRecord) -> bool:
    """Return whether the target of the ticket's current tier is counted in working hours.

    It is, as `compute_due_times` sets it, except for the assistant's L1 first reply and for
    urgent L2 tickets, which run on the wall clock.
    """
    if ticket.tier is Tier.L1:
        return ticket.intent in HUMAN_REPLY_INTENTS
    return ticket.tier is Tier.L3 or ticket.priority is not Priority.URGENT


def current_due_at(ticket: TicketRecord) -> datetime | None:
    """Return the due time of the target of the ticket's current tier, if one was set."""
    if ticket.tier is Tier.L1:
        return ticket.first_reply_due_at
    if ticket.tier is Tier.L2:
        return ticket.diagnosis_due_at
    return ticket.fix_plan_due_at


TARGET_RESTART_EVENTS = frozenset({EventKind.ESCALATED, EventKind.PRIORITY_CHANGED})
"""Events after which the current tier's target counts from the event's time, because both an
escalation and a priority raise set a new due time from then."""


def target_started_at(ticket: TicketRecord) -> datetime:
    """Return when the current target started: the last escalation or priority change, or the
    ticket's creation."""
    restarts = [event.at for event in ticket.events if event.kind in TARGET_RESTART_EVENTS]
    return max(restarts, default=ticket.created_at)


def target_met_at(ticket: TicketRecord) -> datetime | None:
    """Return when the target of the ticket's current tier was met, or None if not yet.

    The target is met when the ticket is resolved or closed, or by the first comment since
    the target started (see `target_started_at`) from someone other than the requester and
    other end users: another user who writes in the requester's conversation does not reply
    for support. The assistant is the L1 tier, so its own reply meets the L1 first-reply
    target, except on a ticket where the user asked for a person: "connecting you to a
    person" is no reply. L2 and L3 targets always need a human.
    """
    since = target_started_at(ticket)
    excluded_actors = {ticket.requester}
    if ticket.tier is not Tier.L1 or ticket.intent in HUMAN_REPLY_INTENTS:
        excluded_actors.add(ASSISTANT_ACTOR)

    for event in ticket.events:
        if event.at < since:
            continue
        if event.kind is EventKind.COMMENTED and _is_reply_by_support(event, excluded_actors):
            return event.at
        if event.kind is EventKind.STATUS_CHANGED and event.data.get("to") in FINISHED_STATUSES:
            return event.at
    return None


def _is_reply_by_support(event: TicketEventRecord, excluded_actors: set[str]) -> bool:
    """Return whether a comment counts as support's reply: not by an excluded actor, and not
    an end user's message (`role` `user` in its data)."""
    return event.actor not in excluded_actors and event.data.get("role") != USER_ROLE


def is_breached(ticket: TicketRecord, now: datetime) -> bool:
    """Return whether the ticket missed the target of its current tier as of `now`.

    A target met after its due time counts as breached; a ticket without a due time for
    its current tier never is.

    Raises:
        ValueError: `now` is a naive datetime.
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} has no time zone; pass UTC")
    due = current_due_at(ticket)
    if due is None:
        return False

    met = target_met_at(ticket)
    if met is not None:
        return met > due
    return now > due
