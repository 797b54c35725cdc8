"""The internal summary of a ticket for the agent: the problem, what was tried, what is missing.

The summary is built from the ticket alone, without a model, in the agent's language or else
the ticket's. Quoted words of the requester or of earlier replies stay in the language they
were written in.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, JsonValue

from assistant.domain import MODULES, Intent, Language, Priority
from assistant.i18n import join_items, translate
from assistant.tickets.schemas import (
    ASSISTANT_ACTOR,
    EventKind,
    ReasonCode,
    TicketRecord,
    TranscriptMessage,
)
from graphs.support.bug_details import BugDetails
from graphs.support.policy import is_unsolved_follow_up, names_topic, stated_problem

EXCERPT_MAX_CHARS = 160
PROBLEM_MAX_CHARS = 400
DETAIL_INTENTS = frozenset({Intent.BUG_REPORT, Intent.TROUBLESHOOTING})
"""Intents whose tickets need the reproduction details: version, steps, expected and actual."""
_SOURCE_LINE_RE = re.compile(r"^\[\d+\]\s+(.+?)\s+\([^()]+\)$")
_WHITESPACE_RE = re.compile(r"\s+")
_INTENT_VALUES = frozenset(intent.value for intent in Intent)
_PRIORITY_VALUES = frozenset(priority.value for priority in Priority)


class TicketSummary(BaseModel):
    """The facts an agent needs before replying, in the agent's language."""

    problem: str
    """The problem in the requester's words, shortened."""
    tried: list[str]
    """Replies, comments and escalations on the ticket's problem so far, oldest first."""
    missing: list[str]
    """Information that the ticket still lacks."""


def ticket_intents(ticket: TicketRecord) -> frozenset[Intent]:
    """Return the ticket's intent and the intents it had before, from its `intent_changed` events.

    A bug report that a later message turned into an outage still lacks its reproduction
    details, so the draft and the summary look at every intent the ticket has had.
    """
    earlier = {
        Intent(str(event.data.get("from")))
        for event in ticket.events
        if event.kind is EventKind.INTENT_CHANGED and event.data.get("from") in _INTENT_VALUES
    }
    return frozenset({ticket.intent, *earlier})


def missing_detail_keys(ticket: TicketRecord) -> list[str]:
    """Return the message keys of the details the ticket lacks for its intents.

    Bug reports and troubleshooting need the version, the steps, the expected and the actual
    result. A permissions question needs the requester's role. The intents are those of
    `ticket_intents`, so the details are still asked for after an intent change.
    """
    details = ticket.details
    intents = ticket_intents(ticket)
    if intents & DETAIL_INTENTS:
        found = BugDetails(details.product_version, details.steps, details.expected, details.actual)
        return found.missing()
    if Intent.PERMISSIONS in intents and details.role is None:
        return ["draft_detail_role"]
    return []


def summarize_ticket(
    ticket: TicketRecord, language: Language | None = None, *, kb_answer: bool
) -> TicketSummary:
    """Summarize a ticket for the agent who replies to it.

    Args:
        ticket: The ticket, with its transcript and event log.
        language: Language of the agent reading the summary, or None for the ticket's language.
        kb_answer: Whether the draft quotes the KB. When False, a KB article is listed as
            missing too.
    """
    language = language or ticket.language
    missing = [translate(key, language) for key in missing_detail_keys(ticket)]
    if not kb_answer:
        missing.append(translate("summary_missing_kb", language))
    # Messages of the opening transcript precede every event, and the events are in time order.
    tried = _transcript_attempts(ticket, language) + _event_attempts(ticket, language)
    return TicketSummary(
        problem=shorten_text(_problem(ticket), PROBLEM_MAX_CHARS),
        tried=tried or [translate("summary_nothing_tried", language)],
        missing=missing,
    )


def problem_transcript(ticket: TicketRecord) -> tuple[TranscriptMessage, ...]:
    """Return the part of the ticket's transcript that is about its problem.

    A chat ticket's transcript contains the whole conversation, and its earlier messages may be
    about another topic, as "How do I save a Gantt baseline?" before "I was charged twice". The
    part starts at the requester's last message before the ticket opened that states the
    ticket's problem, and runs to the end of the transcript. A transcript without that message
    is returned whole, because nothing shows where the problem starts.
    """
    return ticket.transcript[_problem_start(ticket) :]


def requester_messages(ticket: TicketRecord) -> list[str]:
    """Return the requester's messages about the ticket's problem, oldest first.

    These are the requester's messages in `problem_transcript` from before the ticket opened,
    then the requester's comments on the ticket. Messages added to the transcript later are
    logged as comments too, so each message is listed once.
    """
    opening = ticket.transcript[_problem_start(ticket) : opening_transcript_length(ticket)]
    messages = [m.content for m in opening if m.role == "user"]
    return [*messages, *_requester_comments(ticket)]


