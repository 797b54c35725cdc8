"""Feedback of the caller's tenant: thumbs ratings of answers, surveys and their summary.

The widget requests a conversation's survey status before it shows the survey.

Feedback on another tenant's conversation returns 404, exactly like an unknown conversation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import ChatKeyDep, FeedbackReaderDep, ResourcesDep
from api.resources import Resources
from api.schemas import FeedbackCreate, FeedbackReceipt, SurveyCreate
from assistant.feedback import FeedbackSummary
from assistant.surveys import SurveyStatus

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post("/feedback", response_model=FeedbackReceipt, status_code=status.HTTP_201_CREATED)
def rate_answer(
    *, body: FeedbackCreate, key: ChatKeyDep, resources: ResourcesDep
) -> FeedbackReceipt:
    """Rate an answer thumbs-up or thumbs-down (any key of the conversation's tenant)."""
    given = body.intent.value if body.intent else None
    intent = _intent_of(resources, key.tenant, body.conversation_id, given)
    resources.feedback.rate_answer(
        key.tenant,
        body.conversation_id,
        body.rating,
        message_id=body.message_id,
        reason=body.reason,
        intent=intent,
    )
    return FeedbackReceipt(conversation_id=body.conversation_id, intent=intent)


@router.post("/surveys", response_model=FeedbackReceipt, status_code=status.HTTP_201_CREATED)
def submit_survey(
    *, body: SurveyCreate, key: ChatKeyDep, resources: ResourcesDep
) -> FeedbackReceipt:
    """Answer the CSAT (1-5) and NPS (0-10) survey of a conversation; a second one gets 409."""
    intent = _intent_of(resources, key.tenant, body.conversation_id, None)
    resources.feedback.submit_survey(
        key.tenant,
        body.conversation_id,
        csat=body.csat,
        nps=body.nps,
        comment=body.comment,
        intent=intent,
    )
    return FeedbackReceipt(conversation_id=body.conversation_id, intent=intent)


@router.get("/conversations/{conversation_id}/survey", response_model=SurveyStatus)
def get_survey_status(
    *,
    conversation_id: str,
    key: ChatKeyDep,
    resources: ResourcesDep,
    ended: Annotated[
        bool,
        Query(description="true when the user left the conversation, e.g. started a new one"),
    ] = False,
) -> SurveyStatus:
    """Return whether the conversation's survey is due: its tickets are all resolved or
    closed, or, without tickets, it ended or was idle (any key of its tenant)."""
    # The lookup raises ConversationNotFoundError (404) for another tenant's conversation.
    resources.conversations.last_intent(key.tenant, conversation_id)
    return resources.surveys.status(key.tenant, conversation_id, ended=ended)


@router.get("/feedback/summary", response_model=FeedbackSummary)
def summarize_feedback(*, key: FeedbackReaderDep, resources: ResourcesDep) -> FeedbackSummary:
    """Thumbs-up rate, CSAT average and NPS of the tenant, overall and per intent (ops, admin)."""
    return resources.feedback.summarize(key.tenant)


def _intent_of(
    resources: Resources, tenant: str, conversation_id: str, given: str | None
) -> str | None:
    # The lookup also checks that the conversation belongs to the tenant.
    latest = resources.conversations.last_intent(tenant, conversation_id)
    return given or latest
