"""Drafted replies of tickets and the agents' decisions on them, in the ticket database.

Each row is one draft of one ticket, stamped with the ticket's `updated_at` and event count it
was written from, so a caller can tell when the ticket changed since. The decision columns
stay empty until an agent accepts, edits or rejects the draft, and are written once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CursorResult,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.database import SqlStore
from assistant.domain import Language
from assistant.drafts.schemas import (
    DraftAcceptance,
    DraftCitation,
    DraftContent,
    DraftDecision,
    DraftEngine,
    DraftRecord,
    DraftStats,
)
from assistant.errors import ConflictError, NotFoundError
from assistant.tickets.models import Base, Ticket, UTCDateTime
from assistant.tickets.schemas import MAX_NAME_CHARS, MAX_TENANT_CHARS, TicketRecord
from assistant.tickets.store import (
    find_ticket_key,
    format_ticket_id,
    parse_ticket_id,
    ticket_key_query,
    upgrade_tickets_table,
)

logger = logging.getLogger(__name__)

NO_TEAM = "no_team"
"""Key of `DraftAcceptance.by_team` for tickets without a team."""
_SHORT_CHARS = 16


class TicketDraftRow(Base):
    """One drafted reply of a ticket and, once decided, what the agent did with it."""

    __tablename__ = "ticket_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kb: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    language: Mapped[str] = mapped_column(String(_SHORT_CHARS))
    text: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    engine: Mapped[str] = mapped_column(String(_SHORT_CHARS))
    retrieval_confidence: Mapped[float] = mapped_column(Float)
    ticket_updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ticket_event_count: Mapped[int] = mapped_column(Integer)
    intent: Mapped[str] = mapped_column(String(MAX_NAME_CHARS), index=True)
    team: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(_SHORT_CHARS), index=True)
    sent_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    edit_distance: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DraftNotFoundError(NotFoundError):
    """Raised when no draft of the ticket has the requested id."""

    def __init__(self, draft_id: int, ticket_id: str) -> None:
        super().__init__(
            f"draft {draft_id} of ticket {ticket_id!r} not found. "
            f"GET /v1/tickets/{ticket_id}/draft returns the current draft and its id",
            code="draft_not_found",
            draft_id=draft_id,
            ticket_id=ticket_id,
        )


class DraftAlreadyDecidedError(ConflictError):
    """Raised when an agent decides on a draft that already has a decision."""

    def __init__(self, draft_id: int, decision: str) -> None:
        super().__init__(
            f"draft {draft_id} was already decided ({decision}), and a draft is decided once",
            code="draft_already_decided",
            draft_id=draft_id,
            decision=decision,
        )


@dataclass(frozen=True)
class Decision:
    """An agent's decision on a draft, ready to store."""

    decision: DraftDecision
    actor: str
    sent_text: str | None = None
    reason: str | None = None
    edit_distance: int | None = None


