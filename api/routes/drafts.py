"""AI-drafted replies of the caller's tenant's tickets, and the agents' decisions on them.

A ticket of another tenant returns 404, exactly like a ticket that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from api.deps import LanguageDep, ResourcesDep, TicketWriterDep
from api.drafting import CurrentDraft, DecisionRequest, current_draft, decide_draft
from api.language import locale_language
from api.routes.tickets import ticket_public
from api.schemas import TicketPublic
from assistant.domain import Language
from assistant.drafts import DraftCitation, DraftDecision, DraftEngine, DraftRecord
from assistant.drafts.schemas import MAX_REASON_CHARS
from assistant.settings import DEFAULT_KB
from assistant.tickets.schemas import MAX_DESCRIPTION_CHARS
from graphs.support.ticket_summary import TicketSummary, summarize_ticket
from retrieval.knowledge_base import KB_NAME_RE

router = APIRouter(prefix="/v1/tickets", tags=["drafts"])


class DraftPublic(BaseModel):
    """A ticket's draft reply, with the agent's internal summary and any decision."""

    id: int
    """Draft id, to pass as `draft_id` with the decision."""
    ticket_id: str
    kb: str
    language: Language
    """Language of the reply: the ticket's language."""
    text: str
    """Reply to the requester, with `[n]` citation numbers and its list of sources."""
    citations: list[DraftCitation]
    engine: DraftEngine
    retrieval_confidence: float
    summary: TicketSummary
    """Problem, what was tried and what is missing, in the language of Accept-Language, or in
    the ticket's language without that header."""
    ticket_updated_at: datetime
    ticket_event_count: int
    created_at: datetime
    regenerated: bool
    """Whether this request wrote the draft, because there was none or the ticket changed."""
    decision: DraftDecision | None
    sent_text: str | None
    reason: str | None
    edit_distance: int | None
    decided_by: str | None
    decided_at: datetime | None


class DraftDecisionCreate(BaseModel):
    """An agent's decision on a draft: send it as it is, send an edited text, or reject it."""

    model_config = ConfigDict(extra="forbid")

    decision: DraftDecision
    text: str | None = Field(default=None, max_length=MAX_DESCRIPTION_CHARS, validate_default=True)
    """The text to send, required for `edit` and not allowed otherwise."""
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS, validate_default=True)
    """Reason for a rejection (required for `reject`) or for an edit (optional)."""
    draft_id: StrictInt | None = Field(default=None, ge=1, le=2**63 - 1)
    """The draft decided on, as returned by GET. Without it, the ticket's current draft."""

    @field_validator("text")
    @classmethod
    def check_text(cls, text: str | None, info: ValidationInfo) -> str | None:
        """Require a non-blank text for an edit, and no text for the other decisions."""
        decision = info.data.get("decision")
        if decision is DraftDecision.EDIT and not (text and text.strip()):
            raise PydanticCustomError(
                "draft_text_required",
                "text is required for decision 'edit': send the text to reply with",
            )
        # An invalid decision is missing from `info.data`, and its own error names it.
        if decision is not None and decision is not DraftDecision.EDIT and text is not None:
            raise PydanticCustomError(
                "draft_text_not_allowed",
                "text is only for decision 'edit'; leave it out for decision '{decision}'",
                {"decision": decision.value},
            )
        return text

    @field_validator("reason")
    @classmethod
    def check_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        """Require a non-blank reason for a rejection."""
        if info.data.get("decision") is DraftDecision.REJECT and not (reason and reason.strip()):
            raise PydanticCustomError(
                "draft_reason_required",
                "reason is required for decision 'reject': say why the draft is unusable",
            )
        stripped = reason.strip() if reason else ""
        return stripped or None


class DraftDecisionPublic(BaseModel):
    """The decided draft and the ticket after it, with the reply in its transcript if sent."""

    draft_id: int
    decision: DraftDecision
    sent_text: str | None
    reason: str | None
    edit_distance: int | None
    """Character-level Levenshtein distance from the draft to the sent text."""
    decided_by: str | None
    decided_at: datetime | None
    ticket: TicketPublic


@router.get("/{ticket_id}/draft", response_model=DraftPublic)
def read_draft(
    *,
    ticket_id: str,
    key: TicketWriterDep,
    resources: ResourcesDep,
    accept_language: Annotated[
        str | None,
        Header(
            description="language of the summary: zh* for Chinese, any other tag for English, "
            "and the ticket's language when the header is missing"
        ),
    ] = None,
    kb: Annotated[str, Query(pattern=KB_NAME_RE.pattern)] = DEFAULT_KB,
) -> DraftPublic:
    """Return the ticket's draft reply and summary, writing a new draft if the ticket changed.

    A resolved or closed ticket returns 409, and a KB the tenant does not have returns 404.
    """
    current = current_draft(resources, key.tenant, ticket_id, kb)
    return _draft_public(current, _summary_language(accept_language))


@router.post(
    "/{ticket_id}/draft/decision",
    response_model=DraftDecisionPublic,
    status_code=status.HTTP_201_CREATED,
)
def decide(
    *,
    ticket_id: str,
    body: DraftDecisionCreate,
    key: TicketWriterDep,
    resources: ResourcesDep,
    language: LanguageDep,
) -> DraftDecisionPublic:
    """Accept, edit or reject a draft, and send an accepted or edited one to the requester.

    A draft already decided, or (without `draft_id`) a ticket changed since its draft, returns
    409. A rejection without a reason, or an edit without text, returns 422.
    """
    request = DecisionRequest(
        decision=body.decision, text=body.text, reason=body.reason, draft_id=body.draft_id
    )
    draft, ticket = decide_draft(resources, key.tenant, ticket_id, request, key.name)
    return DraftDecisionPublic(
        draft_id=draft.id,
        decision=body.decision,
        sent_text=draft.sent_text,
        reason=draft.reason,
        edit_distance=draft.edit_distance,
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        ticket=ticket_public(ticket, datetime.now(UTC), language),
    )


def _summary_language(accept_language: str | None) -> Language | None:
    """Return the language of the header's first tag, or None for the ticket's language when
    the header is missing or blank."""
    if accept_language is None or not accept_language.strip():
        return None
    return locale_language(accept_language.split(",", 1)[0])


def _draft_public(current: CurrentDraft, language: Language | None) -> DraftPublic:
    draft: DraftRecord = current.draft
    summary = summarize_ticket(current.ticket, language, kb_answer=bool(draft.citations))
    return DraftPublic.model_validate(
        draft.model_dump(exclude={"tenant", "intent", "team"})
        | {"summary": summary, "regenerated": current.regenerated}
    )
