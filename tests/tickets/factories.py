"""Builders shared by the ticket and tool tests: settings, drafts, records and rosters."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from assistant.domain import Intent, Language, Priority, Tier
from assistant.settings import Settings
from assistant.tickets.roster import Roster, parse_roster
from assistant.tickets.schemas import (
    Channel,
    TicketDetails,
    TicketDraft,
    TicketEventRecord,
    TicketRecord,
    TicketStatus,
)
from assistant.tickets.working_hours import WorkingHours
from tests.factories import plain_sql_table, stored_time

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""Server for the PostgreSQL cases; each test gets its own schema there, dropped afterwards."""

POSTGRES_CONNECT_TIMEOUT_SECONDS = 3

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=SHANGHAI)
"""2025-03-03 is a Monday; March 2025 days 3-7 are Monday-Friday, 8-9 the weekend."""


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """Return `hour:minute` Shanghai time on 2025-03-`day` (UTC+8, no DST)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=SHANGHAI)


def make_settings(**overrides: Any) -> Settings:
    """Return settings with the documented defaults, ignoring ASSISTANT_* variables."""
    values: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "work_start_hour": 9,
        "work_end_hour": 18,
        "sla_l1_first_reply_seconds": 30,
        "sla_l2_first_diagnosis_hours": 4.0,
        "sla_l3_fix_plan_business_days": 3,
        "roster_path": None,
    }
    values.update(overrides)
    return Settings(**values)


def make_draft(**overrides: Any) -> TicketDraft:
    """Return a valid draft of a Gantt bug report in English."""
    values: dict[str, Any] = {
        "requester": "user-42",
        "subject": "Gantt chart does not show dependencies",
        "description": "Since this morning the arrows between tasks are gone.",
        "transcript": [
            {"role": "user", "content": "The dependency arrows vanished from my Gantt chart."},
            {"role": "assistant", "content": "I will open a ticket for our specialists."},
        ],
        "intent": Intent.BUG_REPORT,
        "module": "gantt",
        "priority": Priority.NORMAL,
        "tier": Tier.L1,
        "channel": Channel.CHAT,
        "language": Language.EN,
        "details": {
            "product_version": "5.2.1",
            "steps": ["Open project Apollo", "Switch to Gantt view"],
            "expected": "Arrows between dependent tasks",
            "actual": "No arrows",
            "role": "admin",
        },
    }
    values.update(overrides)
    return TicketDraft.model_validate(values)


def make_record(*, events: list[TicketEventRecord] | None = None, **overrides: Any) -> TicketRecord:
    """Return a ticket record built in memory, for pure SLA checks."""
    values: dict[str, Any] = {
        "id": "T-000001",
        "requester": "user-42",
        "subject": "Gantt chart does not show dependencies",
        "description": "Arrows are gone.",
        "transcript": (),
        "intent": Intent.BUG_REPORT,
        "module": "gantt",
        "priority": Priority.NORMAL,
        "tier": Tier.L1,
        "status": TicketStatus.NEW,
        "team": None,
        "assignee": None,
        "channel": Channel.CHAT,
        "language": Language.EN,
        "details": TicketDetails(),
        "first_reply_due_at": None,
        "diagnosis_due_at": None,
        "fix_plan_due_at": None,
        "created_at": MONDAY,
        "updated_at": MONDAY,
        "events": tuple(events or ()),
    }
    values.update(overrides)
    return TicketRecord.model_validate(values)


OLD_TICKETS_TABLE = """
CREATE TABLE tickets (
    id {id_type} PRIMARY KEY,
    tenant VARCHAR(32) DEFAULT 'default' NOT NULL,
    requester VARCHAR(200) NOT NULL,
    subject VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    transcript JSON NOT NULL,
    intent VARCHAR(100) NOT NULL,
    module VARCHAR(32) NOT NULL,
    priority VARCHAR(100) NOT NULL,
    tier VARCHAR(100) NOT NULL,
    status VARCHAR(100) NOT NULL,
    team VARCHAR(100),
    assignee VARCHAR(100),
    channel VARCHAR(100) NOT NULL,
    language VARCHAR(100) NOT NULL,
    details JSON NOT NULL,
    first_reply_due_at {time_type},
    diagnosis_due_at {time_type},
    fix_plan_due_at {time_type},
    created_at {time_type} NOT NULL,
    updated_at {time_type} NOT NULL
)
"""
"""The tickets table as it was before the per-tenant `number` column, whose public id was
`T-` plus the primary key."""


def create_old_tickets_table(url: str, tenants: list[str]) -> None:
    """Create the tickets table without `number` in plain SQL, with one ticket per tenant in
    `tenants`, in that order, so the ticket of `tenants[i]` has the key `i + 1` and the subject
    `Old ticket {i + 1}`."""
    created_at = stored_time(url, MONDAY)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(plain_sql_table(OLD_TICKETS_TABLE, url)))
            for index, tenant in enumerate(tenants, start=1):
                connection.execute(
                    text(
                        "INSERT INTO tickets (tenant, requester, subject, description, "
                        "transcript, intent, module, priority, tier, status, channel, language, "
                        "details, created_at, updated_at) VALUES (:tenant, 'user-42', :subject, "
                        "'Arrows are gone.', '[]', 'bug_report', 'gantt', 'normal', 'L1', 'new', "
                        "'chat', 'en', '{}', :at, :at)"
                    ),
                    {"tenant": tenant, "subject": f"Old ticket {index}", "at": created_at},
                )
    finally:
        engine.dispose()


def make_agent(
    agent_id: str,
    *,
    team: str = "l2-product",
    modules: tuple[str, ...] = ("gantt", "tasks"),
    languages: tuple[str, ...] = ("zh", "en"),
    tiers: tuple[str, ...] = ("L2",),
    capacity: int = 5,
    working_hours: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return one agent entry as it would appear in a roster file."""
    agent: dict[str, Any] = {
        "id": agent_id,
        "name": agent_id.replace("-", " ").title(),
        "team": team,
        "skills": {"modules": list(modules), "languages": list(languages), "tiers": list(tiers)},
        "capacity": capacity,
    }
    if working_hours is not None:
        agent["working_hours"] = working_hours
    return agent


