"""Ticket store on SQLAlchemy: SQLite by default, PostgreSQL when the URL names it.

Every write runs in its own transaction that is committed before the method returns, so a
returned `TicketRecord` always describes a ticket that is already saved.
"""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

from pydantic import JsonValue
from sqlalchemy import (
    Engine,
    ScalarSelect,
    Select,
    and_,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.database import SqlStore
from assistant.domain import Intent, Tier
from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.tenants import DEFAULT_TENANT
from assistant.tickets.models import (
    TICKET_CONVERSATION_INDEX,
    TICKET_NUMBER_INDEX,
    Base,
    ConversationLock,
    SlaNotice,
    Ticket,
    TicketEvent,
)
from assistant.tickets.schemas import (
    AGENT_ROLE,
    ASSISTANT_ACTOR,
    MAX_CONVERSATION_ID_CHARS,
    MAX_NAME_CHARS,
    OPEN_STATUSES,
    EventKind,
    TicketDetails,
    TicketDraft,
    TicketEventDraft,
    TicketEventRecord,
    TicketRecord,
    TicketStatus,
    TicketUpdate,
    TranscriptMessage,
)

logger = logging.getLogger(__name__)

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 500
TICKET_ID_PREFIX = "T-"
TICKET_ID_DIGITS = 6
_TICKET_ID_PATTERN = re.compile(r"^\s*T-(\d{1,18})\s*$", re.IGNORECASE)
"""Up to 18 digits, so every number fits a 64-bit integer of SQLite and PostgreSQL."""
TICKET_INSERT_ATTEMPTS = 5
"""Tries to insert a ticket when concurrent inserts of its tenant take the same number."""


class TicketNotFoundError(NotFoundError):
    """Raised when no ticket of the caller's tenant has the requested id."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"ticket {ticket_id!r} not found; check the id, or list tickets to find it",
            code="ticket_not_found",
            ticket_id=ticket_id,
        )
        self.ticket_id = ticket_id


class ConversationTicketOpenError(ConflictError):
    """Raised when a ticket is opened for a conversation whose earlier ticket is still open."""

    def __init__(self, conversation_id: str, ticket_id: str) -> None:
        super().__init__(
            f"conversation {conversation_id!r} already has the open ticket {ticket_id}; add the "
            "message to that ticket"
        )
        self.conversation_id = conversation_id
        self.ticket_id = ticket_id


class InvalidTicketIdError(InputError):
    """Raised when a ticket id does not have the form `T-000123`."""

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"ticket id {ticket_id!r} is invalid; ticket ids look like {format_ticket_id(123)}",
            code="invalid_ticket_id",
            ticket_id=ticket_id,
        )
        self.ticket_id = ticket_id


def format_ticket_id(number: int) -> str:
    """Format a ticket's per-tenant number as its public id, e.g. 123 -> `T-000123`."""
    return f"{TICKET_ID_PREFIX}{number:0{TICKET_ID_DIGITS}d}"


def parse_ticket_id(ticket_id: str) -> int:
    """Return the per-tenant number of a public ticket id, ignoring case and zero padding.

    Raises:
        InvalidTicketIdError: the id does not have the form `T-<digits>`.
    """
    match = _TICKET_ID_PATTERN.match(ticket_id)
    if match is None:
        raise InvalidTicketIdError(ticket_id)
    return int(match.group(1))


def ticket_key_query(tenant: str, ticket_id: str) -> Select[int]:
    """Return a query of the database key of a tenant's ticket, for the tables that link to it.

    Raises:
        InvalidTicketIdError: the id does not have the form `T-<digits>`.
    """
    number = parse_ticket_id(ticket_id)
    return select(Ticket.id).where(Ticket.tenant == tenant, Ticket.number == number)


def find_ticket_key(session: Session, tenant: str, ticket_id: str) -> int:
    """Return the database key of a tenant's ticket.

    Raises:
        InvalidTicketIdError: the id does not have the form `T-<digits>`.
        TicketNotFoundError: the tenant has no ticket with this id.
    """
    key = session.scalar(ticket_key_query(tenant, ticket_id))
    if key is None:
        raise TicketNotFoundError(ticket_id)
    return key


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone; pass UTC")
    return moment.astimezone(UTC)


def _add_tenant_column(engine: Engine) -> None:
    """Add the `tenant` column to a `tickets` table created before tenants existed."""
    columns = {column["name"] for column in inspect(engine).get_columns(Ticket.__tablename__)}
    if "tenant" in columns:
        return
    with engine.begin() as connection:
        connection.execute(
            text(
                "ALTER TABLE tickets ADD COLUMN tenant VARCHAR(32) NOT NULL "
                f"DEFAULT '{DEFAULT_TENANT}'"
            )
        )
    logger.info("added the tenant column to the tickets table of %s", engine.url)


def _add_number_column(engine: Engine) -> None:
    """Add the per-tenant `number` column and its unique index to an older `tickets` table.

    Existing rows get `number = id`, so every public id stays what it was. Each step may run
    again, because another process may have done part of it, or a crash may have stopped it
    halfway (SQLite commits `ALTER TABLE` on its own). A concurrent duplicate `ALTER TABLE`
    fails, and `SqlStore._create_tables_with_retries` tries again.
    """
    inspector = inspect(engine)
    columns = {column["name"] for column in inspector.get_columns(Ticket.__tablename__)}
    indexes = {index["name"] for index in inspector.get_indexes(Ticket.__tablename__)}
    if "number" in columns and TICKET_NUMBER_INDEX in indexes:
        return
    with engine.begin() as connection:
        if "number" not in columns:
            connection.execute(text("ALTER TABLE tickets ADD COLUMN number INTEGER"))
        connection.execute(text("UPDATE tickets SET number = id WHERE number IS NULL"))
        connection.execute(
            text(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {TICKET_NUMBER_INDEX} "
                "ON tickets (tenant, number)"
            )
        )
    logger.info("added the number column to the tickets table of %s", engine.url)


_LATER_COLUMNS = {
    "conversation_id": f"VARCHAR({MAX_CONVERSATION_ID_CHARS})",
    "reason_code": f"VARCHAR({MAX_NAME_CHARS})",
}
"""Nullable columns added after the `number` column, with their SQL types."""


def _add_later_columns(engine: Engine) -> None:
    """Add the nullable columns of `_LATER_COLUMNS` and the conversation index to `tickets`.

    Tickets stored before have NULL there: no conversation and no reason code. Like
    `_add_number_column`, each step may run again after a concurrent or interrupted upgrade.
    """
    inspector = inspect(engine)
    columns = {column["name"] for column in inspector.get_columns(Ticket.__tablename__)}
    indexes = {index["name"] for index in inspector.get_indexes(Ticket.__tablename__)}
    missing = [name for name in _LATER_COLUMNS if name not in columns]
    if not missing and TICKET_CONVERSATION_INDEX in indexes:
        return
    with engine.begin() as connection:
        for name in missing:
            column_type = _LATER_COLUMNS[name]
            connection.execute(text(f"ALTER TABLE tickets ADD COLUMN {name} {column_type}"))
        connection.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS {TICKET_CONVERSATION_INDEX} "
                "ON tickets (tenant, conversation_id)"
            )
        )
    logger.info("added the columns %s to the tickets table of %s", missing, engine.url)


