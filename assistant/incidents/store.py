"""Incident store on SQLAlchemy, in the same database as the tickets.

Every write runs in its own transaction that is committed before the method returns. The
surge check (`record_report`) first updates the `incident_locks` row of the ticket's tenant and
module, so concurrent checks of one module run one after another, in one process or many. Only
the first check that finds a burst without an incident opens one.
"""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from pydantic import JsonValue
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.database import SqlStore
from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.incidents.models import (
    Incident,
    IncidentEvent,
    IncidentLock,
    IncidentTicket,
    log_event,
    to_record,
    to_summary,
)
from assistant.incidents.schemas import (
    OPEN_INCIDENT_STATUSES,
    IncidentDetail,
    IncidentEventKind,
    IncidentRecord,
    IncidentStatus,
    IncidentSummary,
    IncidentUpdate,
    LinkedTicket,
    SurgeOutcome,
    SurgeRule,
    format_incident_id,
)
from assistant.incidents.similarity import TextSimilarity
from assistant.incidents.surge import Report, check_report, may_join_incident
from assistant.tickets.models import Base, Ticket
from assistant.tickets.schemas import TicketRecord
from assistant.tickets.store import (
    DEFAULT_LIST_LIMIT,
    MAX_LIST_LIMIT,
    find_ticket_key,
    format_ticket_id,
    parse_ticket_id,
    upgrade_tickets_table,
)

logger = logging.getLogger(__name__)

_INCIDENT_ID_PATTERN = re.compile(r"^\s*INC-(\d{1,18})\s*$", re.IGNORECASE)
_TABLES = (
    Incident.__tablename__,
    IncidentTicket.__tablename__,
    IncidentEvent.__tablename__,
    IncidentLock.__tablename__,
)


class IncidentNotFoundError(NotFoundError):
    """Raised when no incident of the caller's tenant has the requested id."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(
            f"incident {incident_id!r} not found; check the id, or list incidents to find it",
            code="incident_not_found",
            incident_id=incident_id,
        )


class InvalidIncidentIdError(InputError):
    """Raised when an incident id does not have the form `INC-000123`."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(
            f"incident id {incident_id!r} is invalid; incident ids look like "
            f"{format_incident_id(123)}",
            code="invalid_incident_id",
            incident_id=incident_id,
        )


