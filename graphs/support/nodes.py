"""Nodes of the support agent: each takes the state and returns only the keys it changes."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime

from assistant.domain import ActionType, Intent, Language
from assistant.i18n import translate
from assistant.injection import without_instructions
from assistant.intents import IntentPrediction, recognize_intent
from assistant.intents.vocabulary import load_lexicon
from assistant.text import detect_language, tokenize
from assistant.tickets.schemas import TicketRecord
from assistant.tickets.store import ConversationTicketOpenError
from graphs.support.bulk_request import asks_for_bulk_action, describes_bulk_action
from graphs.support.compose import (
    NO_ANSWER,
    compose_clarify,
    compose_extractive,
    compose_with_llm,
)
from graphs.support.context import AgentContext
from graphs.support.failure_report import failure_not_documented, remedy_already_tried
from graphs.support.module_detection import detect_module
from graphs.support.policy import (
    ADDED_TO_TICKET_PLAN,
    ANSWERABLE_INTENTS,
    BULK_ACTION_PLAN,
    DETAILS_ADDED_REASON,
    FAILURE_REPORT_PLAN,
    INTENT_MODULES,
    MODEL_NO_ANSWER_REASON,
    QUESTION_CONCEPT,
    REMEDY_TRIED_PLAN,
    RETRIEVING_INTENTS,
    TICKET_PLANS,
    UNANSWERED_PLAN,
    UNSOLVED_FOLLOW_UP_REASON,
    ActionReason,
    TicketPlan,
    decide,
    decide_unconfirmed_severe,
    is_farewell,
    is_how_to_shaped,
    is_unconfirmed_severe,
    is_unsolved_follow_up,
)
from graphs.support.query_translation import translate_for_kb
from graphs.support.state import ActionResult, Hit, IntentResult, State, Turn
from graphs.support.ticketing import (
    add_requested_details,
    add_to_open_ticket,
    find_open_ticket,
    open_ticket_for,
    open_ticket_status,
)
from retrieval.related import RelatedArticle, confident_articles
from retrieval.search import SearchFilters, SearchHit

logger = logging.getLogger(__name__)

FOLLOW_UP_MAX_TOKENS = 4
"""A message this short is classified and searched together with the previous user message."""
DETAIL_INTENTS = frozenset({Intent.BUG_REPORT, Intent.TROUBLESHOOTING, Intent.HOW_TO})
"""Intents of a message that can carry the details a pending ticket asked for."""
FOLLOW_UP_INTENTS = ANSWERABLE_INTENTS | {Intent.BILLING}
"""Intents a short follow-up to a KB answer may be mistaken for when read alone."""
SMALL_TALK_INTENTS = frozenset({Intent.GREETING.value, Intent.FEEDBACK.value})
"""Intents of a previous message that gives a short message nothing to be read with."""
NEW_QUESTION_MIN_TOKENS = 2
"""A short message with a question opener and this many search tokens is a question of its own."""
FOLLOW_UP_MIN_CONFIDENCE = 0.5
"""A short follow-up classified below this is read together with the previous message."""
VERSION_MISMATCH_MARGIN = 0.05
"""Confidence by which a chunk outside the user's version must beat the best one inside it."""


