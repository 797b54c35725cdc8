"""Default routing policy: which action each intent leads to, at which tier and priority."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from assistant.domain import ActionType, Intent, Language, Priority, Tier
from assistant.i18n import translate
from assistant.intents.vocabulary import Scope, load_lexicon

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


SEVERE_INTENT_CUES: dict[Intent, frozenset[str]] = {
    Intent.OUTAGE: frozenset({"down"}),
    Intent.DATA_LOSS_SECURITY: frozenset({"lost", "security"}),
    Intent.HUMAN_HANDOFF: frozenset({"human"}),
}
"""Intents that page on-call, the security team or a person, with the lexicon concepts whose
words confirm them ("down", "hacked", "talk to a person")."""
SEVERE_MIN_INTENT_CONFIDENCE = 0.5
"""Below this, a severe intent is kept only when the message has one of its cue words."""
SEVERE_QUESTION_MIN_INTENT_CONFIDENCE = 0.8
"""Below this, a severe intent of a how-to-shaped question ("does it work offline", "how do I
delete my account") is read as a how-to question, whatever its cue words, because they name
the topic of the question ("offline", "delete") rather than report an incident.

NOTE: 0.8 was picked above the 0.74 outage score of "does it work offline" and checked only
against the eval suite, not tuned on a labeled set of severe questions."""
_YES_NO_OPENER = re.compile(r"^\s*(?:does|do|is|are|will|can|could)\s+(?:it|you|the|this|i|we)\b")
"""English yes/no question openers ("does it ...", "is the ...") that the "how" concept lacks."""
QUESTION_CONCEPT = "how"
"""Lexicon concept of question openers: "how do", "where can", "can I", 怎么, 如何, 能否..."""


class ActionReason(StrEnum):
    """Stable code of the reason for an action, for logs, ops and API clients.

    Users read it as the sentence `action_reason_<code>` of `assistant/messages.yaml`, in the
    language of the reply (see `reason_text`). The English detail next to it in the state and
    the logs carries the numbers behind the decision.
    """

    PERSON_REQUESTED = "person_requested"
    BILLING_NEEDS_PERSON = "billing_needs_person"
    BUG_NEEDS_INVESTIGATION = "bug_needs_investigation"
    OUTAGE_ESCALATED = "outage_escalated"
    SECURITY_ESCALATED = "security_escalated"
    FEATURE_REQUEST_LOGGED = "feature_request_logged"
    UNSURE_INTENT = "unsure_intent"
    """The classifier was unsure of an out-of-scope or feedback verdict, or of a severe intent
    in a how-to-shaped question that no KB page answers, so the agent clarifies."""
    UNCONFIRMED_SEVERE_INTENT = "unconfirmed_severe_intent"
    """The classifier was unsure of an outage, data loss or request for a person, and no cue
    word confirms it, so the message gets an ordinary ticket instead of an urgent one."""
    STILL_UNCLEAR = "still_unclear"
    """The message was still unclear after a clarifying question, so the agent opens a ticket."""
    OUT_OF_SCOPE = "out_of_scope"
    SMALL_TALK = "small_talk"
    """A greeting, thanks or feedback, which needs no KB answer."""
    KB_ANSWER_FOUND = "kb_answer_found"
    QUESTION_TOO_VAGUE = "question_too_vague"
    """A short question had low retrieval confidence, so the agent clarifies."""
    UNKNOWN_TERMS = "unknown_terms"
    """Most of the question's weight (half, in a question of up to three words) is on words
    that no KB page uses, so the agent clarifies."""
    KB_ANSWER_NOT_FOUND = "kb_answer_not_found"
    MODEL_FOUND_NO_ANSWER = "model_found_no_answer"
    """Retrieval was confident, but the LLM replied that the articles do not answer."""
    PREVIOUS_ANSWER_UNSOLVED = "previous_answer_unsolved"
    DETAILS_ADDED = "details_added"
    """The message adds the details that a pending ticket asked for."""
    KB_ARTICLE_ON_TOPIC = "kb_article_on_topic"
    """Out of scope to the classifier, but the KB has an article on the message's topic."""
    ADDED_TO_OPEN_TICKET = "added_to_open_ticket"
    """The message calls for a ticket, but the conversation has one open, so it was added."""
    BULK_ACTION_NOT_DOCUMENTED = "bulk_action_not_documented"
    """The question asks to act on many items at once and no page found speaks of that, so the
    request is logged for the product team instead of quoting the one-item steps."""
    FAILURE_NOT_DOCUMENTED = "failure_not_documented"
    """The message reports that something went wrong and asks nothing, and no confident
    passage speaks of a failure, so people look into it as a possible bug."""
    REMEDY_ALREADY_TRIED = "remedy_already_tried"
    """The message reports a failure and that the usual fix fails too ("reconnecting fails
    too"), so quoting that fix again would not help: people look into it."""
    OPEN_TICKET_ESCALATED = "open_ticket_escalated"
    """The message needs a higher tier or priority, so the conversation's open ticket was
    escalated instead of opening another."""


def reason_text(code: str, language: Language | str) -> str:
    """Return the user-facing sentence of an `ActionReason` code in a language.

    Raises:
        ValueError: when `code` is not an `ActionReason` value.
    """
    return translate(f"action_reason_{ActionReason(code).value}", language)


TICKET_REASONS = frozenset(
    {
        ActionReason.PERSON_REQUESTED,
        ActionReason.BILLING_NEEDS_PERSON,
        ActionReason.BUG_NEEDS_INVESTIGATION,
        ActionReason.OUTAGE_ESCALATED,
        ActionReason.SECURITY_ESCALATED,
        ActionReason.FEATURE_REQUEST_LOGGED,
        ActionReason.STILL_UNCLEAR,
        ActionReason.KB_ANSWER_NOT_FOUND,
        ActionReason.MODEL_FOUND_NO_ANSWER,
        ActionReason.PREVIOUS_ANSWER_UNSOLVED,
        ActionReason.BULK_ACTION_NOT_DOCUMENTED,
        ActionReason.FAILURE_NOT_DOCUMENTED,
        ActionReason.REMEDY_ALREADY_TRIED,
        ActionReason.ADDED_TO_OPEN_TICKET,
        ActionReason.UNCONFIRMED_SEVERE_INTENT,
    }
)
"""Reasons the assistant opens a ticket for. The ticket stores the code as its `reason_code`.

`added_to_open_ticket` opens one only when the conversation's ticket was closed between the
decision and the action."""


def ticket_reason_label(code: str | None, language: Language | str) -> str | None:
    """Return support agents' label of the reason a ticket was opened for, in a language.

    A ticket without a reason code gets None. A code without a label, such as one stored by a
    newer version, is returned unchanged.
    """
    if code is None:
        return None
    try:
        return translate(f"ticket_reason_{code}", language)
    except KeyError:
        return code


class ActionDecision(NamedTuple):
    """An action the policy chose, with its reason code and the English detail for logs."""

    action: ActionType
    reason: ActionReason
    detail: str


@dataclass(frozen=True)
class TicketPlan:
    """The ticket an action opens: its tier, priority and the reply template to announce it."""

    action: ActionType
    tier: Tier
    priority: Priority
    reply_key: str
    reason: ActionReason
    """Reason of the action when the policy picks this plan. The unanswered plan also follows
    other reasons, such as a question still unclear after a clarifying question."""
    asks_bug_details: bool = False
    """Whether the reply asks for the bug details (version, steps, expected and actual result)
    that the message lacks, and the ticket waits for them."""


TICKET_PLANS: dict[Intent, TicketPlan] = {
    Intent.BUG_REPORT: TicketPlan(
        ActionType.OPEN_TICKET,
        Tier.L2,
        Priority.NORMAL,
        "bug",
        ActionReason.BUG_NEEDS_INVESTIGATION,
        asks_bug_details=True,
    ),
    Intent.OUTAGE: TicketPlan(
        ActionType.ESCALATE,
        Tier.L2,
        Priority.URGENT,
        "outage_escalated",
        ActionReason.OUTAGE_ESCALATED,
    ),
    Intent.DATA_LOSS_SECURITY: TicketPlan(
        ActionType.ESCALATE,
        Tier.L3,
        Priority.URGENT,
        "security_escalated",
        ActionReason.SECURITY_ESCALATED,
    ),
    Intent.BILLING: TicketPlan(
        ActionType.HANDOFF,
        Tier.L2,
        Priority.NORMAL,
        "handoff_billing",
        ActionReason.BILLING_NEEDS_PERSON,
    ),
    Intent.HUMAN_HANDOFF: TicketPlan(
        ActionType.HANDOFF,
        Tier.L1,
        Priority.NORMAL,
        "handoff_human",
        ActionReason.PERSON_REQUESTED,
    ),
    Intent.FEATURE_REQUEST: TicketPlan(
        ActionType.OPEN_TICKET,
        Tier.L1,
        Priority.LOW,
        "feature_logged",
        ActionReason.FEATURE_REQUEST_LOGGED,
    ),
}
"""Intents that always lead to a ticket, whatever the KB says."""

UNANSWERED_PLAN = TicketPlan(
    ActionType.OPEN_TICKET,
    Tier.L2,
    Priority.NORMAL,
    "ticket_opened",
    ActionReason.KB_ANSWER_NOT_FOUND,
)
"""Ticket for an answerable intent the KB could not answer."""

ADDED_TO_TICKET_PLAN = TicketPlan(
    ActionType.OPEN_TICKET,
    Tier.L1,
    Priority.LOW,
    "ticket_message_added",
    ActionReason.ADDED_TO_OPEN_TICKET,
)
"""Plan of a message that only joins the conversation's open ticket: the lowest tier and
priority, so it never escalates the ticket."""

BULK_ACTION_PLAN = TicketPlan(
    ActionType.OPEN_TICKET,
    Tier.L1,
    Priority.LOW,
    "bulk_action_logged",
    ActionReason.BULK_ACTION_NOT_DOCUMENTED,
)
"""Ticket for a request to act on many items at once that the KB does not describe."""

FAILURE_REPORT_PLAN = TicketPlan(
    ActionType.OPEN_TICKET,
    Tier.L2,
    Priority.NORMAL,
    "failure_not_documented",
    ActionReason.FAILURE_NOT_DOCUMENTED,
    asks_bug_details=True,
)
"""Ticket for a reported failure that the KB describes only as a working feature: L2 looks
into it as a possible bug, so the reply asks for the bug details."""

REMEDY_TRIED_PLAN = TicketPlan(
    ActionType.OPEN_TICKET,
    Tier.L2,
    Priority.NORMAL,
    "remedy_already_tried",
    ActionReason.REMEDY_ALREADY_TRIED,
    asks_bug_details=True,
)
"""Ticket for a failure whose documented fix the user already tried: L2 diagnoses it, so the
reply requests the bug details."""

MODEL_NO_ANSWER_REASON = "the model found no answer in the retrieved articles"
"""Detail of the unanswered ticket when retrieval was confident but the LLM replied NO_ANSWER."""

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
    *,
    unknown_terms: int = 0,
) -> ActionDecision:
    """Return the action for a message, its reason code and the detail for logs and ops.

    Args:
        intent: Recognized intent.
        intent_confidence: The classifier's confidence in it.
        confidence: Retrieval confidence of the best chunk.
        min_confidence: Retrieval confidence needed to answer.
        clarifications: Clarifying questions already asked in the conversation.
        tokens: Search tokens in the message.
        unknown_terms: Number of words of the message that no KB page uses. It is 0 unless
            they make up most of the message, in which case the search has no results.
    """
    routed = _route_to_people(intent, tokens, clarifications)
    if routed is not None:
        return routed
    unknown_detail = f"most of the question is {unknown_terms} words that no KB page uses"
    if intent in UNSURE_INTENTS and intent_confidence < MIN_SURE_INTENT_CONFIDENCE:
        if clarifications >= MAX_CLARIFICATIONS:
            detail = "still unclear after a clarifying question"
            return ActionDecision(UNANSWERED_PLAN.action, ActionReason.STILL_UNCLEAR, detail)
        if unknown_terms:
            # The unknown words tell the user more than an unsure classifier does.
            return ActionDecision(ActionType.CLARIFY, ActionReason.UNKNOWN_TERMS, unknown_detail)
        detail = f"unsure {intent.value} ({intent_confidence:.2f})"
        return ActionDecision(ActionType.CLARIFY, ActionReason.UNSURE_INTENT, detail)
    if intent is Intent.OUT_OF_SCOPE:
        return ActionDecision(ActionType.REFUSE, ActionReason.OUT_OF_SCOPE, "out of scope")
    if intent in (Intent.GREETING, Intent.FEEDBACK):
        detail = f"{intent.value} needs no KB answer"
        return ActionDecision(ActionType.ANSWER, ActionReason.SMALL_TALK, detail)
    if confidence >= min_confidence:
        detail = f"retrieval confidence {confidence:.2f} >= {min_confidence:.2f}"
        return ActionDecision(ActionType.ANSWER, ActionReason.KB_ANSWER_FOUND, detail)
    if clarifications < MAX_CLARIFICATIONS and unknown_terms:
        # Whatever its length, a question in words the KB does not use gets a clarifying
        # question before a ticket.
        return ActionDecision(ActionType.CLARIFY, ActionReason.UNKNOWN_TERMS, unknown_detail)
    if clarifications < MAX_CLARIFICATIONS and tokens <= VAGUE_MESSAGE_MAX_TOKENS:
        detail = f"short question with low confidence {confidence:.2f}"
        return ActionDecision(ActionType.CLARIFY, ActionReason.QUESTION_TOO_VAGUE, detail)
    detail = f"retrieval confidence {confidence:.2f} < {min_confidence:.2f}"
    return ActionDecision(UNANSWERED_PLAN.action, UNANSWERED_PLAN.reason, detail)


