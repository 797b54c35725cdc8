"""Eval suite of AI-drafted replies: tickets drafted from the KB, scored with the answer metrics.

Each case is a ticket with its transcript. The suite opens it in the eval data dir, drafts a
reply as the API does, and scores the draft: groundedness of its KB sentences in the cited
chunks (the answer metric of `evals.metrics`), whether it cites an expected doc, whether the
facts appear in it or in a cited chunk, its language, and the details the agent's summary
lists as missing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.domain import Intent, Language
from assistant.drafts.schemas import DraftEngine
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.text import detect_language
from assistant.tickets import TicketStore
from assistant.tickets.schemas import Channel, TicketDetails, TicketDraft, TranscriptMessage
from evals.dataset import load_models
from evals.metrics import contains_fact, distinct_docs, groundedness, safe_ratio
from evals.runner import SuiteResult
from evals.scoring import SCAFFOLDING_KEYS, answer_sentences
from graphs.support.drafts import WrittenDraft, write_draft
from graphs.support.ticket_summary import summarize_ticket
from retrieval.knowledge_base import KnowledgeBase

DRAFTS_DATASET = Path(__file__).resolve().parent / "datasets" / "drafts" / "drafts.v1.jsonl"
SUITE_NAME = "drafts"
DRAFT_SCAFFOLDING_KEYS = (
    *SCAFFOLDING_KEYS,
    "draft_greeting",
    "draft_thanks",
    "draft_investigating",
    "draft_follow_up",
    "draft_signoff",
    "draft_check_billing",
    "draft_ask_topic",
    "bug_missing_details",
    "draft_outage",
)
"""Catalog sentences that frame a draft. They are not KB content, so groundedness skips them."""
SUBJECT_MAX_CHARS = 80


class DraftCaseTicket(BaseModel):
    """Ticket of a case. Its description is the requester's last message in the transcript."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    module: str
    transcript: list[TranscriptMessage] = Field(min_length=1)
    details: TicketDetails = Field(default_factory=TicketDetails)

    @field_validator("transcript")
    @classmethod
    def check_transcript(cls, transcript: list[TranscriptMessage]) -> list[TranscriptMessage]:
        """Require a user message, because the ticket's description is taken from it."""
        if not any(message.role == "user" for message in transcript):
            raise ValueError("transcript has no user message: add the requester's message")
        return transcript


class DraftExpected(BaseModel):
    """Expectations of a case's draft."""

    model_config = ConfigDict(extra="forbid")

    docs: list[str] = Field(default_factory=list)
    """KB documents the draft should cite, relative to `samples/kb`, or empty when none."""
    must_contain: list[str] = Field(default_factory=list)
    """Facts that must appear in the draft or in a chunk it cites."""
    engine: DraftEngine | None = None
    """Engine that must have written the draft, e.g. `no_kb` when the KB cannot help."""
    missing: list[str] = Field(default_factory=list)
    """Message keys of details that the agent's summary must list as missing."""


class DraftCase(BaseModel):
    """One ticket to draft a reply for, and what the draft must show."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int = 1
    """Version of the case. Increment it when the expectation changes."""
    language: Language
    """Language of the ticket, and so of the draft."""
    ticket: DraftCaseTicket
    expected: DraftExpected
    tags: list[str] = Field(default_factory=list)
    source: str = ""
    """File and line the case was loaded from."""


@dataclass
class DraftCaseResult:
    """One scored draft in the shape of the report's cases. `suite` marks it as a draft case."""

    id: str
    tags: list[str]
    language: str
    passed: bool
    failures: list[str]
    expected_docs: list[str]
    retrieved_docs: list[str]
    cited_docs: list[str]
    answer: str
    engine: str
    groundedness: float | None
    citation_hit: float | None
    facts_ok: bool | None
    language_ok: bool
    seconds: float
    trial: int = 0
    suite: str = SUITE_NAME


def load_draft_cases(path: Path = DRAFTS_DATASET) -> list[DraftCase]:
    """Load and validate the draft cases of a JSON Lines file.

    Raises:
        DatasetError: naming the file and line of the first invalid case or duplicate id.
    """
    return load_models(path, DraftCase, "draft case")


