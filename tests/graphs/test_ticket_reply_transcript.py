"""Replies about a conversation's ticket are stored in the ticket's transcript, in order."""

from __future__ import annotations

from pathlib import Path

from assistant.domain import Language
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import ASSISTANT_ACTOR, EventKind, TicketRecord
from graphs.support.service import AgentReply, SupportAgent
from graphs.support.state import UserContext

GANTT_BUG = "The Gantt export crashes with error 500 since 3.4"
STEPS = "Steps: open the Gantt chart and click Export PDF"


def _converse(agent: SupportAgent, messages: list[str], user: UserContext) -> list[AgentReply]:
    replies: list[AgentReply] = []
    for message in messages:
        conversation_id = replies[-1].conversation_id if replies else None
        replies.append(agent.ask(message, user, conversation_id))
    return replies


def _ticket(data_dir: Path, ticket_id: str) -> TicketRecord:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return store.get(ticket_id, tenant="default")
    finally:
        store.close()


def test_details_reply_is_in_ticket_transcript(sample_agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="details-reply-transcript", role="member", product_version="3.4")

    replies = _converse(sample_agent, [GANTT_BUG, STEPS], user)

    assert replies[1].output["action"]["reason_code"] == "details_added"
    summary = replies[1].output["action"]["ticket"]
    assert summary is not None
    ticket = _ticket(data_dir, summary["id"])
    details_reply = replies[1].output["answer"]
    assert details_reply == translate("ticket_details_added", Language.EN, ticket_id=ticket.id)
    conversation = [
        ("user", GANTT_BUG),
        ("assistant", replies[0].output["answer"]),
        ("user", STEPS),
        ("assistant", details_reply),
    ]
    assert [(message.role, message.content) for message in ticket.transcript] == conversation
    comment_texts = [
        event.data.get("text")
        for event in ticket.events
        if event.kind is EventKind.COMMENTED and event.actor == ASSISTANT_ACTOR
    ]
    assert comment_texts[-1] == details_reply