def is_how_to_shaped(message: str) -> bool:
    """Return whether a message is phrased as a question on how or whether something works."""
    if _YES_NO_OPENER.search(message.casefold()):
        return True
    return QUESTION_CONCEPT in load_lexicon().analyze(message).concepts


def is_unconfirmed_severe(intent: Intent, intent_confidence: float, message: str) -> bool:
    """Return whether a severe intent lacks the confidence or the cue words to page people.

    A severe intent is kept when the classifier is sure of it. Below that, a how-to-shaped
    question never confirms it, because its cue words name the topic of the question
    ("offline", "delete") rather than report an incident. Any other message confirms it with a
    confidence of at least `SEVERE_MIN_INTENT_CONFIDENCE` or with a cue word of the intent.
    """
    cues = SEVERE_INTENT_CUES.get(intent)
    if cues is None or intent_confidence >= SEVERE_QUESTION_MIN_INTENT_CONFIDENCE:
        return False
    if is_how_to_shaped(message):
        return True
    if intent_confidence >= SEVERE_MIN_INTENT_CONFIDENCE:
        return False
    return cues.isdisjoint(load_lexicon().analyze(message).concepts)


def decide_unconfirmed_severe(
    intent: Intent,
    how_to_shaped: bool,
    confidence: float,
    min_confidence: float,
    clarifications: int,
    tokens: int,
) -> ActionDecision:
    """Return the action for a severe intent that `is_unconfirmed_severe` rejects.

    A how-to-shaped question goes the how-to way: the KB answer when retrieval is confident,
    else a clarifying question, and a ticket once one was asked. A message without search
    tokens gets a clarifying question, as in `decide`. Any other message may still report a
    problem, so people get it as an ordinary ticket instead of an urgent one.
    """
    if tokens == 0:
        return _without_words(intent, clarifications)
    if not how_to_shaped:
        detail = "severe intent without confidence or cue words"
        return ActionDecision(
            UNANSWERED_PLAN.action, ActionReason.UNCONFIRMED_SEVERE_INTENT, detail
        )
    if confidence >= min_confidence:
        detail = f"retrieval confidence {confidence:.2f} >= {min_confidence:.2f}"
        return ActionDecision(ActionType.ANSWER, ActionReason.KB_ANSWER_FOUND, detail)
    if clarifications >= MAX_CLARIFICATIONS:
        detail = "still unclear after a clarifying question"
        return ActionDecision(UNANSWERED_PLAN.action, ActionReason.STILL_UNCLEAR, detail)
    detail = f"unsure severe intent in a how-to question, retrieval confidence {confidence:.2f}"
    return ActionDecision(ActionType.CLARIFY, ActionReason.UNSURE_INTENT, detail)


