"""Automatic routing of a ticket to a team and an agent of the roster.

Team: among the teams that serve the ticket's tier, one that lists the ticket's intent wins
over one that lists its module. Ties go to the team listed first in the roster.

Agent: only members of that team whose skills cover the ticket's module, language and tier,
and whose open tickets are below their capacity. Among them, agents on shift at `now` come
first, then the lowest number of open tickets, then the smallest agent id. When nobody
qualifies, the ticket waits in the team's queue without an assignee, and the reason is
recorded in the `assigned` event.

NOTE: callers count open tickets before they write the assignment, without a lock, so two
tickets routed at the same moment can put an agent one ticket over capacity.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import JsonValue

from assistant.domain import Intent, Language, Tier
from assistant.tickets.roster import Agent, Roster, Team
from assistant.tickets.schemas import (
    EventKind,
    ReasonCode,
    TicketDraft,
    TicketEventDraft,
    TicketRecord,
    TicketUpdate,
    reason_data,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketNeeds:
    """Tier, module, language and intent that an agent must cover to take a ticket."""

    tier: Tier
    module: str
    language: Language
    intent: Intent

    @classmethod
    def of(cls, ticket: TicketDraft | TicketRecord, *, tier: Tier | None = None) -> TicketNeeds:
        """Return the needs of a ticket, optionally at another tier (for an escalation)."""
        return cls(
            tier=tier or ticket.tier,
            module=ticket.module,
            language=ticket.language,
            intent=ticket.intent,
        )


@dataclass(frozen=True)
class Assignment:
    """Outcome of routing: the team, the agent (None for the team queue) and why.

    `reason` is the English sentence for logs and the API. `reason_code` and `reason_params`
    let pages show it in the reader's language.
    """

    team: str | None
    assignee: str | None
    reason: str
    reason_code: ReasonCode
    reason_params: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_update(self) -> TicketUpdate:
        """Return the ticket fields that record this assignment."""
        return TicketUpdate(team=self.team, assignee=self.assignee)

    def to_event(self, actor: str) -> TicketEventDraft:
        """Return the `assigned` event that records this assignment."""
        return TicketEventDraft(
            kind=EventKind.ASSIGNED,
            actor=actor,
            data={
                "team": self.team,
                "assignee": self.assignee,
                **reason_data(self.reason, self.reason_code, self.reason_params),
            },
        )


def missing_skills(
    agent: Agent, needs: TicketNeeds, *, module_required: bool = True
) -> dict[str, str]:
    """Return what the agent's skills lack for the ticket by skill, e.g. `{"language": "en"}`.

    With `module_required` False the ticket's module is not checked: a team that owns the
    ticket's intent (outages, security incidents) handles it whatever module it names.
    """
    gaps = {}
    if module_required and needs.module not in agent.skills.modules:
        gaps["module"] = needs.module
    if needs.language not in agent.skills.languages:
        gaps["language"] = needs.language.value
    if needs.tier not in agent.skills.tiers:
        gaps["tier"] = needs.tier.value
    return gaps


def choose_team(roster: Roster, needs: TicketNeeds) -> Team | None:
    """Return the team that should own a ticket, or None when no team serves it."""
    candidates = [
        team
        for team in roster.teams
        if needs.tier in team.tiers
        and (needs.intent in team.intents or needs.module in team.modules)
    ]
    intent_matches = [team for team in candidates if needs.intent in team.intents]
    if intent_matches:
        return intent_matches[0]
    return candidates[0] if candidates else None


def choose_assignment(
    roster: Roster,
    needs: TicketNeeds,
    *,
    open_load: Mapping[str, int],
    now: datetime,
) -> Assignment:
    """Pick the team and agent for a ticket.

    Args:
        roster: Teams and agents to choose from.
        needs: Tier, module, language and intent of the ticket.
        open_load: Open tickets per agent id, leaving out the ticket being assigned.
        now: Aware moment used to tell who is on shift.
    """
    team = choose_team(roster, needs)
    if team is None:
        return _without_team(roster, needs)

    module_required = needs.intent not in team.intents
    skilled = [
        agent
        for agent in roster.members(team.id)
        if not missing_skills(agent, needs, module_required=module_required)
    ]
    if not skilled:
        return _queue(
            team,
            f"no agent of team {team.id} covers module {needs.module}, language "
            f"{needs.language.value} and tier {needs.tier.value}",
            ReasonCode.NO_SKILLED_AGENT,
            {
                "team": team.id,
                "module": needs.module,
                "language": needs.language.value,
                "tier": needs.tier.value,
            },
        )

    available = [agent for agent in skilled if open_load.get(agent.id, 0) < agent.capacity]
    if not available:
        loads: list[JsonValue] = [
            {"agent": a.id, "open_tickets": open_load.get(a.id, 0), "capacity": a.capacity}
            for a in skilled
        ]
        listed = ", ".join(f"{a.id} {open_load.get(a.id, 0)}/{a.capacity}" for a in skilled)
        return _queue(
            team,
            f"every skilled agent of team {team.id} is at capacity ({listed})",
            ReasonCode.AGENTS_AT_CAPACITY,
            {"team": team.id, "loads": loads},
        )

    def rank(agent: Agent) -> tuple[bool, int, str]:
        on_shift = roster.working_hours(agent.id).contains(now)
        return (not on_shift, open_load.get(agent.id, 0), agent.id)

    chosen = min(available, key=rank)
    on_shift = roster.working_hours(chosen.id).contains(now)
    open_tickets = open_load.get(chosen.id, 0)
    reason = (
        f"{chosen.id} covers the ticket, is {'on shift' if on_shift else 'off shift'} and has "
        f"{open_tickets} of {chosen.capacity} open tickets"
    )
    return Assignment(
        team=team.id,
        assignee=chosen.id,
        reason=reason,
        reason_code=ReasonCode.AGENT_CHOSEN,
        reason_params={
            "agent": chosen.id,
            "on_shift": on_shift,
            "open_tickets": open_tickets,
            "capacity": chosen.capacity,
        },
    )


def _without_team(roster: Roster, needs: TicketNeeds) -> Assignment:
    reason = (
        f"no team in roster {roster.source} serves tier {needs.tier.value} with "
        f"module {needs.module} or intent {needs.intent.value}"
    )
    logger.warning("ticket left without a team: %s", reason)
    return Assignment(
        team=None,
        assignee=None,
        reason=reason,
        reason_code=ReasonCode.NO_TEAM,
        reason_params={
            "roster": roster.source,
            "tier": needs.tier.value,
            "module": needs.module,
            "intent": needs.intent.value,
        },
    )


def _queue(team: Team, cause: str, code: ReasonCode, params: Mapping[str, JsonValue]) -> Assignment:
    reason = f"{cause}; the ticket waits in the team queue"
    logger.warning("ticket queued for team %s: %s", team.id, reason)
    return Assignment(
        team=team.id, assignee=None, reason=reason, reason_code=code, reason_params=params
    )