def upgrade_tickets_table(engine: Engine) -> None:
    """Add the columns that a `tickets` table created by an older version lacks.

    Every store that reads `tickets` calls it after creating its tables, because the store
    that first opens an old database may not be the ticket store.
    """
    _add_tenant_column(engine)
    _add_number_column(engine)
    _add_later_columns(engine)


def _next_number(tenant: str) -> ScalarSelect[int]:
    """Return the SQL expression of a tenant's next ticket number: its highest number plus 1.

    It runs inside the INSERT, the first statement of its transaction. On SQLite that statement
    waits for the database's write lock before it reads, so inserts take turns. On PostgreSQL
    two inserts can read the same maximum, and the unique index rejects the later one.

    NOTE: the tickets are never deleted by the assistant. A tenant's newest ticket deleted by
    hand gives its number to the tenant's next ticket.
    """
    return (
        select(func.coalesce(func.max(Ticket.number), 0) + 1)
        .where(Ticket.tenant == tenant)
        .scalar_subquery()
    )


def _to_event_record(row: TicketEvent) -> TicketEventRecord:
    return TicketEventRecord(kind=row.kind, at=row.at, actor=row.actor, data=row.data)


def _to_record(row: Ticket) -> TicketRecord:
    return TicketRecord(
        id=format_ticket_id(row.number),
        tenant=row.tenant,
        requester=row.requester,
        subject=row.subject,
        description=row.description,
        transcript=tuple(TranscriptMessage.model_validate(m) for m in row.transcript),
        intent=row.intent,
        module=row.module,
        priority=row.priority,
        tier=row.tier,
        status=row.status,
        team=row.team,
        assignee=row.assignee,
        channel=row.channel,
        language=row.language,
        details=TicketDetails.model_validate(row.details),
        first_reply_due_at=row.first_reply_due_at,
        diagnosis_due_at=row.diagnosis_due_at,
        fix_plan_due_at=row.fix_plan_due_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        events=tuple(_to_event_record(event) for event in row.events),
        conversation_id=row.conversation_id,
        reason_code=row.reason_code,
    )