def opening_transcript_length(ticket: TicketRecord) -> int:
    """Return the number of transcript messages the ticket had when it was opened.

    `TicketStore.add_message` logs every message added later as a `commented` event with the
    message's text, so the transcript's trailing messages are matched with those events, from
    the newest back. The first message without a matching event was already there at opening.
    """
    comments = [
        str(event.data.get("text") or "")
        for event in ticket.events
        if event.kind is EventKind.COMMENTED
    ]
    length = len(ticket.transcript)
    for message in reversed(ticket.transcript):
        if message.content not in comments:
            break
        last = len(comments) - 1 - comments[::-1].index(message.content)
        comments = comments[:last]
        length -= 1
    return length


def _requester_comments(ticket: TicketRecord) -> list[str]:
    return [
        str(event.data.get("text") or "")
        for event in ticket.events
        if event.kind is EventKind.COMMENTED and event.actor == ticket.requester
    ]


def _problem_start(ticket: TicketRecord) -> int:
    """Return the index of the requester's last message before opening that states the problem,
    or 0 without one.
    """
    problem = _problem(ticket).strip()
    opening = ticket.transcript[: opening_transcript_length(ticket)]
    starts = [
        index
        for index, message in enumerate(opening)
        if message.role == "user" and message.content.strip() == problem
    ]
    return starts[-1] if starts else 0


def _problem(ticket: TicketRecord) -> str:
    """Return the requester's statement of the problem.

    The problem is in the message that opened the ticket: its description. When an answer did
    not help, the ticket was opened by a follow-up such as "that did not help, still no
    emails", and the problem is the user's earlier message that stated it. A ticket opened by a
    message that names no topic ("转人工") takes the requester's latest message that does,
    including messages added after opening, but not an "it did not help" complaint while
    another message names a topic. It keeps its description when no message names one.
    Messages added after opening never replace a description that names a topic: a later
    "agent please" or "still broken" is not the problem.
    """
    opening = ticket.transcript[: opening_transcript_length(ticket)]
    user_messages = [m.content for m in opening if m.role == "user"]
    answered = any(m.role == "assistant" for m in opening)
    if answered and user_messages and is_unsolved_follow_up(user_messages[-1]):
        return stated_problem(user_messages[:-1]) or ticket.description
    if names_topic(ticket.description):
        return ticket.description
    with_topic = [
        message
        for message in [*user_messages, *_requester_comments(ticket)]
        if names_topic(message)
    ]
    return stated_problem(with_topic) or next(reversed(with_topic), ticket.description)


def _transcript_attempts(ticket: TicketRecord, language: Language) -> list[str]:
    """Describe the assistant's answers on the ticket's problem before the ticket opened, and
    the requester's "it did not help" follow-ups to them.

    Messages added after opening are described from their `commented` events, in time order.
    """
    attempts: list[str] = []
    answered = False
    opening = ticket.transcript[_problem_start(ticket) : opening_transcript_length(ticket)]
    for message in opening:
        if message.role == "assistant":
            attempts.append(_describe_answer(message.content, language))
            answered = True
        elif message.role == "user" and answered and is_unsolved_follow_up(message.content):
            excerpt = shorten_text(message.content, EXCERPT_MAX_CHARS)
            attempts.append(translate("summary_unsolved", language, excerpt=excerpt))
    return attempts


def _describe_answer(answer: str, language: Language) -> str:
    """Name the KB articles an answer cites, or quote the answer's start when it has no sources."""
    titles = _cited_titles(answer, language)
    if titles:
        return translate("summary_answered_from", language, titles=titles)
    excerpt = shorten_text(answer, EXCERPT_MAX_CHARS)
    return translate("summary_assistant_replied", language, excerpt=excerpt)


def _cited_titles(reply: str, language: Language) -> str | None:
    """Return the distinct titles of a reply's list of sources, joined, or None without one."""
    headers = {translate("answer_sources", other).strip() for other in Language}
    lines = [line.strip() for line in reply.splitlines()]
    if not headers & set(lines):
        return None
    start = next(index for index, line in enumerate(lines) if line in headers)
    matches = [_SOURCE_LINE_RE.match(line) for line in lines[start + 1 :]]
    titles = list(dict.fromkeys(match.group(1) for match in matches if match))
    return join_items(titles, language) or None


def _event_attempts(ticket: TicketRecord, language: Language) -> list[str]:
    """Describe the comments, escalations and changes of priority, intent and module in the log.

    The assistant's comments are its replies to the requester, such as the message that
    announced the ticket. A reply that the opening transcript contains too is described only
    once, by `_transcript_attempts`.
    """
    opening = ticket.transcript[: opening_transcript_length(ticket)]
    in_transcript = {m.content for m in opening if m.role == "assistant"}
    attempts: list[str] = []
    for event in ticket.events:
        if event.kind is EventKind.ESCALATED:
            attempts.append(_describe_escalation(event.data, language))
        elif event.kind is EventKind.PRIORITY_CHANGED:
            attempts.append(_describe_priority_change(event.data, language))
        elif event.kind is EventKind.INTENT_CHANGED:
            attempts.append(_describe_intent_change(event.data, language))
        elif event.kind is EventKind.MODULE_CHANGED:
            attempts.append(_describe_module_change(event.data, language))
        elif event.kind is EventKind.COMMENTED and event.actor == ASSISTANT_ACTOR:
            text = str(event.data.get("text") or "")
            if text and text not in in_transcript:
                attempts.append(_describe_answer(text, language))
        elif event.kind is EventKind.COMMENTED:
            attempts.append(_describe_comment(ticket, event.actor, event.data, language))
    return attempts


