"""SQLAlchemy tables of incidents, in the ticket database next to `tickets`.

`incidents` has one row per incident, `incident_tickets` links each ticket to at most one
incident, and `incident_events` is each incident's log. `incident_locks` has one row per tenant
and module, which the surge detector updates first in its transaction, so that checks of the
same module run one after another across threads and processes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, WriteOnlyMapped, mapped_column, relationship

from assistant.incidents.schemas import (
    MAX_TITLE_CHARS,
    IncidentEventKind,
    IncidentEventRecord,
    IncidentRecord,
    IncidentStatus,
    IncidentSummary,
    format_incident_id,
)
from assistant.tickets.models import MODULE_MAX_CHARS, Base, Ticket, UTCDateTime, enum_column
from assistant.tickets.schemas import MAX_NAME_CHARS, MAX_TENANT_CHARS
from assistant.tickets.store import format_ticket_id


class Incident(Base):
    """An incident opened for a burst of similar reports about one module."""

    __tablename__ = "incidents"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    module: Mapped[str] = mapped_column(String(MODULE_MAX_CHARS))
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus), index=True)
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    signature: Mapped[dict[str, float]] = mapped_column(JSON)
    """Normalized sum of the burst's text vectors; later reports are compared with it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Write-only: a big incident has thousands of links and events, and linking one more
    # report must not load them all.
    links: WriteOnlyMapped[IncidentTicket] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    events: WriteOnlyMapped[IncidentEvent] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class IncidentTicket(Base):
    """Link of one ticket to its incident. The primary key allows one incident per ticket."""

    __tablename__ = "incident_tickets"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IncidentEvent(Base):
    """One entry of an incident's event log."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[IncidentEventKind] = mapped_column(enum_column(IncidentEventKind))
    actor: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class IncidentLock(Base):
    """Row that serializes the surge checks of one tenant's module.

    The detector's transaction starts by updating this row, which holds SQLite's write lock
    or PostgreSQL's row lock until it commits, so two checks never both decide to open an
    incident for the same burst.
    """

    __tablename__ = "incident_locks"

    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), primary_key=True)
    module: Mapped[str] = mapped_column(String(MODULE_MAX_CHARS), primary_key=True)
    checked_reports: Mapped[int] = mapped_column(Integer, default=0)
    """Reports checked on this module so far. The count is a by-product of taking the lock."""


def to_summary(row: Incident, ticket_count: int) -> IncidentSummary:
    """Return the summary of an incident row with `ticket_count`, which the caller counts."""
    return IncidentSummary(
        id=format_incident_id(row.id),
        tenant=row.tenant,
        module=row.module,
        title=row.title,
        status=row.status,
        message_en=row.message_en,
        message_zh=row.message_zh,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        ticket_count=ticket_count,
    )


def count_links(session: Session, row: Incident) -> int:
    """Count the tickets linked to an incident row."""
    query = select(func.count()).where(IncidentTicket.incident_id == row.id)
    return session.scalar(query) or 0


def to_record(session: Session, row: Incident) -> IncidentRecord:
    """Return the record of a flushed incident row, with its links and events read back."""
    numbers = session.scalars(
        select(Ticket.number)
        .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
        .where(IncidentTicket.incident_id == row.id)
        .order_by(IncidentTicket.linked_at, IncidentTicket.ticket_id)
    ).all()
    events = session.scalars(row.events.select().order_by(IncidentEvent.id)).all()
    summary = to_summary(row, len(numbers))
    return IncidentRecord(
        **summary.model_dump(),
        ticket_ids=tuple(format_ticket_id(number) for number in numbers),
        events=tuple(
            IncidentEventRecord(kind=event.kind, at=event.at, actor=event.actor, data=event.data)
            for event in events
        ),
    )


def log_event(
    row: Incident, kind: IncidentEventKind, actor: str, data: Mapping[str, JsonValue], at: datetime
) -> None:
    """Append an event to an incident row's log."""
    row.events.add(IncidentEvent(tenant=row.tenant, at=at, kind=kind, actor=actor, data=dict(data)))


def link_tickets(row: Incident, ticket_keys: Sequence[int], at: datetime) -> None:
    """Link tickets, by database key, to an incident row."""
    for key in ticket_keys:
        row.links.add(IncidentTicket(ticket_id=key, tenant=row.tenant, linked_at=at))
