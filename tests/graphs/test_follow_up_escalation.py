"""A later, more severe message escalates the conversation's open ticket: the ticket takes the
message's module, tier, priority and routing, and its log records which message did it and why.

The subject and the description stay those of the message that opened the ticket.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from pydantic import JsonValue

from assistant.domain import Language
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import EventKind, TicketEventRecord, TicketRecord
from assistant.tickets.store import MAX_LIST_LIMIT
from graphs.support.service import AgentReply, SupportAgent
from graphs.support.state import UserContext
from graphs.support.ticket_summary import summarize_ticket

GANTT_BUG = "The Gantt export crashes with error 500 since 3.4"
TASKS_LOST = (
    "All tasks in our project were deleted overnight, we lost everything, maybe a security breach"
)
"""A data loss report that names the tasks module."""
DATA_STOLEN = "Someone stole our data, this is a security incident"
"""A data loss report that names no module."""
OUTAGE = "Now the whole site is down, 503 everywhere"


@pytest.fixture
def agent(sample_agent: SupportAgent) -> SupportAgent:
    return sample_agent


@pytest.fixture
def store(sample_agent: SupportAgent) -> Iterator[TicketStore]:
    settings = Settings(data_dir=sample_agent.context.settings.data_dir)
    with closing(TicketStore(settings.resolved_database_url)) as ticket_store:
        yield ticket_store


def _converse(agent: SupportAgent, messages: list[str], user_id: str) -> list[AgentReply]:
    user = UserContext(id=user_id, role="member", product_version="3.4")
    replies = [agent.ask(messages[0], user)]
    for message in messages[1:]:
        replies.append(agent.ask(message, user, replies[0].conversation_id))
    return replies


def _ticket_of(store: TicketStore, requester: str) -> TicketRecord:
    tickets = [t for t in store.list(limit=MAX_LIST_LIMIT) if t.requester == requester]
    assert len(tickets) == 1, [t.subject for t in tickets]
    return tickets[0]


def _events(ticket: TicketRecord, kind: EventKind) -> list[TicketEventRecord]:
    return [event for event in ticket.events if event.kind is kind]


def _reason_params(event: TicketEventRecord) -> dict[str, JsonValue]:
    params = event.data["reason_params"]
    assert isinstance(params, dict), event.data
    return params


def test_security_follow_up_moves_ticket_to_its_module(
    agent: SupportAgent, store: TicketStore
) -> None:
    first, second = _converse(agent, [GANTT_BUG, TASKS_LOST], "follow-up-tasks-lost")

    ticket = _ticket_of(store, "follow-up-tasks-lost")
    assert first.output["module"] == "gantt"
    assert second.output["module"] == "tasks"
    assert second.output["action"]["reason_code"] == "open_ticket_escalated"
    assert ticket.module == "tasks"
    assert (ticket.tier.value, ticket.priority.value) == ("L3", "urgent")
    assert ticket.intent.value == "data_loss_security"
    assert ticket.team == "security-response"
    assert ticket.assignee is not None


def test_security_follow_up_keeps_subject_and_description(
    agent: SupportAgent, store: TicketStore
) -> None:
    _converse(agent, [GANTT_BUG, TASKS_LOST], "follow-up-keeps-subject")

    ticket = _ticket_of(store, "follow-up-keeps-subject")
    assert ticket.subject == GANTT_BUG
    assert ticket.description == GANTT_BUG
    assert ticket.reason_code == "bug_needs_investigation", "the reason it was opened for"
    user_lines = [message.content for message in ticket.transcript if message.role == "user"]
    assert user_lines == [GANTT_BUG, TASKS_LOST]


def test_security_follow_up_logs_why_and_what_changed(
    agent: SupportAgent, store: TicketStore
) -> None:
    _converse(agent, [GANTT_BUG, TASKS_LOST], "follow-up-logs-reason")

    ticket = _ticket_of(store, "follow-up-logs-reason")
    [escalated] = _events(ticket, EventKind.ESCALATED)
    assert escalated.data["reason_code"] == "message_needs_tier"
    assert _reason_params(escalated) == {
        "intent": "data_loss_security",
        "tier": "L3",
        "message": TASKS_LOST,
        "ticket_reason": "security_escalated",
    }
    assert TASKS_LOST in str(escalated.data["reason"])
    assert (escalated.data["from_tier"], escalated.data["to_tier"]) == ("L2", "L3")
    [module_changed] = _events(ticket, EventKind.MODULE_CHANGED)
    assert module_changed.data == {"from": "gantt", "to": "tasks"}
    [intent_changed] = _events(ticket, EventKind.INTENT_CHANGED)
    assert intent_changed.data == {"from": "bug_report", "to": "data_loss_security"}
    rerouted = _events(ticket, EventKind.ASSIGNED)[-1]
    assert rerouted.data["team"] == "security-response"
    changes = {EventKind.INTENT_CHANGED, EventKind.MODULE_CHANGED, EventKind.ESCALATED}
    assert len({event.at for event in ticket.events if event.kind in changes}) == 1, (
        "the changes are written together"
    )


def test_follow_up_without_module_keeps_module(agent: SupportAgent, store: TicketStore) -> None:
    _, second = _converse(agent, [GANTT_BUG, DATA_STOLEN], "follow-up-no-module")

    ticket = _ticket_of(store, "follow-up-no-module")
    assert second.output["module"] == "general"
    assert ticket.module == "gantt"
    assert _events(ticket, EventKind.MODULE_CHANGED) == []
    assert ticket.tier.value == "L3"
    [escalated] = _events(ticket, EventKind.ESCALATED)
    assert _reason_params(escalated)["message"] == DATA_STOLEN


def test_outage_follow_up_logs_reason_of_priority_change(
    agent: SupportAgent, store: TicketStore
) -> None:
    _, second = _converse(agent, [GANTT_BUG, OUTAGE], "follow-up-outage")

    ticket = _ticket_of(store, "follow-up-outage")
    assert (ticket.tier.value, ticket.priority.value) == ("L2", "urgent")
    assert ticket.module == second.output["module"]
    assert _events(ticket, EventKind.ESCALATED) == []
    [raised] = _events(ticket, EventKind.PRIORITY_CHANGED)
    assert (raised.data["from"], raised.data["to"]) == ("normal", "urgent")
    assert raised.data["reason_code"] == "message_needs_priority"
    assert _reason_params(raised) == {
        "intent": "outage",
        "priority": "urgent",
        "message": OUTAGE,
        "ticket_reason": "outage_escalated",
    }


@pytest.mark.parametrize("language", list(Language))
def test_summary_names_message_that_escalated(
    agent: SupportAgent, store: TicketStore, language: Language
) -> None:
    _converse(agent, [GANTT_BUG, TASKS_LOST], f"follow-up-summary-{language}")

    ticket = _ticket_of(store, f"follow-up-summary-{language}")
    tried = summarize_ticket(ticket, language, kb_answer=False).tried
    reason = translate(
        "summary_reason_message_needs_tier",
        language,
        intent=translate("intent_data_loss_security", language),
        tier="L3",
        message=TASKS_LOST,
    )
    assert translate("summary_escalated", language, tier="L3", reason=reason) in tried
    moved = translate(
        "summary_module_changed",
        language,
        from_module=translate("module_gantt", language),
        to_module=translate("module_tasks", language),
    )
    assert moved in tried


def test_long_follow_up_is_shortened_in_log(agent: SupportAgent, store: TicketStore) -> None:
    long_message = TASKS_LOST + ". " + "Every board, every comment and every file is gone. " * 10

    _converse(agent, [GANTT_BUG, long_message], "follow-up-long")

    ticket = _ticket_of(store, "follow-up-long")
    [escalated] = _events(ticket, EventKind.ESCALATED)
    logged = str(_reason_params(escalated)["message"])
    assert logged.endswith("…")
    assert long_message.startswith(logged.removesuffix("…"))
    assert len(logged) < len(long_message)
