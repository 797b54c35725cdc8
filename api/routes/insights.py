"""Ops reports of the caller's tenant: voice of the customer, KB gaps and turn metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from api.deps import OpsReaderDep, ResourcesDep
from api.resources import Resources, open_tenant_kb
from api.schemas import TenantKbList
from assistant.settings import DEFAULT_KB
from assistant.tenants import tenant_kbs
from insights.gaps import KbGapsReport
from insights.live import TurnMetrics, compute_turn_metrics
from insights.reports import kb_gaps_report, voc_report
from insights.voc import VocReport
from insights.weeks import IsoWeek, last_complete_week, parse_week
from retrieval.knowledge_base import list_knowledge_bases

router = APIRouter(prefix="/v1/ops", tags=["ops"])

WeekQuery = Annotated[
    str | None,
    Query(description="ISO week such as 2026-W48 (default: the last full week)"),
]


def read_turn_metrics(resources: Resources, tenant: str, weeks: int) -> TurnMetrics:
    """Return the tenant's metrics from the turn log of the latest `weeks` weeks."""
    settings = resources.settings
    # The turns this process queued must be in the database before they are counted.
    resources.turns.flush()
    timezone = ZoneInfo(settings.timezone)
    return compute_turn_metrics(
        resources.activity,
        tenant,
        now=datetime.now(timezone),
        timezone=timezone,
        weeks=weeks,
        min_confidence=settings.answer_min_confidence,
    )


@router.get("/voc", response_model=VocReport)
def read_voice_of_customer(
    *, key: OpsReaderDep, resources: ResourcesDep, week: WeekQuery = None
) -> VocReport:
    """Return the week's pain-point terms, trends, modules and negative feedback (ops, admin)."""
    resources.turns.flush()
    return voc_report(
        resources.activity, resources.settings, key.tenant, _week(resources, week), _now(resources)
    )


@router.get("/kbs", response_model=TenantKbList)
def list_tenant_kbs(*, key: OpsReaderDep, resources: ResourcesDep) -> TenantKbList:
    """List the tenant's KBs that have documents, for choosing the KB of the gaps report."""
    return TenantKbList(kbs=tenant_kbs(key.tenant, list_knowledge_bases(resources.settings)))


@router.get("/kb-gaps", response_model=KbGapsReport)
def read_kb_gaps(
    *, key: OpsReaderDep, resources: ResourcesDep, week: WeekQuery = None, kb: str = DEFAULT_KB
) -> KbGapsReport:
    """Return the week's KB gap clusters and the stale articles of one KB (ops, admin)."""
    knowledge_base = open_tenant_kb(resources.settings, key.tenant, kb)
    try:
        resources.turns.flush()
        return kb_gaps_report(
            resources.activity,
            resources.settings,
            key.tenant,
            _week(resources, week),
            knowledge_base,
            _now(resources),
        )
    finally:
        knowledge_base.close()


def _now(resources: Resources) -> datetime:
    return datetime.now(ZoneInfo(resources.settings.timezone))


def _week(resources: Resources, week: str | None) -> IsoWeek:
    if week:
        return parse_week(week)
    return last_complete_week(_now(resources), ZoneInfo(resources.settings.timezone))