def _route_to_people(intent: Intent, tokens: int, clarifications: int) -> ActionDecision | None:
    """Return the action for an intent that people handle, or None for the other intents."""
    if intent not in TICKET_PLANS:
        return None
    if tokens == 0 and intent is not Intent.HUMAN_HANDOFF:
        return _without_words(intent, clarifications)
    plan = TICKET_PLANS[intent]
    return ActionDecision(plan.action, plan.reason, f"{intent.value} is always routed to people")


def _without_words(intent: Intent, clarifications: int) -> ActionDecision:
    """Return the action for a message of only stop words or punctuation ("的 了 吗", "？？？").

    The classifier's guess has nothing to go on, and a guess of data loss would page the
    security team, so the agent requests a clearer message.
    """
    if clarifications >= MAX_CLARIFICATIONS:
        detail = "still no words to act on after a clarifying question"
        return ActionDecision(UNANSWERED_PLAN.action, ActionReason.STILL_UNCLEAR, detail)
    detail = f"{intent.value} guessed from a message without words to act on"
    return ActionDecision(ActionType.CLARIFY, ActionReason.QUESTION_TOO_VAGUE, detail)


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
"""Detail of the ticket action that an "it did not help" follow-up to an answer calls for."""

DETAILS_ADDED_REASON = "details added to the open ticket"
"""Detail of the turn whose message added the details a pending ticket asked for."""