def make_roster_data(agents: list[dict[str, Any]]) -> dict[str, Any]:
    """Return roster file data with one team per tier and an intent-routed security team."""
    return {
        "teams": [
            {"id": "l1-general", "name": "L1 general", "tiers": ["L1"], "modules": ["gantt"]},
            {
                "id": "l2-product",
                "name": "L2 product",
                "tiers": ["L2"],
                "modules": ["gantt", "tasks"],
            },
            {"id": "l3-eng", "name": "L3 engineering", "tiers": ["L3"], "modules": ["gantt"]},
            {
                "id": "security",
                "name": "Security response",
                "tiers": ["L3"],
                "intents": ["data_loss_security"],
            },
        ],
        "agents": agents,
    }


def make_roster(agents: list[dict[str, Any]], settings: Settings | None = None) -> Roster:
    """Validate `make_roster_data(agents)` with default hours from `settings`."""
    hours = WorkingHours.from_settings(settings or make_settings())
    return parse_roster(make_roster_data(agents), default_hours=hours, source="test-roster.yaml")


@functools.cache
def _postgres_unreachable_reason() -> str | None:
    # Checked once per run, so that an unreachable server costs one timeout, not one per test.
    engine = create_engine(
        POSTGRES_URL, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        redacted_url = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        first_line = str(exc.orig).splitlines()[0]
        return (
            f"PostgreSQL at {redacted_url} is unreachable ({first_line}); "
            "start it or set TEST_POSTGRES_URL"
        )
    finally:
        engine.dispose()
    return None


def postgres_schema_url() -> Iterator[str]:
    """Yield a URL of POSTGRES_URL that works in a fresh schema, dropped afterwards.

    Skips the test when the server does not accept connections.
    """
    reason = _postgres_unreachable_reason()
    if reason is not None:
        pytest.skip(reason)

    schema = f"test_tickets_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
