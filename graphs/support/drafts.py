"""Draft a support agent's reply to a ticket from the KB and the ticket's transcript.

The draft is in the ticket's language and cites the KB chunks it uses. The embedded engine
quotes the chunks, as the chat answers do. With an LLM configured, the model writes the body,
and a body that cites nothing retrieved is replaced by the quotes. When no chunk is relevant
enough, or the model replies that the chunks do not help, the draft is a holding reply. Bug
reports, and troubleshooting tickets without a KB answer, also ask for the reproduction details
the ticket lacks, even after a later message turned the ticket into an outage. Outage drafts say
that the outage is handled as urgent, and billing drafts say what the agent checks on the
account. The draft is about the ticket's own problem, so messages of the conversation before the
one that states it are not searched. A ticket whose requester has not said what they need
("转人工" alone) gets no search, and its draft asks what they need help with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from assistant.domain import Intent, Language
from assistant.drafts.schemas import DraftCitation, DraftContent, DraftEngine
from assistant.errors import InputError
from assistant.i18n import join_items, translate
from assistant.intents.vocabulary import Scope, load_lexicon
from assistant.llm import LLMClient
from assistant.prompts import render_prompt
from assistant.text import tokenize
from assistant.tickets.schemas import TicketRecord
from graphs.support.compose import (
    NO_ANSWER,
    ModelVerdict,
    complete_with_citations,
    quote_evidence,
    source_lines,
)
from graphs.support.nodes import to_hit
from graphs.support.policy import ANSWERABLE_INTENTS, names_topic
from graphs.support.state import Citation, Hit, UserContext
from graphs.support.ticket_summary import (
    DETAIL_INTENTS,
    missing_detail_keys,
    problem_transcript,
    requester_messages,
    ticket_intents,
)
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters
from retrieval.versions import parse_version

logger = logging.getLogger(__name__)

MAX_QUERIES = 3
"""Maximum number of requester messages searched. The draft uses the best-matching one."""
LLM_MAX_SENTENCES = 8
LLM_MAX_TRANSCRIPT_MESSAGES = 12
"""The latest messages of the ticket's problem transcript put in the LLM prompt."""
DRAFT_PROMPT = "draft_reply"
KB_ANSWER_INTENTS = ANSWERABLE_INTENTS | {Intent.BILLING, Intent.HUMAN_HANDOFF}
"""Intents whose drafts quote the KB whenever its best chunk is confident enough: questions the
KB answers, billing questions, and requests for a person, which often follow such a question."""


@dataclass(frozen=True)
class WrittenDraft:
    """A draft and the retrieval it was written from."""

    content: DraftContent
    query: str
    """The requester's message whose search results the draft uses, or empty without one."""
    hits: list[Hit]
    """Chunks retrieved for `query`, best first."""


def write_draft(
    ticket: TicketRecord,
    kb: KnowledgeBase,
    llm: LLMClient | None,
    min_confidence: float,
) -> WrittenDraft:
    """Write a reply draft for a ticket in its language, citing the KB chunks it uses.

    Args:
        ticket: The ticket, with its transcript.
        kb: The tenant's KB to search.
        llm: The configured model, or None for the embedded engine.
        min_confidence: Retrieval confidence the best chunk needs to be quoted at all.
    """
    language = ticket.language
    queries = requester_queries(ticket)
    query, hits = _search(ticket, queries, kb)
    confidence = best_confidence(hits)
    body: list[str] = []
    citations: list[Citation] = []
    engine = DraftEngine.NO_KB
    quotable = _quotable_hits(ticket, hits, min_confidence)
    if quotable:
        user = _requester_context(ticket)
        composed = _llm_body(llm, ticket, quotable, user) if llm is not None else None
        if composed is NO_ANSWER:
            logger.info("LLM found no help for ticket %s; drafting a holding reply", ticket.id)
        elif composed is not None:
            body, citations = composed
            engine = DraftEngine.LLM
        else:
            body, citations = quote_evidence(query, quotable, language, user, min_confidence)
            engine = DraftEngine.EXTRACTIVE
    text = "\n".join(_frame(ticket, body, has_topic=bool(queries)))
    logger.info(
        "drafted ticket %s engine=%s confidence=%.3f citations=%d",
        ticket.id,
        engine.value,
        confidence,
        len(citations),
    )
    content = DraftContent(
        text=text,
        language=language,
        citations=tuple(DraftCitation.model_validate(citation) for citation in citations),
        engine=engine,
        retrieval_confidence=round(min(max(confidence, 0.0), 1.0), 4),
    )
    return WrittenDraft(content=content, query=query, hits=hits)


def requester_queries(ticket: TicketRecord) -> list[str]:
    """Return the requester's latest distinct messages on the ticket's problem, newest first,
    then the description.

    The messages are those of `requester_messages`: earlier messages of the conversation may be
    about another topic, and the draft must answer the ticket's own problem. Messages that name
    no topic ("转人工", "agent please", "hi") are left out, and so are messages without a product
    term ("That did not help") when another message names one, because their words match
    unrelated chunks. An empty list means that the requester has not said yet what they need.
    """
    messages = requester_messages(ticket)
    candidates: list[str] = []
    for candidate in [*reversed(messages), ticket.description, ticket.subject]:
        text = candidate.strip()
        if text and text not in candidates and tokenize(text) and names_topic(text):
            candidates.append(text)
    lexicon = load_lexicon()
    about_product = [c for c in candidates if lexicon.analyze(c).scope is Scope.PRODUCT]
    return (about_product or candidates)[:MAX_QUERIES]


