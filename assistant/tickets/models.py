"""SQLAlchemy tables of the ticket store: `tickets` and their `ticket_events` log.

The integer primary key is internal, and foreign keys use it. The public id shown to users is
`T-` plus the ticket's per-tenant `number` zero-padded to six digits (see
`assistant.tickets.store.format_ticket_id`), so it names a ticket only within its tenant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from assistant.domain import Intent, Language, Priority, Tier
from assistant.tenants import DEFAULT_TENANT
from assistant.tickets.schemas import (
    MAX_CONVERSATION_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_REQUESTER_CHARS,
    MAX_SUBJECT_CHARS,
    MAX_TENANT_CHARS,
    Channel,
    EventKind,
    TicketStatus,
)

MODULE_MAX_CHARS = 32
TICKET_NUMBER_INDEX = "tickets_tenant_number"
"""Unique index on (tenant, number), so that two tickets of a tenant never share a public id."""
TICKET_CONVERSATION_INDEX = "tickets_tenant_conversation"
"""Index on (tenant, conversation_id), which finds the open ticket of a conversation."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime stored as UTC on every backend.

    SQLite has no time zone type, so values are written there as naive UTC and read back
    with `tzinfo=UTC`; PostgreSQL stores them as `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC; reject a naive one, whose zone is unknown."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone; pass UTC")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_class: type[StrEnum]) -> Enum:
    """Return the column type of a StrEnum field, shared by the ticket and incident tables."""
    # Store the enum values ("L2", "how_to") as plain strings; a native PostgreSQL enum type
    # would need a migration for every new value.
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=MAX_NAME_CHARS,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    """Declarative base of the ticket tables."""


class Ticket(Base):
    """A support ticket."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index(TICKET_NUMBER_INDEX, "tenant", "number", unique=True),
        Index(TICKET_CONVERSATION_INDEX, "tenant", "conversation_id"),
        # Without AUTOINCREMENT SQLite reuses the key of a deleted last row.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(
        String(MAX_TENANT_CHARS), index=True, default=DEFAULT_TENANT, server_default=DEFAULT_TENANT
    )
    number: Mapped[int] = mapped_column(Integer)
    """Position in the tenant's sequence, 1 for its first ticket. The public id is `T-` plus
    this number. Tickets stored before the column existed got `number = id`, so their ids did
    not change."""
    requester: Mapped[str] = mapped_column(String(MAX_REQUESTER_CHARS), index=True)
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT_CHARS))
    description: Mapped[str] = mapped_column(Text)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    intent: Mapped[Intent] = mapped_column(enum_column(Intent))
    module: Mapped[str] = mapped_column(String(MODULE_MAX_CHARS))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    tier: Mapped[Tier] = mapped_column(enum_column(Tier), index=True)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus), index=True)
    team: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS), index=True)
    assignee: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    language: Mapped[Language] = mapped_column(enum_column(Language))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    diagnosis_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fix_plan_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    conversation_id: Mapped[str | None] = mapped_column(String(MAX_CONVERSATION_ID_CHARS))
    reason_code: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS))

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket",
        cascade="all, delete-orphan",
        order_by="TicketEvent.id",
        lazy="selectin",
    )


class TicketEvent(Base):
    """One entry of a ticket's event log."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    actor: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class ConversationLock(Base):
    """Lock row of one conversation, taken while a ticket is opened for it.

    `TicketStore.create` writes this row in the first statement of the transaction that looks
    for an open ticket of the conversation and inserts the new one. Until that transaction ends,
    PostgreSQL holds the row's lock and SQLite the database's write lock, so a concurrent
    transaction for the same conversation waits, then reads the ticket the first one committed.

    NOTE: rows are never deleted, so the table keeps one small row per conversation that ever
    opened a ticket.
    """

    __tablename__ = "conversation_locks"

    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(MAX_CONVERSATION_ID_CHARS), primary_key=True
    )
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaNotice(Base):
    """Claim of one SLA event (`sla_warning` or `sla_breached`) for one tier of a ticket.

    The primary key makes the claim unique: the SLA monitor inserts the claim and the event
    in one transaction, so when several monitors race, the second insert fails and its
    event is rolled back with it.
    """

    __tablename__ = "sla_notices"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[Tier] = mapped_column(enum_column(Tier), primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
