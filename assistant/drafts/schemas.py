"""Shapes of AI-drafted replies: the draft a writer produces, the stored record and the stats."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import Language

MAX_REASON_CHARS = 2000
"""Maximum length of the reason for a decision, in characters."""


class DraftDecision(StrEnum):
    """Agent's decision on a draft."""

    ACCEPT = "accept"
    """Sent the draft as it is."""
    EDIT = "edit"
    """Changed the draft, then sent the changed text."""
    REJECT = "reject"
    """Sent nothing. A reason is required."""


class DraftEngine(StrEnum):
    """Writer of a draft's text."""

    EXTRACTIVE = "extractive"
    """Quotes of the KB chunks, framed by catalog sentences (the embedded engine)."""
    LLM = "llm"
    """The configured LLM, whose citations passed the check against the retrieved chunks."""
    NO_KB = "no_kb"
    """Catalog sentences only, because no KB chunk was relevant enough to quote or the LLM
    replied that the chunks do not help with the ticket."""


class DraftCitation(BaseModel):
    """A KB chunk that a draft quotes or cites."""

    model_config = ConfigDict(frozen=True)

    doc: str
    """Path of the KB document relative to the ingested folder."""
    title: str
    chunk_id: str
    score: float


class DraftContent(BaseModel):
    """A draft reply as the writer produced it, before it is stored."""

    model_config = ConfigDict(frozen=True)

    text: str
    language: Language
    """Language of the reply: the ticket's language."""
    citations: tuple[DraftCitation, ...] = ()
    engine: DraftEngine
    retrieval_confidence: float = Field(ge=0.0, le=1.0)
    """Confidence of the best retrieved chunk, 0 when nothing was retrieved."""


class DraftRecord(DraftContent):
    """A stored draft of a ticket, with the ticket state it was written from and its decision."""

    id: int
    tenant: str
    ticket_id: str
    """Public ticket id such as `T-000123`."""
    kb: str
    """KB of the tenant the draft was written from."""
    ticket_updated_at: datetime
    """The ticket's `updated_at` when the draft was written."""
    ticket_event_count: int
    """Number of events in the ticket's log when the draft was written."""
    intent: str
    """Intent of the ticket when the draft was written, or decided once it is decided."""
    team: str | None
    """Team of the ticket when the draft was written, or decided once it is decided."""
    created_at: datetime
    decision: DraftDecision | None = None
    sent_text: str | None = None
    """Text sent to the requester: the draft itself when accepted, the agent's text when
    edited, None when rejected or undecided."""
    reason: str | None = None
    edit_distance: int | None = None
    """Character-level Levenshtein distance from the draft to the sent text, or None when
    nothing was sent."""
    decided_by: str | None = None
    """Name of the API key that decided."""
    decided_at: datetime | None = None


class DraftStats(BaseModel):
    """Decisions on drafts of a tenant, or of one intent or team of it."""

    decisions: int
    accepted: int
    edited: int
    rejected: int
    acceptance_rate: float | None
    """Share of decisions that sent the draft unchanged, from 0 to 1, or null without any."""
    mean_edit_distance: float | None
    """Mean edit distance of the edited drafts, in characters, or null without edits."""


class DraftAcceptance(DraftStats):
    """Decision totals of a tenant's drafts, and the same totals per intent and per team."""

    by_intent: dict[str, DraftStats]
    by_team: dict[str, DraftStats]
    """Totals by roster team id. The key `no_team` counts tickets that had no team."""