def best_confidence(hits: list[Hit]) -> float:
    """Return the highest confidence among the hits, 0 without hits.

    The fused ranking can put a chunk that shares many rare words with the query above the
    chunk that covers most of the query's concepts, so the top hit is not always the most
    confident one.
    """
    return max((hit["confidence"] for hit in hits), default=0.0)


def _search(ticket: TicketRecord, queries: list[str], kb: KnowledgeBase) -> tuple[str, list[Hit]]:
    """Search each requester query and keep the one whose best chunk is the most confident."""
    version = _searchable_version(ticket)
    best_query = ""
    best_hits: list[Hit] = []
    for query in queries:
        # A draft quotes the first pages, which the semantic reranker never moves.
        result = kb.search(query, SearchFilters(version=version), rerank=False)
        if version and not result.hits:
            result = kb.search(query, SearchFilters(), rerank=False)
        if not result.hits:
            continue
        hits = [to_hit(hit) for hit in result.hits]
        if not best_hits or best_confidence(hits) > best_confidence(best_hits):
            best_query, best_hits = query, hits
    return best_query, best_hits


def _quotable_hits(ticket: TicketRecord, hits: list[Hit], min_confidence: float) -> list[Hit]:
    """Return the hits the draft may quote, or an empty list when none is relevant enough.

    A bug report, outage or request seldom has a KB article, and a confident chunk of another
    module is then more likely to share words with it than to contain a workaround. So for those
    intents the most confident chunk must be of the ticket's module, and only chunks of that
    module are quoted.
    """
    if ticket.intent not in KB_ANSWER_INTENTS:
        most_confident = max(hits, key=lambda hit: hit["confidence"], default=None)
        if most_confident is None or most_confident["module"] != ticket.module:
            return []
        hits = [hit for hit in hits if hit["module"] == ticket.module]
    return hits if best_confidence(hits) >= min_confidence else []


def _requester_context(ticket: TicketRecord) -> UserContext:
    user = UserContext(id=ticket.requester)
    if ticket.details.role is not None:
        user["role"] = ticket.details.role.value
    version = _searchable_version(ticket)
    if version:
        user["product_version"] = version
    return user


def _searchable_version(ticket: TicketRecord) -> str | None:
    """Return the ticket's product version when it has the form 3.4, else None.

    Tickets may name an edition instead ("cloud"), which the version filter cannot compare.
    """
    version = ticket.details.product_version
    if not version:
        return None
    try:
        parse_version(version)
    except InputError:
        return None
    return version


def _llm_body(
    llm: LLMClient, ticket: TicketRecord, hits: list[Hit], user: UserContext
) -> tuple[list[str], list[Citation]] | Literal[ModelVerdict.NO_ANSWER] | None:
    """Have the model write the body.

    Returns `NO_ANSWER` when the model finds no help in the hits, and None when it fails or
    cites nothing retrieved.
    """
    language = ticket.language
    prompt = render_prompt(
        DRAFT_PROMPT,
        language_name="Simplified Chinese" if language is Language.ZH else "English",
        max_sentences=LLM_MAX_SENTENCES,
        role=user.get("role", "member"),
        product_version=user.get("product_version", ""),
        ticket_id=ticket.id,
        subject=ticket.subject,
        intent=ticket.intent.value,
        module=ticket.module,
        transcript=problem_transcript(ticket)[-LLM_MAX_TRANSCRIPT_MESSAGES:],
        hits=hits,
    )
    composed = complete_with_citations(llm, prompt, DRAFT_PROMPT, hits)
    if composed is None or composed is NO_ANSWER:
        return composed
    reply, citations = composed
    # Replace chunk ids with citation numbers, as in the extractive drafts.
    for number, citation in enumerate(citations, start=1):
        reply = reply.replace(f"[{citation['chunk_id']}]", f"[{number}]")
    return [*reply.splitlines(), "", *source_lines(citations, language)], citations


def _frame(ticket: TicketRecord, body: list[str], *, has_topic: bool) -> list[str]:
    """Put the greeting, the body or a holding reply, the detail request and the sign-off.

    An outage draft says first that the outage is handled as urgent, which also replaces the
    holding reply. A billing draft says what the agent checks on the account, after the body or
    in place of the holding reply. Without a topic, a question about what the requester needs
    replaces the holding reply and the detail request.
    """
    language = ticket.language
    intents = ticket_intents(ticket)
    lines = [translate("draft_greeting", language), translate("draft_thanks", language), ""]
    outage = ticket.intent is Intent.OUTAGE
    if outage:
        lines.append(translate("draft_outage", language))
    if body:
        lines.extend(["", *body] if outage else body)
    elif not has_topic:
        lines.append(translate("draft_ask_topic", language))
    elif ticket.intent not in (Intent.BILLING, Intent.OUTAGE):
        lines.append(translate("draft_investigating", language))
    # A charge, an invoice or a payment is checked on the requester's account, which the KB
    # cannot see, so a billing draft says what the agent checks, with or without KB quotes.
    if has_topic and ticket.intent is Intent.BILLING:
        check = translate("draft_check_billing", language)
        lines.extend(["", check] if body else [check])
    # A bug report always needs its reproduction details, also after a later message turned
    # it into an outage. A troubleshooting ticket needs them only when the KB has nothing to
    # try first.
    asks_details = has_topic and (
        Intent.BUG_REPORT in intents or (bool(intents & DETAIL_INTENTS) and not body)
    )
    missing = missing_detail_keys(ticket) if asks_details else []
    if missing:
        items = join_items((translate(key, language) for key in missing), language)
        lines.extend(["", translate("bug_missing_details", language, missing=items)])
    if body:
        lines.extend(["", translate("draft_follow_up", language)])
    lines.extend(["", translate("draft_signoff", language)])
    return lines
