"""Ops dashboard data: the eval runs found on disk and live metrics of the caller's tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import OpsReaderDep, ResourcesDep
from api.routes.insights import read_turn_metrics
from assistant.domain import Intent
from assistant.drafts import DraftAcceptance
from assistant.eval_runs import EvalRunDetail, EvalRunReader, EvalRunSummary
from insights.live import DEFAULT_LIVE_WEEKS, MAX_LIVE_WEEKS, TurnMetrics

router = APIRouter(prefix="/v1/ops", tags=["ops"])

KB_INTENTS = (Intent.HOW_TO, Intent.TROUBLESHOOTING, Intent.PERMISSIONS, Intent.ACCOUNT_ACCESS)
"""Intents the KB should answer: a ticket with one of them is a question it did not answer."""

UNANSWERED_LIMIT = 20


class EvalRunList(BaseModel):
    """The eval runs of the reports folder and the baseline, oldest first."""

    runs: list[EvalRunSummary]
    timezone: str
    """IANA name of the support team's time zone, in which the dashboard shows the run times."""


class UnansweredQuestion(BaseModel):
    """A ticket opened for a question the KB should have answered."""

    ticket_id: str
    subject: str
    intent: str
    created_at: datetime


class LiveMetrics(BaseModel):
    """Production numbers of one tenant; see the README for which ones are estimates."""

    conversations: int
    """Saved chat conversations (exact: distinct conversation checkpoints)."""

    tickets: int
    """Tickets of every channel and status (exact)."""

    containment_estimate: float | None
    """1 - tickets / conversations, clamped to 0..1; an estimate, null without conversations."""

    tickets_by_intent: dict[str, int]
    """Tickets per intent (exact); `turn_metrics` has the escalation rate per intent."""

    ratings: int
    thumbs_up_rate: float | None
    """Share of thumbs ratings that are thumbs-up (exact), null without ratings."""

    unanswered: list[UnansweredQuestion]
    """The latest tickets whose intent the KB should have answered, newest first."""

    drafts: DraftAcceptance
    """Agents' decisions on drafted replies (exact): accepted, edited and rejected, overall,
    per intent and per team."""

    turn_metrics: TurnMetrics
    """Exact containment, escalation rate per intent, unanswered questions and feedback scores
    from the turn log of the latest `weeks` ISO weeks."""


@router.get("/eval-runs", response_model=EvalRunList)
def list_eval_runs(*, key: OpsReaderDep, resources: ResourcesDep) -> EvalRunList:
    """List the eval reports of ASSISTANT_EVAL_REPORTS_DIR and the baseline (ops, admin)."""
    reader = EvalRunReader(resources.settings.resolved_eval_reports_dir)
    return EvalRunList(runs=reader.list_runs(), timezone=resources.settings.timezone)


@router.get("/eval-runs/{run_id}", response_model=EvalRunDetail)
def read_eval_run(*, run_id: str, key: OpsReaderDep, resources: ResourcesDep) -> EvalRunDetail:
    """Return one eval run with its metrics and failing cases (ops, admin)."""
    reader = EvalRunReader(resources.settings.resolved_eval_reports_dir)
    return reader.get_run(run_id)


@router.get("/live", response_model=LiveMetrics)
def read_live_metrics(
    *,
    key: OpsReaderDep,
    resources: ResourcesDep,
    weeks: Annotated[
        int, Query(ge=1, le=MAX_LIVE_WEEKS, description="weeks of the turn metrics")
    ] = DEFAULT_LIVE_WEEKS,
) -> LiveMetrics:
    """Return containment, tickets per intent, thumbs-up rate, unanswered questions and drafts."""
    conversations = resources.conversations.count_conversations(key.tenant)
    tickets_by_intent = resources.tickets.count_by_intent(key.tenant)
    feedback = resources.feedback.summarize(key.tenant)
    drafts = resources.drafts.acceptance(key.tenant)
    unanswered = resources.tickets.list(
        tenant=key.tenant, intents=KB_INTENTS, limit=UNANSWERED_LIMIT
    )

    tickets = sum(tickets_by_intent.values())
    return LiveMetrics(
        conversations=conversations,
        tickets=tickets,
        containment_estimate=_containment(conversations, tickets),
        tickets_by_intent=tickets_by_intent,
        ratings=feedback.ratings,
        thumbs_up_rate=feedback.thumbs_up_rate,
        unanswered=[
            UnansweredQuestion(
                ticket_id=ticket.id,
                subject=ticket.subject,
                intent=ticket.intent.value,
                created_at=ticket.created_at,
            )
            for ticket in unanswered
        ],
        drafts=drafts,
        turn_metrics=read_turn_metrics(resources, key.tenant, weeks),
    )


def _containment(conversations: int, tickets: int) -> float | None:
    # NOTE: an estimate. A conversation can open several tickets, and tickets from the CLI
    # or email have no conversation, so the clamp to [0, 1] hides those excess tickets.
    if conversations == 0:
        return None
    return min(1.0, max(0.0, 1 - tickets / conversations))