class IncidentResolvedError(ConflictError):
    """Raised when a resolved incident is changed. A recurrence opens a new incident."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(
            f"incident {incident_id} is resolved and cannot change; a new surge opens a new one",
            code="incident_resolved",
            incident_id=incident_id,
        )


def parse_incident_id(incident_id: str) -> int:
    """Return the database key of a public incident id, ignoring case and zero padding.

    Raises:
        InvalidIncidentIdError: the id does not have the form `INC-<digits>`.
    """
    match = _INCIDENT_ID_PATTERN.match(incident_id)
    if match is None:
        raise InvalidIncidentIdError(incident_id)
    return int(match.group(1))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class IncidentStore(SqlStore):
    """Incidents, their ticket links and event logs in the ticket database.

    Args:
        url: SQLAlchemy URL of the ticket database. The tables are created on first use.
    """

    def _create_tables(self, engine: Engine) -> None:
        # The links reference `tickets`, so that table must exist too, with its ticket numbers.
        names = (Ticket.__tablename__, *_TABLES)
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in names])
        upgrade_tickets_table(engine)

    def record_report(
        self, ticket: TicketRecord, rule: SurgeRule, similarity: TextSimilarity
    ) -> SurgeOutcome | None:
        """Link a new report to an open incident, or open one when it completes a burst.

        See `assistant.incidents.surge` for the rule. The check runs while this store holds
        the lock row of the ticket's tenant and module.

        Args:
            ticket: The committed ticket of the new report.
            rule: Thresholds of a surge.
            similarity: Vectorizer that compares report texts.

        Returns:
            What happened, or None when the report belongs to no open incident.

        Raises:
            TicketNotFoundError: the ticket is not in the database.
        """
        if ticket.intent not in rule.intents:
            return None
        vector = similarity.vector(ticket.description)
        if not vector:
            return None
        # Most reports are not part of a surge, so a read-only count settles them without the
        # lock, whose write transaction costs a commit.
        with self._transaction() as session:
            report = Report(
                key=find_ticket_key(session, ticket.tenant, ticket.id),
                number=parse_ticket_id(ticket.id),
                tenant=ticket.tenant,
                module=ticket.module,
                requester=ticket.requester,
                created_at=ticket.created_at,
                vector=vector,
            )
            if not may_join_incident(session, report, rule):
                return None
        with self._module_lock(ticket.tenant, ticket.module) as session:
            return check_report(session, report, rule, similarity)

    def get(self, incident_id: str, *, tenant: str | None = None) -> IncidentRecord:
        """Return the incident with this public id.

        Raises:
            InvalidIncidentIdError: the id does not have the form `INC-000123`.
            IncidentNotFoundError: no incident has this id (in this tenant).
        """
        with self._transaction() as session:
            return to_record(session, self._load(session, incident_id, tenant))

    def detail(self, incident_id: str, *, tenant: str) -> IncidentDetail:
        """Return the incident with its linked tickets.

        Raises:
            InvalidIncidentIdError: the id does not have the form `INC-000123`.
            IncidentNotFoundError: no incident of the tenant has this id.
        """
        with self._transaction() as session:
            row = self._load(session, incident_id, tenant)
            query = (
                select(
                    Ticket.number,
                    Ticket.subject,
                    Ticket.status,
                    Ticket.intent,
                    Ticket.language,
                    Ticket.created_at,
                    IncidentTicket.linked_at,
                )
                .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
                .where(IncidentTicket.incident_id == row.id)
                .order_by(IncidentTicket.linked_at, Ticket.id)
            )
            tickets = tuple(
                LinkedTicket(
                    id=format_ticket_id(number),
                    subject=subject,
                    status=status,
                    intent=intent,
                    language=language,
                    created_at=created_at,
                    linked_at=linked_at,
                )
                for number, subject, status, intent, language, created_at, linked_at in (
                    session.execute(query)
                )
            )
            return IncidentDetail(**to_record(session, row).model_dump(), tickets=tickets)

    def list(
        self,
        tenant: str,
        *,
        status: IncidentStatus | None = None,
        open_only: bool = False,
        module: str | None = None,
        limit: int = DEFAULT_LIST_LIMIT,
    ) -> builtins.list[IncidentSummary]:
        """Return the tenant's incidents that match every filter given, newest first.

        Raises:
            InputError: `limit` is outside 1..MAX_LIST_LIMIT.
        """
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InputError(f"limit {limit} is invalid; pass a value from 1 to {MAX_LIST_LIMIT}")
        linked = (
            select(func.count())
            .where(IncidentTicket.incident_id == Incident.id)
            .correlate(Incident)
            .scalar_subquery()
        )
        query = (
            select(Incident, linked)
            .where(Incident.tenant == tenant)
            .order_by(Incident.created_at.desc(), Incident.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(Incident.status == status)
        if open_only:
            query = query.where(Incident.status.in_(OPEN_INCIDENT_STATUSES))
        if module is not None:
            query = query.where(Incident.module == module)
        with self._transaction() as session:
            return [to_summary(row, count) for row, count in session.execute(query)]

    def update(
        self,
        incident_id: str,
        changes: IncidentUpdate,
        *,
        tenant: str,
        actor: str,
        now: datetime | None = None,
    ) -> IncidentRecord:
        """Change the status or public messages and log each change.

        Raises:
            InvalidIncidentIdError: the id does not have the form `INC-000123`.
            IncidentNotFoundError: no incident of the tenant has this id.
            IncidentResolvedError: the incident is resolved already.
        """
        at = now or _utc_now()
        with self._transaction() as session:
            row = self._load(session, incident_id, tenant)
            if row.status is IncidentStatus.RESOLVED:
                raise IncidentResolvedError(format_incident_id(row.id))
            if changes.status is not None and changes.status is not row.status:
                change: dict[str, JsonValue] = {
                    "from": row.status.value,
                    "to": changes.status.value,
                }
                log_event(row, IncidentEventKind.STATUS_CHANGED, actor, change, at)
                row.status = changes.status
                if changes.status is IncidentStatus.RESOLVED:
                    row.resolved_at = at
            messages = {"message_en": changes.message_en, "message_zh": changes.message_zh}
            for field, text in messages.items():
                if text is not None and text != getattr(row, field):
                    setattr(row, field, text)
                    log_event(row, IncidentEventKind.MESSAGE_UPDATED, actor, {field: text}, at)
            row.updated_at = at
            session.flush()
            record = to_record(session, row)
        logger.info("incident %s status=%s updated by %s", record.id, record.status, actor)
        return record

    def add_event(
        self,
        incident_id: str,
        kind: IncidentEventKind,
        *,
        actor: str,
        data: Mapping[str, JsonValue],
        now: datetime | None = None,
    ) -> None:
        """Append one event to an incident's log and commit it.

        Raises:
            InvalidIncidentIdError: the id does not have the form `INC-000123`.
            IncidentNotFoundError: no incident has this id.
        """
        with self._transaction() as session:
            row = self._load(session, incident_id, None)
            log_event(row, kind, actor, data, now or _utc_now())

    def _load(self, session: Session, incident_id: str, tenant: str | None) -> Incident:
        row = session.get(Incident, parse_incident_id(incident_id))
        if row is None or (tenant is not None and row.tenant != tenant):
            raise IncidentNotFoundError(incident_id)
        return row

    @contextmanager
    def _module_lock(self, tenant: str, module: str) -> Iterator[Session]:
        """Yield a transaction that holds the lock row of one tenant's module."""
        with self._transaction() as session:
            if self._take_lock(session, tenant, module):
                yield session
                return
        # The first report of a module: create its lock row, then take it.
        try:
            with self._transaction() as session:
                session.execute(
                    insert(IncidentLock).values(tenant=tenant, module=module, checked_reports=0)
                )
        except IntegrityError:
            logger.debug("lock row of tenant=%s module=%s created concurrently", tenant, module)
        with self._transaction() as session:
            if not self._take_lock(session, tenant, module):
                raise RuntimeError(f"lock row of tenant={tenant} module={module} is missing")
            yield session

    @staticmethod
    def _take_lock(session: Session, tenant: str, module: str) -> bool:
        # An UPDATE as the transaction's first statement takes SQLite's write lock (waiting up
        # to the busy timeout) or PostgreSQL's row lock. Later reads in the transaction then see
        # every report committed by checks that held the lock before.
        result = session.execute(
            update(IncidentLock)
            .where(IncidentLock.tenant == tenant, IncidentLock.module == module)
            .values(checked_reports=IncidentLock.checked_reports + 1)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