def _describe_comment(
    ticket: TicketRecord, actor: str, data: dict[str, JsonValue], language: Language
) -> str:
    """Describe a comment: the requester's words, or a reply naming the KB articles it cites."""
    text = str(data.get("text") or "")
    if actor == ticket.requester:
        excerpt = shorten_text(text, EXCERPT_MAX_CHARS)
        key = "summary_unsolved" if is_unsolved_follow_up(text) else "summary_requester_added"
        return translate(key, language, excerpt=excerpt)
    titles = _cited_titles(text, language)
    if titles:
        return translate("summary_replied_from", language, actor=actor, titles=titles)
    excerpt = shorten_text(text, EXCERPT_MAX_CHARS)
    return translate("summary_comment", language, actor=actor, excerpt=excerpt)


def _describe_escalation(data: dict[str, JsonValue], language: Language) -> str:
    """Describe an escalation with its reason in the reader's language when the server wrote it.

    A reason typed by a person has no `reason_code`, so it is quoted as written.
    """
    tier = data.get("to_tier", "?")
    reason = _describe_reason(data, language, tier=tier)
    return translate("summary_escalated", language, tier=tier, reason=reason)


def _describe_priority_change(data: dict[str, JsonValue], language: Language) -> str:
    """Describe a priority change, with its reason in the reader's language when the server
    wrote it."""
    to_priority = _priority_name(data.get("to"), language)
    reason = _describe_reason(data, language, priority=to_priority)
    from_priority = _priority_name(data.get("from"), language)
    return translate(
        "summary_priority_changed",
        language,
        from_priority=from_priority,
        to_priority=to_priority,
        reason=reason,
    )


_REASON_SUMMARY_KEYS: dict[str, str] = {
    ReasonCode.INTENT_NEEDS_TIER.value: "summary_reason_intent_needs_tier",
    ReasonCode.INTENT_NEEDS_PRIORITY.value: "summary_reason_intent_needs_priority",
    ReasonCode.MESSAGE_NEEDS_TIER.value: "summary_reason_message_needs_tier",
    ReasonCode.MESSAGE_NEEDS_PRIORITY.value: "summary_reason_message_needs_priority",
}
"""Message keys of the reasons of escalations and priority changes, by their reason code."""


def _describe_reason(data: dict[str, JsonValue], language: Language, **values: object) -> str:
    """Return the reason of an escalation or a priority change in the reader's language.

    A reason without one of the codes of `_REASON_SUMMARY_KEYS`, such as a reason typed by a
    person, is quoted as written. `values` fill the placeholders, such as the new tier, that
    the event data has outside the reason's parameters.
    """
    params = data.get("reason_params")
    key = _REASON_SUMMARY_KEYS.get(str(data.get("reason_code")))
    if key is None or not isinstance(params, dict):
        return shorten_text(str(data.get("reason") or "-"), EXCERPT_MAX_CHARS)
    intent = _intent_name(params.get("intent"), language)
    message = shorten_text(str(params.get("message") or ""), EXCERPT_MAX_CHARS)
    return translate(key, language, intent=intent, message=message, **values)


def _describe_intent_change(data: dict[str, JsonValue], language: Language) -> str:
    from_intent = _intent_name(data.get("from"), language)
    to_intent = _intent_name(data.get("to"), language)
    return translate(
        "summary_intent_changed", language, from_intent=from_intent, to_intent=to_intent
    )


def _describe_module_change(data: dict[str, JsonValue], language: Language) -> str:
    from_module = _module_name(data.get("from"), language)
    to_module = _module_name(data.get("to"), language)
    return translate(
        "summary_module_changed", language, from_module=from_module, to_module=to_module
    )


def _module_name(value: JsonValue, language: Language) -> str:
    """Return a module's name in a language, or the stored value when it is no known module."""
    name = str(value or "")
    return translate(f"module_{name}", language) if name in MODULES else name


def _intent_name(value: JsonValue, language: Language) -> str:
    """Return an intent's name in a language, or the stored value when it is no known intent."""
    name = str(value or "")
    return translate(f"intent_{name}", language) if name in _INTENT_VALUES else name


def _priority_name(value: JsonValue, language: Language) -> str:
    """Return a priority's name in a language, or the stored value when it is no known priority."""
    name = str(value or "")
    return translate(f"priority_{name}", language) if name in _PRIORITY_VALUES else name


def shorten_text(text: str, max_chars: int) -> str:
    """Return a text on one line, cut to `max_chars` characters with "…" when it is longer."""
    flat = _WHITESPACE_RE.sub(" ", text).strip()
    return flat if len(flat) <= max_chars else flat[: max_chars - 1].rstrip() + "…"