def classify_intent(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Recognize the language and the intent of the latest user message."""
    context = runtime.context
    message = state["message"]
    locale = state.get("user", {}).get("locale", "")
    default = Language.ZH if locale.lower().startswith("zh") else Language.EN
    language = detect_language(message, default=default)
    prediction = recognize_intent(message, context.settings, context.classifier, context.llm)
    earlier = _earlier_user_message(state)
    # The intent in the state is still the previous turn's: after small talk ("hello", "thanks")
    # the message starts a new topic and is read alone.
    after_small_talk = state.get("intent", {}).get("name") in SMALL_TALK_INTENTS
    follow_up = (
        bool(earlier)
        and _is_short(message)
        and not after_small_talk
        and not _is_new_question(message)
    )
    if earlier and follow_up:
        # "and swimlanes?" means little alone, so it is classified with the question it follows.
        prediction = _read_with_previous_question(state, prediction, earlier, context)
    logger.info(
        "intent=%s confidence=%.2f source=%s language=%s",
        prediction.intent.value,
        prediction.confidence,
        prediction.source,
        language.value,
    )
    return {
        "language": language.value,
        "intent": {
            "name": prediction.intent.value,
            "confidence": round(prediction.confidence, 4),
            "source": prediction.source,
        },
        "transcript": [Turn(role="user", content=message)],
        "follow_up": follow_up,
        "hits": [],
        "retrieval_confidence": 0.0,
        "citations": [],
        "related": [],
    }


def retrieve_context(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Search the KB for the message, preferring chunks valid for the user's version.

    Also sets the message's module for the turn log, by the rule that routes its tickets.
    """
    intent = Intent(state["intent"]["name"])
    context = runtime.context
    if intent not in RETRIEVING_INTENTS and not _is_unconfirmed_severe(state):
        module = _ticket_module(intent, state["message"], [], 0.0)
        return {"hits": [], "translated_terms": [], "retrieval_confidence": 0.0, "module": module}
    query = _search_query(state)
    # Made once here, so the version-filtered and unfiltered searches share one model call.
    translated_query = translate_for_kb(context, query)
    version = state.get("user", {}).get("product_version") or None
    # A turn skips the semantic reranker. The answer quotes the first pages, which it never
    # moves, and the turn saves the CPU time of embedding the question. On the real questions
    # of benchmarks/, the only action it changed went wrong. A page on a neighbouring problem
    # that it brought up counted as covering the failure a user reported.
    result = context.kb.search(
        query, SearchFilters(version=version), translated_query=translated_query, rerank=False
    )
    best = result.hits[0].confidence if result.hits else 0.0
    if version:
        # A feature outside the user's version may still be what they ask about; the answer
        # then says which version brings or removed it.
        unfiltered = context.kb.search(
            query, SearchFilters(), translated_query=translated_query, rerank=False
        )
        if _prefer_other_versions(result.hits, unfiltered.hits):
            result, best = unfiltered, unfiltered.hits[0].confidence
    logger.info("retrieved hits=%d best_confidence=%.3f", len(result.hits), best)
    hits = [to_hit(h) for h in result.hits]
    module = _ticket_module(intent, state["message"], hits, context.settings.answer_min_confidence)
    return {
        "hits": hits,
        "translated_terms": result.translated_terms,
        "retrieval_confidence": best,
        "module": module,
    }


def _prefer_other_versions(in_version: list[SearchHit], any_version: list[SearchHit]) -> bool:
    """Return whether the unfiltered search fits the question better than the version search.

    It does when its best hit is clearly more confident, or when only its best hit has the
    question's topic in a title or heading (a WIP-limit question on a version without WIP
    limits) and is at least as confident.
    """
    if not any_version:
        return False
    best = in_version[0].confidence if in_version else 0.0
    other = any_version[0]
    if other.confidence > best + VERSION_MISMATCH_MARGIN:
        return True
    topic_only_outside = other.topic_match and not (in_version and in_version[0].topic_match)
    return topic_only_outside and other.confidence >= best


def decide_action(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Choose answer, clarify, open_ticket, escalate, handoff or refuse by the policy."""
    follow_up = _follow_up_action(state)
    if follow_up is not None:
        return {"action": follow_up}

    if Intent(state["intent"]["name"]) is Intent.FEEDBACK and find_open_ticket(
        runtime.context, _conversation_ticket_id(state)
    ):
        # A complaint while people work on the conversation's ticket is for them to read.
        detail = "feedback while the conversation's ticket is open"
        return {"action": _action(ADDED_TO_TICKET_PLAN.action, ADDED_TO_TICKET_PLAN.reason, detail)}

    topic_override = _kb_topic_override(state, runtime.context.settings.answer_min_confidence)
    if topic_override is not None:
        return topic_override

    intent = state["intent"]
    retrieval_confidence = state.get("retrieval_confidence", 0.0)
    min_confidence = runtime.context.settings.answer_min_confidence
    update: dict[str, Any] = {}
    if _is_unconfirmed_severe(state):
        # Nothing confirms the outage, data loss or request for a person, so the message is
        # read as a how-to question or an ordinary report instead of paging people.
        decision = decide_unconfirmed_severe(
            Intent(intent["name"]),
            is_how_to_shaped(state["message"]),
            retrieval_confidence,
            min_confidence,
            state.get("clarifications", 0),
            len(tokenize(state["message"])),
        )
        logger.info(
            "unconfirmed severe intent=%s confidence=%.2f, not paging",
            intent["name"],
            intent["confidence"],
        )
        update["intent"] = IntentResult(
            name=Intent.HOW_TO.value, confidence=intent["confidence"], source="policy"
        )
    else:
        decision = decide(
            Intent(intent["name"]),
            _intent_confidence(state),
            retrieval_confidence,
            min_confidence,
            state.get("clarifications", 0),
            len(tokenize(state["message"])),
            unknown_terms=len(_unknown_terms(state, runtime.context)),
        )
    if decision.reason is ActionReason.KB_ANSWER_FOUND and _bulk_action_undocumented(
        state, runtime.context
    ):
        detail = "asks to act on many items at once; no page found speaks of that"
        action = _action(BULK_ACTION_PLAN.action, BULK_ACTION_PLAN.reason, detail)
        return update | {"action": action}
    if decision.reason is ActionReason.KB_ANSWER_FOUND and _failure_undocumented(
        state, runtime.context
    ):
        detail = "reports a failure; the passages to quote only describe the feature"
        plan = FAILURE_REPORT_PLAN
        return update | {"action": _action(plan.action, plan.reason, detail)}
    if decision.reason is ActionReason.KB_ANSWER_FOUND and remedy_already_tried(state["message"]):
        detail = "reports a failure that persists after the usual fix"
        plan = REMEDY_TRIED_PLAN
        return update | {"action": _action(plan.action, plan.reason, detail)}
    return update | {"action": _action(decision.action, decision.reason, decision.detail)}


def _intent_confidence(state: State) -> float:
    """Return the classifier's confidence in the state's intent, 0 for a rule's verdict."""
    intent = state["intent"]
    # The classifier's out-of-scope rule fires on low scores; its confidence is not certainty.
    return 0.0 if intent["source"] == "rule" else intent["confidence"]


def _is_unconfirmed_severe(state: State) -> bool:
    """Return whether the state's severe intent lacks the confidence or cue words to page."""
    intent = Intent(state["intent"]["name"])
    return is_unconfirmed_severe(intent, _intent_confidence(state), state["message"])


def _failure_undocumented(state: State, context: AgentContext) -> bool:
    """Return whether the message reports a failure, asks nothing, and no confident hit
    covers it.

    All confident hits are read, not only the ones the answer quotes: a troubleshooting page
    ranked second still means the KB knows the failure.
    """
    min_confidence = context.settings.answer_min_confidence
    confident = [hit for hit in state["hits"] if hit["confidence"] >= min_confidence]
    if not confident:
        return False
    return failure_not_documented(
        state["message"], confident, state["language"], state.get("translated_terms", [])
    )


def _bulk_action_undocumented(state: State, context: AgentContext) -> bool:
    """Return whether the message asks to act on many items at once and no sentence of the best
    page found speaks of many of the items asked about. Other pages are not read: a neighboring
    page may speak of many items in passing."""
    hits = state["hits"]
    if not hits or not asks_for_bulk_action(state["message"], Language(state["language"])):
        return False
    return not describes_bulk_action(state["message"], context.kb.page_text(hits[0]["doc"]))


def _unknown_terms(state: State, context: AgentContext) -> list[str]:
    """Return the words of the searched message that no KB page uses, when they make up most
    of it and so left the search without results.

    They are looked up again rather than kept from `retrieve_context`, because the graph state
    has no key for them. The lookup is cheap: it tokenizes (cached) and checks a few words. It
    needs no LLM translation, because one is made only for a KB without pages in the message's
    language, and words are never unknown to such a KB.
    """
    if state.get("hits") or Intent(state["intent"]["name"]) not in RETRIEVING_INTENTS:
        return []
    return context.kb.unknown_terms(_search_query(state))


def _action(action_type: ActionType, reason: ActionReason, detail: str) -> ActionResult:
    """Log an action the agent chose and return it without a ticket."""
    logger.info("action=%s reason_code=%s reason=%s", action_type.value, reason.value, detail)
    return ActionResult(
        type=action_type.value, ticket=None, reason=detail, reason_code=reason.value
    )


def _follow_up_action(state: State) -> ActionResult | None:
    """Return the ticket action a follow-up to the previous turn calls for, if any."""
    intent = Intent(state["intent"]["name"])
    # A how-to question of its own ("How do I set up SSO?") starts a new topic. It carries none
    # of the details the pending ticket waits for, so it is answered like any other question.
    new_question = intent is Intent.HOW_TO and _is_new_question(state["message"])
    if state.get("pending_ticket_id") and intent in DETAIL_INTENTS and not new_question:
        return _action(ActionType.OPEN_TICKET, ActionReason.DETAILS_ADDED, DETAILS_ADDED_REASON)

    # The action in the state is still the previous turn's until this node replaces it.
    previous = state.get("action")
    answered_before = previous is not None and previous["type"] == ActionType.ANSWER.value
    if answered_before and is_unsolved_follow_up(state["message"]):
        return _action(
            ActionType.OPEN_TICKET,
            ActionReason.PREVIOUS_ANSWER_UNSOLVED,
            UNSOLVED_FOLLOW_UP_REASON,
        )
    return None


def draft_answer(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Answer from the KB with citations, or greet / thank when no KB answer is needed.

    When the LLM finds no answer in the retrieved chunks, the node changes the action to the
    unanswered ticket and writes no reply: `take_action` runs next and announces the ticket.
    """
    language = Language(state["language"])
    intent = Intent(state["intent"]["name"])
    context = runtime.context
    if intent in (Intent.GREETING, Intent.FEEDBACK):
        return _reply(_small_talk_reply(state, context, intent, language))
    user = state.get("user", {})
    composed = None
    if context.llm is not None:
        composed = compose_with_llm(context.llm, state["message"], state["hits"], language, user)
    if composed is NO_ANSWER:
        action = _action(
            UNANSWERED_PLAN.action, ActionReason.MODEL_FOUND_NO_ANSWER, MODEL_NO_ANSWER_REASON
        )
        return {"action": action}
    if composed is None:
        composed = compose_extractive(
            state["message"],
            state["hits"],
            language,
            user,
            context.settings.answer_min_confidence,
            state.get("translated_terms", []),
        )
    answer, citations = composed
    related = context.kb.related_articles(
        list(dict.fromkeys(c["doc"] for c in citations)),
        role=user.get("role") or None,
        version=user.get("product_version") or None,
        language=language.value,
    )
    return _reply(answer) | {"citations": citations, "related": related}


def _small_talk_reply(
    state: State, context: AgentContext, intent: Intent, language: Language
) -> str:
    """Return the reply to thanks, a goodbye or a greeting.

    A greeting while the conversation has an open ticket ("hello? anyone there?") gets the
    ticket's id and when people will reply, not the welcome; thanks get the ticket's id, not
    "glad I could help".
    """
    if intent is Intent.FEEDBACK:
        return translate("feedback_thanks", language)
    ticket = find_open_ticket(context, _conversation_ticket_id(state))
    if is_farewell(state["message"]):
        if ticket is None:
            return translate("farewell", language)
        return translate("farewell_ticket_open", language, ticket_id=ticket.id)
    if ticket is not None:
        return open_ticket_status(ticket, language, context.settings.timezone)
    return translate("greeting", language)


def write_reply(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Ask a clarifying question or decline an out-of-scope message."""
    language = Language(state["language"])
    if state["action"]["type"] == ActionType.CLARIFY.value:
        unknown: list[str] = []
        if state["action"]["reason_code"] == ActionReason.UNKNOWN_TERMS:
            unknown = _unknown_terms(state, runtime.context)
        update = _reply(compose_clarify(language, unknown))
        return update | {"clarifications": state.get("clarifications", 0) + 1}
    return _reply(translate("refuse_out_of_scope", language))


def take_action(state: State, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Open, escalate or hand off a ticket; the ticket is committed before the reply exists."""
    context = runtime.context
    language = Language(state["language"])
    pending = state.get("pending_ticket_id")
    if pending and state["action"]["reason_code"] == ActionReason.DETAILS_ADDED:
        ticket, answer = add_requested_details(context, pending, state, language)
        action = ActionResult(
            type=ActionType.OPEN_TICKET.value,
            ticket=_ticket_summary(ticket),
            reason=DETAILS_ADDED_REASON,
            reason_code=ActionReason.DETAILS_ADDED.value,
        )
        return _reply(answer) | {"action": action, "pending_ticket_id": None}
    plan = _ticket_plan(state)
    conversation_ticket = find_open_ticket(context, _conversation_ticket_id(state))
    if conversation_ticket is not None:
        return _update_open_ticket(state, context, conversation_ticket, plan, language)
    try:
        return _open_new_ticket(state, context, plan, language)
    except ConversationTicketOpenError as exc:
        # Another run of this conversation opened the ticket after this run read its state, as
        # two messages sent at once do, so the message joins that ticket.
        logger.info(
            "ticket %s of conversation %s was opened by a concurrent run; adding the message",
            exc.ticket_id,
            exc.conversation_id,
        )
        ticket = context.tickets.get(exc.ticket_id, tenant=context.tenant)
        return _update_open_ticket(state, context, ticket, plan, language)


def _ticket_plan(state: State) -> TicketPlan:
    """Return the plan of the ticket that the state's action calls for."""
    reason_code = state["action"]["reason_code"]
    if reason_code == ActionReason.BULK_ACTION_NOT_DOCUMENTED:
        return BULK_ACTION_PLAN
    if reason_code == ActionReason.FAILURE_NOT_DOCUMENTED:
        return FAILURE_REPORT_PLAN
    if reason_code == ActionReason.REMEDY_ALREADY_TRIED:
        return REMEDY_TRIED_PLAN
    if reason_code == ActionReason.ADDED_TO_OPEN_TICKET:
        return ADDED_TO_TICKET_PLAN
    return TICKET_PLANS.get(Intent(state["intent"]["name"]), UNANSWERED_PLAN)


def _open_new_ticket(
    state: State, context: AgentContext, plan: TicketPlan, language: Language
) -> dict[str, Any]:
    """Open the ticket of the plan and return the state update that announces it.

    Raises:
        ConversationTicketOpenError: a concurrent run of the conversation opened a ticket.
    """
    intent = Intent(state["intent"]["name"])
    module = _ticket_module(
        intent, state["message"], state["hits"], context.settings.answer_min_confidence
    )
    ticket, answer, missing = open_ticket_for(context, state, plan, module, language)
    action = ActionResult(
        type=plan.action.value,
        ticket=_ticket_summary(ticket),
        reason=state["action"]["reason"],
        reason_code=state["action"]["reason_code"],
    )
    return _reply(answer) | {
        "action": action,
        "pending_ticket_id": ticket.id if missing else None,
        "conversation_ticket_id": ticket.id,
        "related": _articles_for_ticket(state, context.settings.answer_min_confidence),
    }


def _update_open_ticket(
    state: State,
    context: AgentContext,
    ticket: TicketRecord,
    plan: TicketPlan,
    language: Language,
) -> dict[str, Any]:
    """Add the message to the conversation's open ticket, escalated if the message needs it."""
    module = _ticket_module(
        Intent(state["intent"]["name"]),
        state["message"],
        state["hits"],
        context.settings.answer_min_confidence,
    )
    ticket, answer, escalated = add_to_open_ticket(context, ticket, state, plan, language, module)
    previous_reason = state["action"]["reason"]
    if escalated:
        detail = f"{previous_reason}; escalated the open ticket {ticket.id}"
        action = _action(ActionType.ESCALATE, ActionReason.OPEN_TICKET_ESCALATED, detail)
    else:
        detail = f"{previous_reason}; added to the open ticket {ticket.id}"
        # Nothing was escalated or handed off: the message joined a ticket, as details do.
        action = _action(ActionType.OPEN_TICKET, ActionReason.ADDED_TO_OPEN_TICKET, detail)
    action["ticket"] = _ticket_summary(ticket)
    return _reply(answer) | {
        "action": action,
        "conversation_ticket_id": ticket.id,
        "related": _articles_for_ticket(state, context.settings.answer_min_confidence),
    }


def _conversation_ticket_id(state: State) -> str | None:
    # Conversations checkpointed before `conversation_ticket_id` existed only know a ticket
    # that waits for bug details.
    return state.get("conversation_ticket_id") or state.get("pending_ticket_id")


def _articles_for_ticket(state: State, min_confidence: float) -> list[RelatedArticle]:
    """Return the KB articles that may help the user while the ticket waits for a person.

    They are the documents of the confident retrieved chunks. They are not cited, because the
    reply makes no claim from them. An outage gets none: the words of "everything is down"
    match articles by chance, and the user needs the service back, not reading. A ticket after
    "that did not help" gets none either.
    """
    if state["intent"]["name"] == Intent.OUTAGE.value:
        return []
    if state["action"]["reason_code"] == ActionReason.PREVIOUS_ANSWER_UNSOLVED:
        # The KB's best articles just failed the user, and "that did not help" matches others
        # only by chance ("help" is in "help center").
        return []
    user = state.get("user", {})
    return confident_articles(
        state.get("hits", []),
        min_confidence,
        language=state["language"],
        role=user.get("role") or None,
        version=user.get("product_version") or None,
    )


def _kb_topic_override(state: State, min_confidence: float) -> dict[str, Any] | None:
    """Answer an "out of scope" question when the KB has an article on its most specific term.

    The classifier only knows the words of its training set, so a product question about an
    unseen feature ("How do I change my timezone?") can look out of scope to it.
    """
    hits = state.get("hits", [])
    if state["intent"]["name"] != Intent.OUT_OF_SCOPE.value or not hits:
        return None
    best = hits[0]
    if not best["topic_match"] or best["confidence"] < min_confidence:
        return None
    detail = f"out of scope to the classifier, but the KB has an article on it: {best['doc']}"
    return {
        "intent": IntentResult(
            name=Intent.HOW_TO.value, confidence=best["confidence"], source="kb"
        ),
        "action": _action(ActionType.ANSWER, ActionReason.KB_ARTICLE_ON_TOPIC, detail),
    }


def _reply(answer: str) -> dict[str, Any]:
    return {"answer": answer, "transcript": [Turn(role="assistant", content=answer)]}


def _search_query(state: State) -> str:
    """Return the message, or for a short follow-up the message after the user's previous one."""
    message = state["message"]
    earlier = _earlier_user_message(state)
    return f"{earlier} {message}" if earlier and state.get("follow_up") else message


def _read_with_previous_question(
    state: State, alone: IntentPrediction, earlier: str, context: AgentContext
) -> IntentPrediction:
    """Return the intent of a short message, read together with the user's previous one.

    The joined reading wins when the message means little alone (an unsure or out-of-scope
    prediction). It also wins when the previous question was answered from the KB and the
    joined reading keeps that intent: "Enterprise plan?" after a question on audit log
    retention is not a billing request. The joined message is classified only in those cases,
    because with an LLM each classification is a model call.
    """
    unclear = alone.confidence < FOLLOW_UP_MIN_CONFIDENCE or alone.intent is Intent.OUT_OF_SCOPE
    # The intent and action in the state are still the previous turn's.
    previous_intent = state.get("intent")
    previous_action = state.get("action")
    follows_answer = (
        previous_intent is not None
        and previous_action is not None
        and previous_action["type"] == ActionType.ANSWER.value
        and alone.intent in FOLLOW_UP_INTENTS
    )
    if not unclear and not follows_answer:
        return alone
    joined = recognize_intent(
        f"{earlier} {state['message']}", context.settings, context.classifier, context.llm
    )
    if unclear or (previous_intent is not None and joined.intent.value == previous_intent["name"]):
        return joined
    return alone


def _is_short(message: str) -> bool:
    return len(tokenize(message)) <= FOLLOW_UP_MAX_TOKENS


def _is_new_question(message: str) -> bool:
    """Tell whether a short message is a whole question of its own.

    "How do I set up an IP allowlist?" opens with a question and names its topic in two or
    more words, so it starts a new topic. "and on mobile?" or "what about guests?" do not.
    """
    opens_question = QUESTION_CONCEPT in load_lexicon().analyze(message).concepts
    return opens_question and len(tokenize(message)) >= NEW_QUESTION_MIN_TOKENS


def _earlier_user_message(state: State) -> str | None:
    """Return the user's previous message in this conversation, if any."""
    transcript = state.get("transcript", [])
    current = state["message"]
    earlier = [t["content"] for t in transcript if t["role"] == "user"]
    if earlier and earlier[-1] == current:
        earlier = earlier[:-1]
    return earlier[-1] if earlier else None


def to_hit(hit: SearchHit) -> Hit:
    """Convert a search hit to the plain-data hit that the state and the composers use.

    Lines of the chunk that speak to the assistant are left out, so no answer, draft or model
    prompt ever carries them.
    """
    chunk = hit.chunk
    return Hit(
        chunk_id=chunk.chunk_id,
        doc=chunk.doc,
        title=chunk.title,
        heading_path=list(chunk.heading_path),
        text=without_instructions(chunk.text),
        score=hit.score,
        confidence=hit.confidence,
        roles=list(chunk.roles),
        introduced_in=chunk.introduced_in,
        removed_in=chunk.removed_in,
        language=chunk.language,
        module=chunk.module,
        topic_match=hit.topic_match,
    )


def _ticket_module(intent: Intent, message: str, hits: list[Hit], min_confidence: float) -> str:
    if intent in INTENT_MODULES:
        return INTENT_MODULES[intent]
    mentioned = detect_module(message)
    if mentioned:
        return mentioned
    if hits and hits[0]["confidence"] >= min_confidence:
        return hits[0]["module"]
    return "general"


def _ticket_summary(ticket: Any) -> dict[str, object]:
    due = ticket.fix_plan_due_at or ticket.diagnosis_due_at or ticket.first_reply_due_at
    return {
        "id": ticket.id,
        "tier": ticket.tier.value,
        "priority": ticket.priority.value,
        "status": ticket.status.value,
        "team": ticket.team,
        "assignee": ticket.assignee,
        "sla_due_at": due.isoformat() if due else None,
    }