def run_draft_suite(settings: Settings, kb_name: str, tags: Sequence[str] = ()) -> SuiteResult:
    """Draft every case (with a tag in `tags`, when given) and return the suite's metrics.

    The tickets are opened in the ticket database of `settings`, for the tenant of `kb_name`.
    """
    cases = [case for case in load_draft_cases() if not tags or set(tags) & set(case.tags)]
    if not cases:
        return SuiteResult(metrics={})
    tenant = kb_name.split(".", 1)[0]
    kb = KnowledgeBase.open_existing(settings, kb_name)
    store = TicketStore(settings.resolved_database_url)
    try:
        results = [_run_case(case, tenant, kb, store, settings) for case in cases]
    finally:
        store.close()
        kb.close()
    return SuiteResult(
        metrics=summarize_drafts(results), cases=[asdict(result) for result in results]
    )


def _run_case(
    case: DraftCase, tenant: str, kb: KnowledgeBase, store: TicketStore, settings: Settings
) -> DraftCaseResult:
    description = next(m.content for m in reversed(case.ticket.transcript) if m.role == "user")
    ticket = store.create(
        TicketDraft(
            tenant=tenant,
            requester=f"eval-{case.id}",
            subject=description.splitlines()[0][:SUBJECT_MAX_CHARS],
            description=description,
            transcript=tuple(case.ticket.transcript),
            intent=case.ticket.intent,
            module=case.ticket.module,
            channel=Channel.CHAT,
            language=case.language,
            details=case.ticket.details,
        )
    )
    started = time.perf_counter()
    draft = write_draft(ticket, kb, None, settings.answer_min_confidence)
    seconds = time.perf_counter() - started
    summary = summarize_ticket(ticket, case.language, kb_answer=bool(draft.content.citations))
    return score_draft(case, draft, summary.missing, seconds)


def score_draft(
    case: DraftCase, draft: WrittenDraft, summary_missing: list[str], seconds: float
) -> DraftCaseResult:
    """Score one draft against its case and list the reasons it failed."""
    expected = case.expected
    content = draft.content
    chunk_texts = {hit["chunk_id"]: hit["text"] for hit in draft.hits}
    cited_texts = [chunk_texts.get(c.chunk_id, "") for c in content.citations]
    cited_docs = distinct_docs(c.doc for c in content.citations)
    sentences = answer_sentences(content.text, DRAFT_SCAFFOLDING_KEYS)
    failures: list[str] = []

    grounded = groundedness(sentences, cited_texts) if content.citations else None
    citation_hit = None
    if expected.docs:
        citation_hit = 1.0 if set(cited_docs) & set(expected.docs) else 0.0
        if not citation_hit:
            failures.append(f"citation: no expected doc cited (cited {cited_docs})")
    if expected.engine is not None and content.engine is not expected.engine:
        failures.append(f"engine: expected {expected.engine.value}, got {content.engine.value}")

    facts_ok = None
    if expected.must_contain:
        missing = [
            f for f in expected.must_contain if not contains_fact(f, [content.text, *cited_texts])
        ]
        failures.extend(f"missing fact: {fact!r}" for fact in missing)
        facts_ok = not missing

    body = " ".join(sentences) or content.text
    language_ok = detect_language(body, default=case.language) is case.language
    if not language_ok:
        failures.append(f"language: expected {case.language.value}")

    for key in expected.missing:
        if translate(key, case.language) not in summary_missing:
            failures.append(f"summary: {key} not listed as missing")

    return DraftCaseResult(
        id=case.id,
        tags=case.tags,
        language=case.language.value,
        passed=not failures,
        failures=failures,
        expected_docs=expected.docs,
        retrieved_docs=distinct_docs(hit["doc"] for hit in draft.hits),
        cited_docs=cited_docs,
        answer=content.text,
        engine=content.engine.value,
        groundedness=grounded,
        citation_hit=citation_hit,
        facts_ok=facts_ok,
        language_ok=language_ok,
        seconds=seconds,
    )


def summarize_drafts(results: Sequence[DraftCaseResult]) -> dict[str, float | None]:
    """Return the suite's metrics, each prefixed with `draft_`, or None where no case applies."""
    grounded = [r.groundedness for r in results if r.groundedness is not None]
    hits = [r.citation_hit for r in results if r.citation_hit is not None]
    facts = [r.facts_ok for r in results if r.facts_ok is not None]
    return {
        "draft_cases": float(len(results)),
        "draft_pass_rate": safe_ratio(sum(r.passed for r in results), len(results)),
        "draft_groundedness": safe_ratio(sum(grounded), len(grounded)) if grounded else None,
        "draft_citation_hit": safe_ratio(sum(hits), len(hits)) if hits else None,
        "draft_correctness": safe_ratio(sum(facts), len(facts)) if facts else None,
        "draft_language_accuracy": safe_ratio(sum(r.language_ok for r in results), len(results)),
    }
