"""Tickets of one conversation: one ticket for messages sent at once, and the reason code.

Two agents on one data dir stand for two server workers or CLI processes. Each has its own
checkpoint connection and ticket store, and they share the SQLite files.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import pytest

from api.web.routes import STATIC_DIR
from assistant.domain import Language
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import TicketRecord
from assistant.tickets.sla import target_met_at
from assistant.tickets.store import MAX_LIST_LIMIT
from graphs.support.policy import (
    ADDED_TO_TICKET_PLAN,
    BULK_ACTION_PLAN,
    FAILURE_REPORT_PLAN,
    TICKET_PLANS,
    TICKET_REASONS,
    UNANSWERED_PLAN,
    ticket_reason_label,
)
from graphs.support.service import AgentReply, SupportAgent
from graphs.support.state import UserContext
from tests.concurrency import raise_first_error, run_at_once

RACE_MESSAGES = ("talk to a human", "The whole site is down, nobody can log in")
"""Two messages that each open a ticket when they come first in a conversation."""
RACE_ROUNDS = 3


def _tickets_of(data_dir: Path, requester: str) -> list[TicketRecord]:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return [t for t in store.list(limit=MAX_LIST_LIMIT) if t.requester == requester]
    finally:
        store.close()


def _ask_at_once(
    agents: list[SupportAgent], user: UserContext, conversation_id: str
) -> list[AgentReply]:
    calls = [
        partial(agent.ask, message, user, conversation_id)
        for agent, message in zip(agents, RACE_MESSAGES, strict=True)
    ]
    return raise_first_error(run_at_once(calls))


@pytest.mark.parametrize("round_number", range(RACE_ROUNDS))
def test_messages_at_once_open_one_ticket(
    agents: list[SupportAgent], data_dir: Path, round_number: int
) -> None:
    user = UserContext(id=f"race-user-{round_number}", role="member")

    replies = _ask_at_once(agents, user, f"race-conversation-{round_number}")

    tickets = _tickets_of(data_dir, user["id"])
    assert len(tickets) == 1, [ticket.subject for ticket in tickets]
    ticket = tickets[0]
    assert ticket.conversation_id == f"race-conversation-{round_number}"
    assert len(replies) == len(RACE_MESSAGES)
    for reply in replies:
        summary = reply.output["action"]["ticket"]
        assert summary is not None and summary["id"] == ticket.id
        assert ticket.id in reply.output["answer"]
    joined = {"added_to_open_ticket", "open_ticket_escalated"}
    assert len([r for r in replies if r.output["action"]["reason_code"] in joined]) == 1
    user_lines = {message.content for message in ticket.transcript if message.role == "user"}
    assert user_lines == set(RACE_MESSAGES)


def test_message_after_race_joins_ticket(agents: list[SupportAgent], data_dir: Path) -> None:
    user = UserContext(id="race-then-follow-up", role="member")
    _ask_at_once(agents, user, "race-then-follow-up")

    follow_up = agents[0].ask("I still need a person", user, "race-then-follow-up")

    tickets = _tickets_of(data_dir, user["id"])
    assert len(tickets) == 1
    assert follow_up.output["action"]["reason_code"] == "added_to_open_ticket"


@pytest.mark.parametrize(
    ("message", "reason_code"),
    [
        ("talk to a human", "person_requested"),
        ("The whole site is down, nobody can log in", "outage_escalated"),
        (
            "I set the default role of new members to Editor, but invitees still join as Viewer.",
            "failure_not_documented",
        ),
    ],
    ids=["handoff", "outage", "failure-not-documented"],
)
def test_ticket_records_reason_code(
    agents: list[SupportAgent], data_dir: Path, message: str, reason_code: str
) -> None:
    user = UserContext(id=f"reason-{reason_code}", role="member", product_version="3.4")

    reply = agents[0].ask(message, user)

    tickets = _tickets_of(data_dir, user["id"])
    assert reply.output["action"]["reason_code"] == reason_code
    assert [ticket.reason_code for ticket in tickets] == [reason_code]
    assert tickets[0].conversation_id == reply.conversation_id


def test_ticket_reasons_have_labels() -> None:
    catalogs = {
        language: json.loads((STATIC_DIR / "i18n" / f"{language}.json").read_text("utf-8"))
        for language in Language
    }

    plans = [*TICKET_PLANS.values(), UNANSWERED_PLAN, BULK_ACTION_PLAN, FAILURE_REPORT_PLAN]
    assert {plan.reason for plan in [*plans, ADDED_TO_TICKET_PLAN]} <= TICKET_REASONS
    for reason in TICKET_REASONS:
        for language in Language:
            label = translate(f"ticket_reason_{reason.value}", language)
            assert catalogs[language][f"ticket_reason.{reason.value}"] == label
    assert ticket_reason_label(None, Language.EN) is None
    assert ticket_reason_label("code_of_a_newer_version", Language.ZH) == "code_of_a_newer_version"


def test_other_users_message_does_not_meet_sla(sample_agent: SupportAgent, data_dir: Path) -> None:
    alice = UserContext(id="alice-sla", role="member")
    bob = UserContext(id="bob-sla", role="member")
    opened = sample_agent.ask(
        "The Gantt export crashes with error 500 since 3.4", alice, "shared-sla"
    )
    assert opened.output["action"]["ticket"] is not None

    sample_agent.ask("Same here, the export crashes for me too", bob, "shared-sla")

    [ticket] = _tickets_of(data_dir, "alice-sla")
    comments = [event for event in ticket.events if event.actor == "bob-sla"]
    assert [event.data.get("role") for event in comments] == ["user"]
    assert target_met_at(ticket) is None
