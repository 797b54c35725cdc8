"""Build the weekly voice-of-the-customer and KB-gaps reports of a tenant from the database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from assistant.settings import Settings
from graphs.support.service import glossary_concepts
from insights.activity import ActivityReader
from insights.gaps import KbGapsReport, cluster_gaps, find_candidates
from insights.stale_docs import find_stale_docs
from insights.voc import VocReport, build_voc_report
from insights.weeks import IsoWeek
from retrieval.glossary import load_glossary
from retrieval.knowledge_base import KnowledgeBase


def voc_report(
    reader: ActivityReader, settings: Settings, tenant: str, week: IsoWeek, now: datetime
) -> VocReport:
    """Return the voice-of-the-customer report of a tenant's week, against the week before."""
    timezone = ZoneInfo(settings.timezone)
    previous = week.shift(-1)
    return build_voc_report(
        tenant,
        week,
        reader.load(tenant, week.start(timezone), week.end(timezone)),
        reader.load(tenant, previous.start(timezone), previous.end(timezone)),
        timezone=settings.timezone,
        generated_at=now,
    )


def kb_gaps_report(
    reader: ActivityReader,
    settings: Settings,
    tenant: str,
    week: IsoWeek,
    kb: KnowledgeBase,
    now: datetime,
) -> KbGapsReport:
    """Return the KB gap clusters of a tenant's week and the stale articles of `kb`.

    Raises:
        InputError: `ASSISTANT_PRODUCT_VERSION` is not a version such as 3.4.
    """
    timezone = ZoneInfo(settings.timezone)
    activity = reader.load(tenant, week.start(timezone), week.end(timezone))
    candidates = find_candidates(activity, settings.answer_min_confidence)
    concepts = glossary_concepts(load_glossary(settings.glossary_path))
    return KbGapsReport(
        tenant=tenant,
        kb=kb.name,
        week=str(week),
        since=activity.since,
        until=activity.until,
        timezone=settings.timezone,
        generated_at=now,
        min_confidence=settings.answer_min_confidence,
        candidates=len(candidates),
        clusters=cluster_gaps(candidates, concepts),
        stale_docs=find_stale_docs(kb.chunk_store.all_chunks(), settings.product_version),
    )
