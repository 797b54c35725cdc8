"""Automatic routing: team choice, skill match, capacity, shifts and load."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from assistant.domain import Intent, Language, Tier
from assistant.tickets.assignment import Assignment, TicketNeeds, choose_assignment, choose_team
from assistant.tickets.roster import Roster
from assistant.tickets.schemas import EventKind, ReasonCode
from tests.tickets.factories import make_agent, make_roster, shanghai

MONDAY_MORNING = shanghai(3, 10)
GANTT_EN = TicketNeeds(tier=Tier.L2, module="gantt", language=Language.EN, intent=Intent.BUG_REPORT)
NIGHT_SHIFT = {"start_hour": 0, "end_hour": 6}


def assign(
    roster: Roster,
    needs: TicketNeeds = GANTT_EN,
    open_load: Mapping[str, int] | None = None,
    now: datetime = MONDAY_MORNING,
) -> Assignment:
    return choose_assignment(roster, needs, open_load=open_load or {}, now=now)


def test_auto_assign_picks_skill_match() -> None:
    roster = make_roster(
        [
            make_agent("a-zh-only", languages=("zh",)),
            make_agent("b-tasks-only", modules=("tasks",)),
            make_agent("c-match", languages=("en",), modules=("gantt",)),
        ]
    )

    assignment = assign(roster)

    assert assignment.team == "l2-product"
    assert assignment.assignee == "c-match"


def test_auto_assign_prefers_lowest_open_load() -> None:
    roster = make_roster([make_agent("a-busy"), make_agent("b-idle"), make_agent("c-medium")])

    assignment = assign(roster, open_load={"a-busy": 4, "b-idle": 1, "c-medium": 2})

    assert assignment.assignee == "b-idle"
    assert "1 of 5 open tickets" in assignment.reason


def test_auto_assign_skips_agents_at_capacity() -> None:
    roster = make_roster([make_agent("a-full", capacity=2), make_agent("b-free", capacity=5)])

    assignment = assign(roster, open_load={"a-full": 2, "b-free": 4})

    assert assignment.assignee == "b-free"


def test_auto_assign_prefers_agent_on_shift() -> None:
    roster = make_roster([make_agent("a-night", working_hours=NIGHT_SHIFT), make_agent("b-day")])

    assignment = assign(roster, open_load={"a-night": 0, "b-day": 3})

    assert assignment.assignee == "b-day"
    assert "on shift" in assignment.reason


def test_auto_assign_falls_back_to_off_shift() -> None:
    roster = make_roster([make_agent("a-night", working_hours=NIGHT_SHIFT), make_agent("b-day")])
    saturday = shanghai(8, 12)

    assignment = assign(roster, open_load={"a-night": 1, "b-day": 0}, now=saturday)

    assert assignment.assignee == "b-day"
    assert "off shift" in assignment.reason


def test_auto_assign_breaks_ties_by_agent_id() -> None:
    roster = make_roster([make_agent("zeta"), make_agent("alpha"), make_agent("mu")])

    assignment = assign(roster)

    assert assignment.assignee == "alpha"


def test_auto_assign_queues_when_nobody_has_skills() -> None:
    roster = make_roster([make_agent("a-zh-only", languages=("zh",))])

    assignment = assign(roster)

    assert assignment.team == "l2-product"
    assert assignment.assignee is None
    assert "no agent of team l2-product covers module gantt, language en" in assignment.reason
    assert "team queue" in assignment.reason


def test_auto_assign_queues_when_all_at_capacity() -> None:
    roster = make_roster([make_agent("a", capacity=1), make_agent("b", capacity=2)])

    assignment = assign(roster, open_load={"a": 1, "b": 2})

    assert assignment.assignee is None
    assert "every skilled agent of team l2-product is at capacity (a 1/1, b 2/2)" in (
        assignment.reason
    )


def test_choose_team_prefers_intent_match() -> None:
    roster = make_roster([make_agent("a")])
    needs = TicketNeeds(
        tier=Tier.L3, module="gantt", language=Language.ZH, intent=Intent.DATA_LOSS_SECURITY
    )

    team = choose_team(roster, needs)

    assert team is not None
    assert team.id == "security"


def test_intent_team_assigns_whatever_module_the_ticket_names() -> None:
    roster = make_roster([make_agent("sec-1", team="security", modules=("gantt",), tiers=("L3",))])
    needs = TicketNeeds(
        tier=Tier.L3, module="billing", language=Language.EN, intent=Intent.DATA_LOSS_SECURITY
    )

    assignment = assign(roster, needs)

    assert assignment.team == "security"
    assert assignment.assignee == "sec-1"


def test_module_team_still_needs_the_module_skill() -> None:
    roster = make_roster([make_agent("tasks-only", modules=("tasks",))])

    assignment = assign(roster)

    assert assignment.team == "l2-product"
    assert assignment.assignee is None


def test_choose_team_matches_tier_and_module() -> None:
    roster = make_roster([make_agent("a")])
    needs = TicketNeeds(tier=Tier.L3, module="gantt", language=Language.ZH, intent=Intent.OUTAGE)

    team = choose_team(roster, needs)

    assert team is not None
    assert team.id == "l3-eng"


def test_no_team_leaves_ticket_without_team() -> None:
    roster = make_roster([make_agent("a")])
    needs = TicketNeeds(tier=Tier.L2, module="billing", language=Language.EN, intent=Intent.BILLING)

    assignment = assign(roster, needs)

    assert assignment.team is None
    assert assignment.assignee is None
    assert "no team in roster test-roster.yaml serves tier L2 with module billing" in (
        assignment.reason
    )


def test_chosen_agent_reason_code() -> None:
    roster = make_roster([make_agent("a-night", working_hours=NIGHT_SHIFT), make_agent("b-day")])

    assignment = assign(roster, open_load={"a-night": 0, "b-day": 3})

    assert assignment.reason_code is ReasonCode.AGENT_CHOSEN
    assert assignment.reason_params == {
        "agent": "b-day",
        "on_shift": True,
        "open_tickets": 3,
        "capacity": 5,
    }


def test_off_shift_agent_reason_params() -> None:
    roster = make_roster([make_agent("a-night", working_hours=NIGHT_SHIFT)])

    assignment = assign(roster, open_load={"a-night": 1}, now=shanghai(8, 12))

    assert assignment.reason_code is ReasonCode.AGENT_CHOSEN
    assert assignment.reason_params["on_shift"] is False


def test_no_skilled_agent_reason_code() -> None:
    roster = make_roster([make_agent("a-zh-only", languages=("zh",))])

    assignment = assign(roster)

    assert assignment.reason_code is ReasonCode.NO_SKILLED_AGENT
    assert assignment.reason_params == {
        "team": "l2-product",
        "module": "gantt",
        "language": "en",
        "tier": "L2",
    }


def test_agents_at_capacity_reason_code() -> None:
    roster = make_roster([make_agent("a", capacity=1), make_agent("b", capacity=2)])

    assignment = assign(roster, open_load={"a": 1, "b": 2})

    assert assignment.reason_code is ReasonCode.AGENTS_AT_CAPACITY
    assert assignment.reason_params == {
        "team": "l2-product",
        "loads": [
            {"agent": "a", "open_tickets": 1, "capacity": 1},
            {"agent": "b", "open_tickets": 2, "capacity": 2},
        ],
    }


def test_no_team_reason_code() -> None:
    roster = make_roster([make_agent("a")])
    needs = TicketNeeds(tier=Tier.L2, module="billing", language=Language.EN, intent=Intent.BILLING)

    assignment = assign(roster, needs)

    assert assignment.reason_code is ReasonCode.NO_TEAM
    assert assignment.reason_params == {
        "roster": "test-roster.yaml",
        "tier": "L2",
        "module": "billing",
        "intent": "billing",
    }


def test_assignment_event_records_reason() -> None:
    assignment = Assignment(
        team="l2-product",
        assignee=None,
        reason="nobody free",
        reason_code=ReasonCode.NO_SKILLED_AGENT,
        reason_params={"team": "l2-product", "tier": "L2"},
    )

    event = assignment.to_event("assistant")

    assert event.kind is EventKind.ASSIGNED
    assert event.data == {
        "team": "l2-product",
        "assignee": None,
        "reason": "nobody free",
        "reason_code": "no_skilled_agent",
        "reason_params": {"team": "l2-product", "tier": "L2"},
    }
    assert assignment.to_update().model_fields_set == {"team", "assignee"}
