"""State of the support agent graph; every value is plain data so checkpoints serialize."""

from __future__ import annotations

import operator
from typing import Annotated, NotRequired, TypedDict

from retrieval.related import RelatedArticle


class UserContext(TypedDict, total=False):
    """The asking user: id, role in the product, product version and locale."""

    id: str
    role: str
    product_version: str
    locale: str


class Turn(TypedDict):
    """One message of the conversation transcript."""

    role: str
    content: str


class IntentResult(TypedDict):
    """The recognized intent."""

    name: str
    confidence: float
    source: str


class Hit(TypedDict):
    """A retrieved chunk, as the answer composer and the citations need it."""

    chunk_id: str
    doc: str
    title: str
    heading_path: list[str]
    text: str
    score: float
    confidence: float
    roles: list[str]
    introduced_in: str | None
    removed_in: str | None
    language: str
    module: str
    topic_match: bool


class Citation(TypedDict):
    """A KB chunk that the answer quotes."""

    doc: str
    title: str
    chunk_id: str
    score: float


class ActionResult(TypedDict):
    """The agent's action: its type, the ticket it touched and the reason."""

    type: str
    ticket: dict[str, object] | None
    reason: str
    """Reason in English with the numbers behind the decision, for logs and ops."""
    reason_code: str
    """Stable `ActionReason` code of the reason. API replies show users its sentence."""


class InputState(TypedDict):
    """Input of one run: the user message and the user."""

    message: str
    user: UserContext


class OutputState(TypedDict):
    """Output of one run: the reply, its language, intent, action and citations."""

    answer: str
    language: str
    intent: IntentResult
    action: ActionResult
    citations: list[Citation]
    related: list[RelatedArticle]
    """KB documents for further reading: on the same topics as the cited ones, or next to a
    ticket the documents of the confident retrieved chunks."""
    retrieval_confidence: NotRequired[float]
    """Confidence of the best retrieved chunk, 0 when nothing was retrieved."""
    module: NotRequired[str]
    """Product module of the message: the intent's, a module it names, else the top hit's."""


class State(InputState, OutputState, total=False):
    """Full state of one conversation, kept across turns by the checkpointer."""

    transcript: Annotated[list[Turn], operator.add]
    """Every user and assistant message so far."""
    hits: list[Hit]
    """Chunks retrieved for the current message."""
    follow_up: bool
    """Whether the message is short and read with the user's previous one ("and swimlanes?")."""
    translated_terms: list[str]
    """Search tokens of the glossary's translations of the message's terms and, when an LLM
    translated the message for a KB in the other language only, of that translation."""
    clarifications: int
    """How many times the agent has asked the user to clarify in this conversation."""
    pending_ticket_id: str | None
    """Ticket waiting for details the user was asked for (bug reports)."""
    conversation_ticket_id: str | None
    """Latest ticket opened in this conversation. While it is neither resolved nor closed,
    messages that call for a ticket are added to it (escalating it if needed) instead."""
