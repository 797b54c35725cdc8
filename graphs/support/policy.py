"""Default routing policy: which action each intent leads to, at which tier and priority."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.domain import ActionType, Intent, Priority, Tier

ANSWERABLE_INTENTS = frozenset(
    {Intent.HOW_TO, Intent.TROUBLESHOOTING, Intent.PERMISSIONS, Intent.ACCOUNT_ACCESS}
)
"""Intents the assistant answers from the KB when retrieval is confident."""

RETRIEVING_INTENTS = ANSWERABLE_INTENTS | {
    Intent.BUG_REPORT,
    Intent.BILLING,
    Intent.OUTAGE,
    Intent.OUT_OF_SCOPE,
}
"""Intents whose retrieved chunks are useful: for the answer, for the ticket's module, or to
notice that an "out of scope" question is about a topic the KB has an article on."""

MAX_CLARIFICATIONS = 1
UNSURE_INTENTS = frozenset({Intent.OUT_OF_SCOPE, Intent.FEEDBACK})
"""Intents that, when recognized with low confidence, more likely mean a vague request."""
MIN_SURE_INTENT_CONFIDENCE = 0.5
"""Below this, an out-of-scope or feedback verdict gets a clarifying question first."""
VAGUE_MESSAGE_MAX_TOKENS = 6
"""A low-confidence question with at most this many search tokens gets a clarifying question."""


@dataclass(frozen=True)
class TicketPlan:
    """The ticket an action opens: its tier, priority and the reply template to announce it."""

    action: ActionType
    tier: Tier
    priority: Priority
    reply_key: str


TICKET_PLANS: dict[Intent, TicketPlan] = {
    Intent.BUG_REPORT: TicketPlan(ActionType.OPEN_TICKET, Tier.L2, Priority.NORMAL, "bug"),
    Intent.OUTAGE: TicketPlan(ActionType.ESCALATE, Tier.L2, Priority.URGENT, "outage_escalated"),
    Intent.DATA_LOSS_SECURITY: TicketPlan(
        ActionType.ESCALATE, Tier.L3, Priority.URGENT, "security_escalated"
    ),
    Intent.BILLING: TicketPlan(ActionType.HANDOFF, Tier.L2, Priority.NORMAL, "handoff_billing"),
    Intent.HUMAN_HANDOFF: TicketPlan(ActionType.HANDOFF, Tier.L1, Priority.NORMAL, "handoff_human"),
    Intent.FEATURE_REQUEST: TicketPlan(
        ActionType.OPEN_TICKET, Tier.L1, Priority.LOW, "feature_logged"
    ),
}
"""Intents that always lead to a ticket, whatever the KB says."""

UNANSWERED_PLAN = TicketPlan(ActionType.OPEN_TICKET, Tier.L2, Priority.NORMAL, "ticket_opened")
"""Ticket for an answerable intent the KB could not answer."""

MODEL_NO_ANSWER_REASON = "the model found no answer in the retrieved articles"
"""Reason of the unanswered ticket when retrieval was confident but the LLM replied NO_ANSWER."""

INTENT_MODULES: dict[Intent, str] = {
    Intent.BILLING: "billing",
    Intent.ACCOUNT_ACCESS: "account",
    Intent.PERMISSIONS: "permissions",
}
"""Module a ticket gets from its intent alone, before looking at retrieved chunks."""


def decide(
    intent: Intent,
    intent_confidence: float,
    confidence: float,
    min_confidence: float,
    clarifications: int,
    tokens: int,
) -> tuple[ActionType, str]:
    """Return the action for a message and the reason, in words for logs and ops.

    Args:
        intent: Recognized intent.
        intent_confidence: The classifier's confidence in it.
        confidence: Retrieval confidence of the best chunk.
        min_confidence: Retrieval confidence needed to answer.
        clarifications: Clarifying questions already asked in the conversation.
        tokens: Search tokens in the message.
    """
    if intent in TICKET_PLANS:
        return TICKET_PLANS[intent].action, f"{intent.value} is always routed to people"
    if intent in UNSURE_INTENTS and intent_confidence < MIN_SURE_INTENT_CONFIDENCE:
        if clarifications < MAX_CLARIFICATIONS:
            return ActionType.CLARIFY, f"unsure {intent.value} ({intent_confidence:.2f})"
        return UNANSWERED_PLAN.action, "still unclear after a clarifying question"
    if intent is Intent.OUT_OF_SCOPE:
        return ActionType.REFUSE, "out of scope"
    if intent in (Intent.GREETING, Intent.FEEDBACK):
        return ActionType.ANSWER, f"{intent.value} needs no KB answer"
    if confidence >= min_confidence:
        return ActionType.ANSWER, f"retrieval confidence {confidence:.2f} >= {min_confidence:.2f}"
    if clarifications < MAX_CLARIFICATIONS and tokens <= VAGUE_MESSAGE_MAX_TOKENS:
        return ActionType.CLARIFY, f"short question with low confidence {confidence:.2f}"
    return UNANSWERED_PLAN.action, f"retrieval confidence {confidence:.2f} < {min_confidence:.2f}"


FAREWELL_RE = re.compile(
    r"\b(?:thanks?|thank\s+you|thx|ty|cheers|bye|goodbye|see\s+you)\b"
    r"|谢谢|感谢|多谢|谢啦|谢了|再见|拜拜|回头见",
    re.IGNORECASE,
)
"""Thanks and goodbyes: a greeting with one of them closes the conversation, not opens it."""


def is_farewell(message: str) -> bool:
    """Return whether a greeting thanks the assistant or bids it goodbye."""
    return FAREWELL_RE.search(message) is not None


UNSOLVED_MARKERS = (
    "still",
    "not work",
    "doesn't work",
    "does not work",
    "didn't help",
    "did not help",
    "not solved",
    "no luck",
    "same error",
    "还是",
    "仍然",
    "依然",
    "不行",
    "没用",
    "没有用",
    "没解决",
    "没有解决",
    "不管用",
    "还不",
    "照样",
)
"""Phrases by which a user says the answer they got did not solve the problem."""


def is_unsolved_follow_up(message: str) -> bool:
    """Return whether a follow-up message says the previous answer did not help."""
    lowered = message.casefold()
    return any(marker in lowered for marker in UNSOLVED_MARKERS)


UNSOLVED_FOLLOW_UP_REASON = "the user says the previous answer did not solve the problem"
"""Reason of the ticket action that an "it did not help" follow-up to an answer calls for."""

DETAILS_ADDED_REASON = "details added to the open ticket"
"""Reason of the turn whose message added the details a pending ticket asked for."""

FOLLOW_UP_TICKET_REASONS = frozenset({UNSOLVED_FOLLOW_UP_REASON, DETAILS_ADDED_REASON})
"""Reasons of ticket turns whose message follows up an earlier one instead of asking a question.