def _change_event(kind: EventKind, actor: str, before: str, after: str) -> TicketEventDraft:
    """Return the event that logs a field's change, with data `{"from", "to"}`.

    `before` and `after` are the field's values, such as `Intent` members or module names.
    """
    return TicketEventDraft(kind=kind, actor=actor, data={"from": str(before), "to": str(after)})


def _append_event(row: Ticket, event: TicketEventDraft, at: datetime) -> None:
    row.events.append(TicketEvent(at=at, kind=event.kind, actor=event.actor, data=dict(event.data)))


def _lock_conversation(session: Session, tenant: str, conversation_id: str, at: datetime) -> None:
    """Write the conversation's lock row, waiting while another transaction holds it.

    It must be the first statement of its transaction, because SQLite then waits for the write
    lock instead of failing at once with "database is locked", as it would after a read.
    """
    values = {"tenant": tenant, "conversation_id": conversation_id, "locked_at": at}
    if session.get_bind().dialect.name == "postgresql":
        pg_statement = postgresql.insert(ConversationLock).values(values)
        session.execute(
            pg_statement.on_conflict_do_update(
                index_elements=["tenant", "conversation_id"],
                set_={"locked_at": pg_statement.excluded.locked_at},
            )
        )
        return
    sqlite_statement = sqlite.insert(ConversationLock).values(values)
    session.execute(
        sqlite_statement.on_conflict_do_update(
            index_elements=["tenant", "conversation_id"],
            set_={"locked_at": sqlite_statement.excluded.locked_at},
        )
    )


def _open_conversation_ticket(session: Session, tenant: str, conversation_id: str) -> int | None:
    """Return the number of the conversation's newest open ticket, or None."""
    query = (
        select(Ticket.number)
        .where(
            Ticket.tenant == tenant,
            Ticket.conversation_id == conversation_id,
            Ticket.status.in_(OPEN_STATUSES),
        )
        .order_by(Ticket.number.desc())
        .limit(1)
    )
    return session.scalar(query)


