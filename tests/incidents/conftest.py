"""Fixtures of the incident tests: ticket and incident stores on one database, and reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.domain import Intent, Language
from assistant.incidents import IncidentStore, SurgeDetector
from assistant.incidents.pager import WebhookPager
from assistant.tickets.schemas import TicketRecord
from assistant.tickets.store import TicketStore
from graphs.support.service import glossary_concepts
from retrieval.glossary import load_glossary
from tests.tickets.factories import make_draft, make_settings

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
"""Time of the first report of a burst."""

SURGE_SETTINGS: dict[str, Any] = {
    "surge_min_reports": 5,
    "surge_window_minutes": 30.0,
    "surge_similarity_threshold": 0.4,
    "surge_intents": (Intent.OUTAGE, Intent.BUG_REPORT, Intent.TROUBLESHOOTING),
    "pager_webhook_url": "",
}

SYNC_REPORTS_EN = (
    "GitHub sync is failing since this morning",
    "The GitHub sync fails with an error",
    "GitHub sync broken since this morning",
    "Sync with GitHub stopped working",
    "GitHub sync failing for our whole team",
    "Our GitHub sync fails again and again",
)
"""Six wordings of one integration problem."""

SYNC_REPORTS_ZH = ("GitHub 同步失败", "GitHub 同步一直报错")

EXPORT_REPORTS = (
    "The Gantt export crashes with error 500",
    "Gantt export fails with error 500",
    "Exporting the Gantt chart gives error 500",
    "Gantt PDF export crashes every time",
    "Error 500 when I export the Gantt chart",
)

UNRELATED_INTEGRATION_REPORTS = (
    "GitHub sync is failing since this morning",
    "Slack messages arrive twice in our channel",
    "The webhook gets 401 Unauthorized from our server",
    "GitLab merge requests are linked to the wrong task",
    "The REST API returns 429 Too Many Requests for one token",
)
"""Five different problems of the integrations module."""


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'assistant.db'}"


@pytest.fixture
def tickets(sqlite_url: str) -> Iterator[TicketStore]:
    store = TicketStore(sqlite_url)
    yield store
    store.close()


@pytest.fixture
def incidents(sqlite_url: str) -> Iterator[IncidentStore]:
    store = IncidentStore(sqlite_url)
    yield store
    store.close()


def make_detector(store: IncidentStore, **overrides: Any) -> SurgeDetector:
    """Return a detector with SURGE_SETTINGS, `overrides` and the shipped glossary."""
    settings = make_settings(**(SURGE_SETTINGS | overrides))
    pager = WebhookPager(settings.pager_webhook_url, settings.pager_timeout_seconds)
    return SurgeDetector(
        store, settings, concepts=glossary_concepts(load_glossary(None)), pager=pager
    )


@pytest.fixture
def detector(incidents: IncidentStore) -> SurgeDetector:
    return make_detector(incidents)


def report(
    store: TicketStore,
    text: str,
    at: datetime,
    *,
    module: str = "integrations",
    intent: Intent = Intent.BUG_REPORT,
    tenant: str = "default",
    language: Language = Language.EN,
    requester: str | None = None,
) -> TicketRecord:
    """Open the ticket of one user report at `at`, by a new requester unless one is given."""
    draft = make_draft(
        requester=requester or f"reporter-{next(_REQUESTER_NUMBERS)}",
        subject=text,
        description=text,
        module=module,
        intent=intent,
        tenant=tenant,
        language=language,
        transcript=[{"role": "user", "content": text}],
    )
    return store.create(draft, now=at)


_REQUESTER_NUMBERS = itertools.count(1)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)