Any other turn of an answerable intent that is not answered counts as a KB gap, so a new
follow-up path must add its reason here."""


def leaves_kb_unanswered(intent: str, action: str, reason: str) -> bool:
    """Return whether a turn left a question unanswered that the KB should answer.

    That is a turn of an answerable intent whose action is not `answer`. This covers a
    clarifying question or an unanswered ticket because retrieval was not confident, and an
    unanswered ticket because the model found no answer in confident articles. Follow-ups
    with a reason in `FOLLOW_UP_TICKET_REASONS` are left out. "It did not help" is a failed
    answer to the earlier question, which the KB-gaps report flags as `ticket_after_answer`,
    and details added to an open ticket ask nothing new.

    Args:
        intent: Final intent of the turn, after any override by the KB.
        action: Final action type.
        reason: Final action reason, as the graph's state stores it.
    """
    if intent not in {answerable.value for answerable in ANSWERABLE_INTENTS}:
        return False
    if action == ActionType.ANSWER.value:
        return False
    return reason not in FOLLOW_UP_TICKET_REASONS


def stated_problem(user_messages: Sequence[str]) -> str | None:
    """Return the last of the user's messages that states a problem, not "it did not help".

    Args:
        user_messages: The user's earlier messages in the conversation, oldest first.
    """
    for message in reversed(user_messages):
        if message.strip() and not is_unsolved_follow_up(message):
            return message
    return None