def _to_record(row: TicketDraftRow, ticket_id: str) -> DraftRecord:
    """Return a draft row as a record, with `ticket_id` as the public id of its ticket."""
    return DraftRecord(
        id=row.id,
        tenant=row.tenant,
        ticket_id=format_ticket_id(parse_ticket_id(ticket_id)),
        kb=row.kb,
        language=Language(row.language),
        text=row.text,
        citations=tuple(DraftCitation.model_validate(item) for item in row.citations),
        engine=DraftEngine(row.engine),
        retrieval_confidence=row.retrieval_confidence,
        ticket_updated_at=row.ticket_updated_at,
        ticket_event_count=row.ticket_event_count,
        intent=row.intent,
        team=row.team,
        created_at=row.created_at,
        decision=None if row.decision is None else DraftDecision(row.decision),
        sent_text=row.sent_text,
        reason=row.reason,
        edit_distance=row.edit_distance,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class DraftStore(SqlStore):
    """Drafts of tickets and their decisions, in the ticket database (tables made on first use).

    Every method takes the tenant and only ever reads or writes that tenant's rows.
    """

    def _create_tables(self, engine: Engine) -> None:
        # The tickets table is listed too because the drafts reference it, and the drafts
        # are looked up by its per-tenant ticket numbers.
        names = (Ticket.__tablename__, TicketDraftRow.__tablename__)
        tables = [Base.metadata.tables[name] for name in names]
        Base.metadata.create_all(engine, tables=tables)
        upgrade_tickets_table(engine)

    def add(
        self,
        ticket: TicketRecord,
        kb: str,
        content: DraftContent,
        *,
        now: datetime | None = None,
    ) -> DraftRecord:
        """Store a new draft of `ticket`, stamped with the ticket's current state.

        Raises:
            TicketNotFoundError: the ticket is not in the database.
        """
        # A read before the insert in one transaction would make SQLite fail at once with
        # "database is locked" under concurrent writes, instead of waiting for the lock.
        with self._transaction() as session:
            ticket_key = find_ticket_key(session, ticket.tenant, ticket.id)
        row = TicketDraftRow(
            tenant=ticket.tenant,
            ticket_id=ticket_key,
            kb=kb,
            language=content.language.value,
            text=content.text,
            citations=[citation.model_dump(mode="json") for citation in content.citations],
            engine=content.engine.value,
            retrieval_confidence=content.retrieval_confidence,
            ticket_updated_at=ticket.updated_at,
            ticket_event_count=len(ticket.events),
            intent=ticket.intent.value,
            team=ticket.team,
            created_at=now or datetime.now(UTC),
        )
        with self._transaction() as session:
            session.add(row)
            session.flush()
            record = _to_record(row, ticket.id)
        logger.info(
            "drafted reply %d of ticket %s engine=%s citations=%d",
            record.id,
            record.ticket_id,
            record.engine.value,
            len(record.citations),
        )
        return record

    def latest(self, tenant: str, ticket_id: str) -> DraftRecord | None:
        """Return the newest draft of a ticket of `tenant`, decided or not, or None."""
        query = (
            select(TicketDraftRow)
            .where(
                TicketDraftRow.tenant == tenant,
                TicketDraftRow.ticket_id == ticket_key_query(tenant, ticket_id).scalar_subquery(),
            )
            .order_by(TicketDraftRow.id.desc())
            .limit(1)
        )
        with self._transaction() as session:
            row = session.scalar(query)
            return None if row is None else _to_record(row, ticket_id)

    def get(self, tenant: str, ticket_id: str, draft_id: int) -> DraftRecord:
        """Return one draft of a ticket of `tenant`.

        Raises:
            DraftNotFoundError: no draft has this id, or it belongs to another ticket or tenant.
        """
        with self._transaction() as session:
            row = self._load_owned(session, draft_id, tenant, ticket_id)
            if row is None:
                raise DraftNotFoundError(draft_id, ticket_id)
            return _to_record(row, ticket_id)

    def decide(
        self,
        draft: DraftRecord,
        decision: Decision,
        ticket: TicketRecord,
        *,
        now: datetime | None = None,
    ) -> DraftRecord:
        """Record a decision on a draft once, together with the ticket's current intent and team.

        The update only matches a draft without a decision, so of two agents deciding at the
        same time exactly one succeeds.

        Raises:
            DraftNotFoundError: the draft is not a draft of `ticket` in its tenant.
            DraftAlreadyDecidedError: the draft already has a decision.
        """
        statement = (
            update(TicketDraftRow)
            .where(
                TicketDraftRow.id == draft.id,
                TicketDraftRow.tenant == ticket.tenant,
                TicketDraftRow.ticket_id
                == ticket_key_query(ticket.tenant, ticket.id).scalar_subquery(),
                TicketDraftRow.decision.is_(None),
            )
            .values(
                decision=decision.decision.value,
                sent_text=decision.sent_text,
                reason=decision.reason,
                edit_distance=decision.edit_distance,
                decided_by=decision.actor,
                decided_at=now or datetime.now(UTC),
                intent=ticket.intent.value,
                team=ticket.team,
            )
        )
        with self._transaction() as session:
            result = cast("CursorResult[Any]", session.execute(statement))
            claimed = result.rowcount
            row = self._load_owned(session, draft.id, ticket.tenant, ticket.id)
            if row is None:
                raise DraftNotFoundError(draft.id, ticket.id)
            if not claimed:
                raise DraftAlreadyDecidedError(draft.id, row.decision or "")
            session.refresh(row)
            record = _to_record(row, ticket.id)
        logger.info(
            "draft %d of ticket %s decided %s by %s edit_distance=%s",
            record.id,
            record.ticket_id,
            decision.decision.value,
            decision.actor,
            decision.edit_distance,
        )
        return record

    def withdraw_decision(self, draft_id: int) -> None:
        """Clear a decision whose reply could not be sent, so the draft can be decided again."""
        statement = (
            update(TicketDraftRow)
            .where(TicketDraftRow.id == draft_id)
            .values(
                decision=None,
                sent_text=None,
                reason=None,
                edit_distance=None,
                decided_by=None,
                decided_at=None,
            )
        )
        with self._transaction() as session:
            session.execute(statement)
        logger.warning("withdrew the decision on draft %d: its reply was not sent", draft_id)

    def acceptance(self, tenant: str) -> DraftAcceptance:
        """Return the tenant's decision totals, overall, per intent and per team."""
        query = select(
            TicketDraftRow.decision,
            TicketDraftRow.intent,
            TicketDraftRow.team,
            TicketDraftRow.edit_distance,
        ).where(TicketDraftRow.tenant == tenant, TicketDraftRow.decision.is_not(None))
        with self._transaction() as session:
            decided = [
                _Decided(DraftDecision(str(decision)), intent, team, distance)
                for decision, intent, team, distance in session.execute(query)
            ]

        by_intent = _group(decided, lambda item: item.intent)
        by_team = _group(decided, lambda item: item.team or NO_TEAM)
        return DraftAcceptance(**_stats(decided).model_dump(), by_intent=by_intent, by_team=by_team)

    @staticmethod
    def _load_owned(
        session: Session, draft_id: int, tenant: str, ticket_id: str
    ) -> TicketDraftRow | None:
        """Return the draft when it is a draft of this ticket of `tenant`, else None."""
        query = select(TicketDraftRow).where(
            TicketDraftRow.id == draft_id,
            TicketDraftRow.tenant == tenant,
            TicketDraftRow.ticket_id == ticket_key_query(tenant, ticket_id).scalar_subquery(),
        )
        return session.scalar(query)


@dataclass(frozen=True)
class _Decided:
    decision: DraftDecision
    intent: str
    team: str | None
    edit_distance: int | None


def _group(decided: list[_Decided], key: Callable[[_Decided], str]) -> dict[str, DraftStats]:
    groups: dict[str, list[_Decided]] = {}
    for item in decided:
        groups.setdefault(key(item), []).append(item)
    return {name: _stats(items) for name, items in sorted(groups.items())}


def _stats(decided: Iterable[_Decided]) -> DraftStats:
    items = list(decided)
    counts = dict.fromkeys(DraftDecision, 0)
    for item in items:
        counts[item.decision] += 1
    distances = [
        item.edit_distance
        for item in items
        if item.decision is DraftDecision.EDIT and item.edit_distance is not None
    ]
    return DraftStats(
        decisions=len(items),
        accepted=counts[DraftDecision.ACCEPT],
        edited=counts[DraftDecision.EDIT],
        rejected=counts[DraftDecision.REJECT],
        acceptance_rate=round(counts[DraftDecision.ACCEPT] / len(items), 4) if items else None,
        mean_edit_distance=round(sum(distances) / len(distances), 1) if distances else None,
    )
