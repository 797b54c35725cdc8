"""Run one chat turn for the HTTP API and shape the reply as JSON or server-sent events."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from anyio import to_thread

from api.errors import EmptyMessageError, PayloadTooLargeError
from api.resources import Resources
from api.schemas import ActionPublic, ChatResponse, ChatUser, Timings
from assistant.onboarding.store import validate_user_id
from assistant.tenants import conversation_thread_id
from assistant.text import normalize
from graphs.support.policy import reason_text
from graphs.support.service import AgentReply
from graphs.support.state import UserContext
from retrieval.versions import parse_version

DELTA_MAX_CHARS = 12
"""Maximum length, in characters, of the text of one `delta` event or completion chunk."""

_PIECE_RE = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Turn:
    """A finished chat turn and how long its parts took."""

    reply: AgentReply
    started: float
    graph_ms: float
    timezone: str
    """IANA name of the support team's time zone, which the reply's text states due times in."""

    def timings(self) -> Timings:
        """Return the graph time and the time since the handler started, in ms."""
        total_ms = (time.perf_counter() - self.started) * 1000
        return Timings(graph_ms=round(self.graph_ms, 1), total_ms=round(total_ms, 1))


def check_message(message: str, max_chars: int) -> str:
    """Return the message when it is neither blank nor over `max_chars`.

    Raises:
        EmptyMessageError: the message is empty, or only white space, terminal escapes and
            invisible characters.
        PayloadTooLargeError: the message is longer than `max_chars`.
    """
    if not normalize(message).strip():
        raise EmptyMessageError()
    if len(message) > max_chars:
        raise PayloadTooLargeError(
            f"the message has {len(message)} characters, more than the limit of {max_chars}",
            code="message_too_long",
            length=len(message),
            limit=max_chars,
        )
    return message


def new_conversation_id(tenant: str, conversation_id: str | None) -> str:
    """Return the given conversation id after checking it, or a new one.

    Raises:
        InputError: the id has characters outside `[A-Za-z0-9_.:-]` or is too long.
    """
    if conversation_id is None:
        return uuid.uuid4().hex
    conversation_thread_id(tenant, conversation_id)
    return conversation_id


def user_context(user: ChatUser) -> UserContext:
    """Convert the request's user to the graph's user context.

    Raises:
        InputError: the user id is not of the form `validate_user_id` accepts, or the
            product version is not of the form 3.2 or 3.2.1.
    """
    context = UserContext()
    if user.id:
        context["id"] = validate_user_id(user.id)
    if user.role:
        context["role"] = user.role
    if user.locale:
        context["locale"] = user.locale
    if user.product_version:
        parse_version(user.product_version)
        context["product_version"] = user.product_version
    return context


async def run_turn(
    resources: Resources,
    tenant: str,
    kb: str,
    message: str,
    user: UserContext,
    conversation_id: str,
) -> Turn:
    """Run the agent on one message in a worker thread, so the event loop stays free.

    The worker thread is not abandoned when the client disconnects: the run finishes, so the
    conversation checkpoint and any ticket are committed whether or not anyone reads them.

    Raises:
        ConversationBusyError: another turn of the conversation, in this server process or in
            another one on the same data dir, ran for longer than the lock timeout.
    """
    started = time.perf_counter()
    graph_ms = 0.0

    def ask() -> AgentReply:
        # One thread hop for the agent lookup and the run, not one each.
        nonlocal graph_ms
        agent = resources.agents.get(tenant, kb)
        # The conversation first: a request that waits for another turn of its conversation
        # must not hold the KB lock, which the requests of other conversations need too.
        with agent.hold_conversation(conversation_id), resources.agents.kb_lock(tenant, kb):
            graph_started = time.perf_counter()
            reply = agent.ask(message, user, conversation_id)
            graph_ms = (time.perf_counter() - graph_started) * 1000
            return reply

    reply = await to_thread.run_sync(ask)
    return Turn(
        reply=reply, started=started, graph_ms=graph_ms, timezone=resources.settings.timezone
    )


def chat_response(turn: Turn) -> ChatResponse:
    """Return the JSON body of a non-streamed chat reply."""
    output = turn.reply.output
    return ChatResponse.model_validate(
        {
            "conversation_id": turn.reply.conversation_id,
            "answer": output["answer"],
            "language": output["language"],
            "intent": output["intent"],
            "citations": output["citations"],
            "related": output["related"],
            "action": action_public(turn).model_dump(),
            "timings": turn.timings(),
        }
    )


def action_public(turn: Turn) -> ActionPublic:
    """Return a turn's action in its public shape, with the reason in the reply's language."""
    output = turn.reply.output
    action = output["action"]
    ticket = action["ticket"]
    if ticket is not None:
        ticket = {**ticket, "timezone": turn.timezone}
    return ActionPublic.model_validate(
        {
            "type": action["type"],
            "reason": reason_text(action["reason_code"], output["language"]),
            "reason_code": action["reason_code"],
            "ticket": ticket,
        }
    )


def split_deltas(text: str, max_chars: int = DELTA_MAX_CHARS) -> Iterator[str]:
    """Yield pieces of `text` that join back to it exactly: words with their trailing space,
    and runs without spaces (Chinese) cut every `max_chars` characters."""
    for match in _PIECE_RE.finditer(text):
        piece = match.group()
        for start in range(0, len(piece), max_chars):
            yield piece[start : start + max_chars]


def sse_event(event: str, data: object) -> str:
    """Format one server-sent event with a JSON payload."""
    payload = json.dumps(data, ensure_ascii=False, default=str)
    return f"event: {event}\ndata: {payload}\n\n"