FOLLOW_UP_TICKET_REASONS = frozenset(
    {ActionReason.PREVIOUS_ANSWER_UNSOLVED, ActionReason.DETAILS_ADDED}
)
"""Reasons of ticket turns whose message follows up an earlier one instead of asking a question.

Any other turn of an answerable intent that is not answered counts as a KB gap, so a new
follow-up path must add its reason here."""


def leaves_kb_unanswered(intent: str, action: str, reason_code: str) -> bool:
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
        reason_code: Final action's `ActionReason` code, as the graph's state stores it.
    """
    if intent not in {answerable.value for answerable in ANSWERABLE_INTENTS}:
        return False
    if action == ActionType.ANSWER.value:
        return False
    return reason_code not in FOLLOW_UP_TICKET_REASONS


def stated_problem(user_messages: Sequence[str]) -> str | None:
    """Return the last of the user's messages that states a problem.

    "It did not help" follow-ups and messages that name no topic ("agent please") state none.

    Args:
        user_messages: The user's earlier messages in the conversation, oldest first.
    """
    for message in reversed(user_messages):
        if message.strip() and not is_unsolved_follow_up(message) and names_topic(message):
            return message
    return None


TOPICLESS_CONCEPTS = frozenset({"human", "greeting", "assistant"})
"""Lexicon concepts of messages addressed to support itself: asking for a person, greeting or
thanking, and talking about the assistant."""


def names_topic(message: str) -> bool:
    """Return whether a message may name what the user needs help with.

    A message without product terms whose only cues ask for a person, greet or address the
    assistant ("转人工", "agent please", "hi") names no topic. Its words match KB articles only
    by chance, as 人工 matches 人工审核 in a refund article.
    """
    match = load_lexicon().analyze(message)
    if match.scope is not Scope.SUPPORT:
        return True
    return not TOPICLESS_CONCEPTS.issuperset(match.concepts)