class TicketStore(SqlStore):
    """Tickets and their event logs in one SQL database.

    Args:
        url: SQLAlchemy URL, e.g. `sqlite:////var/lib/assistant/assistant.db` or
            `postgresql+psycopg://support@db.internal/support`. The tables are created on
            first use when they do not exist yet.
    """

    def _create_tables(self, engine: Engine) -> None:
        Base.metadata.create_all(engine)
        upgrade_tickets_table(engine)

    def _load(self, session: Session, ticket_id: str, tenant: str) -> Ticket:
        number = parse_ticket_id(ticket_id)
        row = session.scalar(select(Ticket).where(Ticket.tenant == tenant, Ticket.number == number))
        if row is None:
            raise TicketNotFoundError(ticket_id)
        return row

    def create(
        self,
        draft: TicketDraft,
        *,
        fields: TicketUpdate | None = None,
        events: Sequence[TicketEventDraft] = (),
        actor: str = ASSISTANT_ACTOR,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Insert a ticket with status `new`, log `opened` and any further `events`, and commit.

        The ticket gets the next number of its tenant, so a tenant's first ticket is
        `T-000001`. When a concurrent insert of the same tenant took that number first, the
        insert is tried again with the next one, up to `TICKET_INSERT_ATTEMPTS` times.

        A draft with a conversation id opens a ticket only while the conversation has no open
        ticket (new, open, pending or escalated). The check and the insert run in one
        transaction that holds the conversation's lock row, so of several processes that open
        a ticket for one conversation at once, one inserts and the others raise.

        Args:
            draft: What the agent collected.
            fields: Values set at creation on top of the draft, such as SLA due times,
                team and assignee; only the fields passed explicitly are written.
            events: Events logged after `opened`, in the same transaction.
            actor: Actor of the `opened` event.
            now: Creation time (aware); defaults to the current UTC time.

        Raises:
            ConversationTicketOpenError: the draft's conversation has an open ticket; the
                error names it.
            IntegrityError: every try lost its number to a concurrent insert.
        """
        created_at = _require_aware(now) if now is not None else _utc_now()
        for attempt in range(1, TICKET_INSERT_ATTEMPTS):
            try:
                return self._insert(draft, fields, events, actor, created_at)
            except IntegrityError:
                # Each lost try means another ticket of the tenant was committed, so the next
                # try reads a higher maximum.
                logger.info(
                    "ticket number of tenant %s was taken concurrently, try %d of %d",
                    draft.tenant,
                    attempt,
                    TICKET_INSERT_ATTEMPTS,
                )
        return self._insert(draft, fields, events, actor, created_at)

    def _insert(
        self,
        draft: TicketDraft,
        fields: TicketUpdate | None,
        events: Sequence[TicketEventDraft],
        actor: str,
        created_at: datetime,
    ) -> TicketRecord:
        row = Ticket(
            tenant=draft.tenant,
            number=_next_number(draft.tenant),
            requester=draft.requester,
            subject=draft.subject,
            description=draft.description,
            transcript=[message.model_dump(mode="json") for message in draft.transcript],
            intent=draft.intent,
            module=draft.module,
            priority=draft.priority,
            tier=draft.tier,
            status=TicketStatus.NEW,
            team=None,
            assignee=None,
            channel=draft.channel,
            language=draft.language,
            details=draft.details.model_dump(mode="json"),
            created_at=created_at,
            updated_at=created_at,
            conversation_id=draft.conversation_id,
            reason_code=draft.reason_code,
        )
        if fields is not None:
            self._apply(row, fields)
        opened = TicketEventDraft(
            kind=EventKind.OPENED,
            actor=actor,
            data={"tier": row.tier.value, "priority": row.priority.value},
        )
        for event in (opened, *events):
            _append_event(row, event, created_at)

        with self._transaction() as session:
            if draft.conversation_id is not None:
                self._check_conversation_free(session, draft, created_at)
            session.add(row)
            session.flush()
            record = _to_record(row)
        logger.info(
            "opened ticket %s tier=%s module=%s conversation=%s reason_code=%s",
            record.id,
            record.tier,
            record.module,
            record.conversation_id,
            record.reason_code,
        )
        return record

    @staticmethod
    def _check_conversation_free(session: Session, draft: TicketDraft, at: datetime) -> None:
        """Lock the draft's conversation, then raise if it already has an open ticket."""
        tenant, conversation_id = draft.tenant, str(draft.conversation_id)
        _lock_conversation(session, tenant, conversation_id, at)
        number = _open_conversation_ticket(session, tenant, conversation_id)
        if number is not None:
            ticket_id = format_ticket_id(number)
            logger.info(
                "conversation %s of tenant %s already has the open ticket %s",
                conversation_id,
                tenant,
                ticket_id,
            )
            raise ConversationTicketOpenError(conversation_id, ticket_id)

    def get(self, ticket_id: str, *, tenant: str) -> TicketRecord:
        """Return the tenant's ticket with this public id.

        Args:
            ticket_id: Public id such as `T-000123`.
            tenant: Tenant of the caller. Each tenant numbers its tickets from 1, so another
                tenant's ticket with the same number is not found.

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        with self._transaction() as session:
            return _to_record(self._load(session, ticket_id, tenant))

    def list(
        self,
        status: TicketStatus | None = None,
        tier: Tier | None = None,
        team: str | None = None,
        assignee: str | None = None,
        limit: int = DEFAULT_LIST_LIMIT,
        tenant: str | None = None,
        intents: Collection[Intent] | None = None,
    ) -> builtins.list[TicketRecord]:
        """Return tickets that match every filter given, newest first.

        Args:
            intents: When given, only tickets with one of these intents.

        Raises:
            InputError: `limit` is outside 1..MAX_LIST_LIMIT.
        """
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InputError(f"limit {limit} is invalid; pass a value from 1 to {MAX_LIST_LIMIT}")
        query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Ticket.status == status)
        if tier is not None:
            query = query.where(Ticket.tier == tier)
        if team is not None:
            query = query.where(Ticket.team == team)
        if assignee is not None:
            query = query.where(Ticket.assignee == assignee)
        if tenant is not None:
            query = query.where(Ticket.tenant == tenant)
        if intents is not None:
            query = query.where(Ticket.intent.in_(list(intents)))

        with self._transaction() as session:
            return [_to_record(row) for row in session.scalars(query)]

    def tenants(self) -> builtins.list[str]:
        """Return the tenants that have at least one ticket, sorted by name."""
        query = select(Ticket.tenant).distinct().order_by(Ticket.tenant)
        with self._transaction() as session:
            return list(session.scalars(query))

    def count_by_intent(self, tenant: str) -> dict[str, int]:
        """Count a tenant's tickets per intent, whatever their status."""
        query = (
            select(Ticket.intent, func.count())
            .where(Ticket.tenant == tenant)
            .group_by(Ticket.intent)
        )
        with self._transaction() as session:
            return {intent.value: count for intent, count in session.execute(query)}

    def count_open_by_assignee(self, *, exclude: TicketRecord | None = None) -> dict[str, int]:
        """Count the open tickets (new, open, pending, escalated) of every tenant per agent.

        Args:
            exclude: A ticket left out of the counts, such as the one being reassigned, so
                that it does not count against its current assignee.
        """
        query = (
            select(Ticket.assignee, func.count())
            .where(Ticket.assignee.is_not(None), Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.assignee)
        )
        if exclude is not None:
            number = parse_ticket_id(exclude.id)
            query = query.where(~and_(Ticket.tenant == exclude.tenant, Ticket.number == number))

        with self._transaction() as session:
            return {assignee: count for assignee, count in session.execute(query) if assignee}

    def update(
        self,
        ticket_id: str,
        changes: TicketUpdate,
        *,
        tenant: str,
        events: Sequence[TicketEventDraft] = (),
        actor: str = ASSISTANT_ACTOR,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Write the fields set in `changes`, log `events`, and commit both together.

        A change of intent logs an `intent_changed` event and a change of module a
        `module_changed` event, both by `actor` and before `events`. A change of status logs a
        `status_changed` event after them.

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        at = _require_aware(now) if now is not None else _utc_now()
        with self._transaction() as session:
            row = self._load(session, ticket_id, tenant)
            previous_status = row.status
            previous_intent = row.intent
            previous_module = row.module
            self._apply(row, changes)
            if row.intent != previous_intent:
                intent_event = _change_event(
                    EventKind.INTENT_CHANGED, actor, previous_intent, row.intent
                )
                _append_event(row, intent_event, at)
            if row.module != previous_module:
                module_event = _change_event(
                    EventKind.MODULE_CHANGED, actor, previous_module, row.module
                )
                _append_event(row, module_event, at)
            for event in events:
                _append_event(row, event, at)
            if row.status != previous_status:
                status_event = _change_event(
                    EventKind.STATUS_CHANGED, actor, previous_status, row.status
                )
                _append_event(row, status_event, at)
            row.updated_at = at
            session.flush()
            return _to_record(row)

    def add_event(
        self,
        ticket_id: str,
        kind: EventKind,
        *,
        tenant: str,
        actor: str,
        data: Mapping[str, JsonValue] | None = None,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Append one event to a ticket's log and commit it.

        Use `update` for a status change, so that the status and its event stay in step.

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        event = TicketEventDraft(kind=kind, actor=actor, data=dict(data or {}))
        return self.update(
            ticket_id, TicketUpdate(), tenant=tenant, events=[event], actor=actor, now=now
        )

    def add_agent_reply(
        self,
        ticket_id: str,
        text: str,
        *,
        tenant: str,
        actor: str,
        data: Mapping[str, JsonValue] | None = None,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Send a support agent's public reply: append it to the transcript and log a comment.

        The transcript message has the role `agent`. The `commented` event carries the text
        plus `data`, and like any comment it counts as a reply for the SLA.

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        message = TranscriptMessage(role=AGENT_ROLE, content=text)
        record = self.add_message(
            ticket_id, message, tenant=tenant, actor=actor, data=data, now=now
        )
        logger.info("agent %s replied on ticket %s", actor, record.id)
        return record

    def add_message(
        self,
        ticket_id: str,
        message: TranscriptMessage,
        *,
        tenant: str,
        actor: str,
        data: Mapping[str, JsonValue] | None = None,
        now: datetime | None = None,
    ) -> TicketRecord:
        """Append a conversation message to the transcript and log it as a comment by `actor`.

        The `commented` event carries the message text plus `data`. Whether it meets the SLA
        target depends on the actor (see `assistant.tickets.sla.target_met_at`).

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        at = _require_aware(now) if now is not None else _utc_now()
        event = TicketEventDraft(
            kind=EventKind.COMMENTED, actor=actor, data={**(data or {}), "text": message.content}
        )
        with self._transaction() as session:
            row = self._load(session, ticket_id, tenant)
            # A new list, because SQLAlchemy does not see in-place changes of a JSON value.
            row.transcript = [*row.transcript, message.model_dump(mode="json")]
            _append_event(row, event, at)
            row.updated_at = at
            session.flush()
            return _to_record(row)

    def list_due(self, before: datetime) -> builtins.list[TicketRecord]:
        """Return the open tickets of every tenant whose current tier is due at or before `before`.

        Raises:
            ValueError: `before` is a naive datetime.
        """
        limit = _require_aware(before)
        due_now = or_(
            and_(Ticket.tier == Tier.L1, Ticket.first_reply_due_at <= limit),
            and_(Ticket.tier == Tier.L2, Ticket.diagnosis_due_at <= limit),
            and_(Ticket.tier == Tier.L3, Ticket.fix_plan_due_at <= limit),
        )
        query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), due_now).order_by(Ticket.id)
        with self._transaction() as session:
            return [_to_record(row) for row in session.scalars(query)]

    def record_sla_event(
        self,
        ticket_id: str,
        kind: EventKind,
        tier: Tier,
        *,
        tenant: str,
        actor: str,
        data: Mapping[str, JsonValue],
        now: datetime,
    ) -> bool:
        """Log an SLA event once per ticket, tier and kind, even when several processes race.

        The claim row in `sla_notices` and the event are written in one transaction whose first
        statement is the claim insert. A second writer waits for the first one's lock
        (SQLite) or row (PostgreSQL), then fails on the primary key and writes nothing.

        Returns:
            True when this call logged the event; False when it was logged before.

        Raises:
            InvalidTicketIdError: the id does not have the form `T-000123`.
            TicketNotFoundError: the tenant has no ticket with this id.
        """
        at = _require_aware(now)
        # The key is read in a transaction of its own, because a read before the claim insert
        # would make SQLite fail at once with "database is locked" instead of waiting.
        with self._transaction() as session:
            key = find_ticket_key(session, tenant, ticket_id)
        claim = insert(SlaNotice).values(ticket_id=key, tier=tier, kind=kind, at=at)
        try:
            with self._transaction() as session:
                session.execute(claim)
                session.add(
                    TicketEvent(ticket_id=key, at=at, kind=kind, actor=actor, data=dict(data))
                )
        except IntegrityError:
            return False
        return True

    @staticmethod
    def _apply(row: Ticket, changes: TicketUpdate) -> None:
        for name in changes.model_fields_set:
            setattr(row, name, getattr(changes, name))
