"""Turn log: one row per answered user message, stored in the ticket database.

`SupportAgent.ask` records every turn after the graph run, so both the CLI and the API log.
`TurnStore.record` only queues the row, and a background thread writes queued rows in batches.
So a turn never waits for a database commit, and a failed write is logged, not shown to the user.
Reads and `close` first wait until this process's queued rows are written, so a process
always reads its own turns.
Another process may see a turn up to about `WRITE_DELAY_SECONDS` plus one commit after the reply.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Text,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import DatabaseUnreachableError, SqlStore, database_error_summary
from assistant.errors import InputError
from assistant.tickets.models import MODULE_MAX_CHARS, Base, UTCDateTime
from assistant.tickets.schemas import (
    MAX_CONVERSATION_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_REQUESTER_CHARS,
    MAX_TENANT_CHARS,
)

logger = logging.getLogger(__name__)

MAX_KB_CHARS = 64
MAX_VERSION_CHARS = 32
MAX_LANGUAGE_CHARS = 8
MAX_TICKET_ID_CHARS = 32
WRITE_DELAY_SECONDS = 0.1
"""How long the writer waits for more turns before it writes a batch, unless a reader waits.

Measured on a SQLite file on 2 cores: inserting and committing one row costs about 0.6 ms of
CPU, and a batch of 10 rows about 0.1 ms per row."""
WRITE_ATTEMPTS = 2
"""Attempts to write a whole batch before its turns are written one by one."""
MAX_PENDING_TURNS = 10_000
"""Maximum number of queued turns while the database rejects writes. Newer turns are dropped."""
DROP_LOG_EVERY = 1_000
"""Number of dropped turns per warning logged while turns are being dropped."""
DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 10_000


class ConversationTurn(Base):
    """One user message the assistant answered, with what the agent decided."""

    __tablename__ = "conversation_turns"
    __table_args__ = (
        Index("conversation_turns_tenant_created", "tenant", "created_at"),
        Index("conversation_turns_tenant_conversation", "tenant", "conversation_id"),
        Index("conversation_turns_tenant_user", "tenant", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(MAX_TENANT_CHARS))
    kb: Mapped[str] = mapped_column(String(MAX_KB_CHARS))
    """Stored KB name, `{tenant}.{kb}`."""
    channel: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    conversation_id: Mapped[str] = mapped_column(String(MAX_CONVERSATION_ID_CHARS))
    user_id: Mapped[str | None] = mapped_column(String(MAX_REQUESTER_CHARS))
    user_role: Mapped[str | None] = mapped_column(String(MAX_NAME_CHARS))
    product_version: Mapped[str | None] = mapped_column(String(MAX_VERSION_CHARS))
    language: Mapped[str] = mapped_column(String(MAX_LANGUAGE_CHARS))
    intent: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    intent_confidence: Mapped[float] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    ticket_id: Mapped[str | None] = mapped_column(String(MAX_TICKET_ID_CHARS))
    """Ticket the turn opened, escalated, handed off or added details to."""
    retrieval_confidence: Mapped[float] = mapped_column(Float)
    kb_unanswered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    """Whether the agent left a question the KB should answer unanswered, by
    `graphs.support.policy.leaves_kb_unanswered`. NULL on turns recorded before the column
    existed: readers judge those by their retrieval confidence."""
    module: Mapped[str] = mapped_column(String(MODULE_MAX_CHARS))
    question: Mapped[str] = mapped_column(Text)
    cited_docs: Mapped[list[str]] = mapped_column(JSON)
    """Paths of the KB documents the answer cites, relative to the ingested folder."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class TurnDraft:
    """A turn to record. Its `created_at` must be timezone-aware."""

    tenant: str
    kb: str
    channel: str
    conversation_id: str
    user_id: str | None
    user_role: str | None
    product_version: str | None
    language: str
    intent: str
    intent_confidence: float
    action: str
    ticket_id: str | None
    retrieval_confidence: float
    kb_unanswered: bool | None
    """See `ConversationTurn.kb_unanswered`. Readers treat None as a turn recorded before the
    column existed."""
    module: str
    question: str
    cited_docs: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class TurnRecord(TurnDraft):
    """A recorded turn with its row id."""

    id: int


_TURNS_TABLE = Base.metadata.tables[ConversationTurn.__tablename__]

_TEXT_LIMITS = {
    column.name: column.type.length
    for column in _TURNS_TABLE.columns
    if isinstance(column.type, String) and column.type.length
}
"""Maximum length of each bounded text column: longer values are cut so the row still fits."""


def _row_values(turn: TurnDraft) -> dict[str, object]:
    values = asdict(turn)
    for name, limit in _TEXT_LIMITS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            values[name] = value[:limit]
    values["cited_docs"] = list(turn.cited_docs)
    return values


def add_kb_unanswered_column(engine: Engine) -> None:
    """Add the nullable `kb_unanswered` column to a turns table created before it existed.

    Two processes may both add it. The loser's "duplicate column" error makes
    `SqlStore._create_tables_with_retries` try again, and the next check finds the column.
    """
    table = ConversationTurn.__tablename__
    columns = {column["name"] for column in inspect(engine).get_columns(table)}
    if "kb_unanswered" in columns:
        return
    with engine.begin() as connection:
        connection.execute(text(f"ALTER TABLE {table} ADD COLUMN kb_unanswered BOOLEAN"))
    logger.info("added the kb_unanswered column to the %s table of %s", table, engine.url)


def to_turn_record(row: ConversationTurn) -> TurnRecord:
    """Return a turn row as a record."""
    values = {field.name: getattr(row, field.name) for field in fields(TurnRecord)}
    values["cited_docs"] = tuple(row.cited_docs or ())
    return TurnRecord(**values)


class TurnStore(SqlStore):
    """Turn log of every tenant. `record` queues a turn and a background thread writes batches."""

    def __init__(self, url: str, *, max_batch: int = 500) -> None:
        super().__init__(url)
        self._max_batch = max_batch
        self._pending: list[TurnDraft] = []
        self._writing = 0
        self._waiting_readers = 0
        self._dropped = 0
        self._closed = False
        self._writer: threading.Thread | None = None
        self._condition = threading.Condition()

    def _create_tables(self, engine: Engine) -> None:
        Base.metadata.create_all(engine, tables=[_TURNS_TABLE])
        add_kb_unanswered_column(engine)

    def record(self, turn: TurnDraft) -> None:
        """Queue a turn for the background writer without waiting for the database.

        A closed store or a full queue drops the turn with a warning instead of raising.
        """
        with self._condition:
            if self._closed or len(self._pending) >= MAX_PENDING_TURNS:
                self._drop(turn)
                return
            self._pending.append(turn)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_queued, name="turn-log-writer", daemon=True
                )
                self._writer.start()
            self._condition.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every turn queued so far is written (or dropped after a failed write).

        Returns:
            False when `timeout` seconds passed first.
        """
        with self._condition:
            self._waiting_readers += 1
            self._condition.notify_all()
            try:
                return self._condition.wait_for(
                    lambda: not self._pending and not self._writing, timeout
                )
            finally:
                self._waiting_readers -= 1

    def list_turns(
        self,
        tenant: str,
        *,
        user_id: str | None = None,
        conversation_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = DEFAULT_LIST_LIMIT,
    ) -> builtins.list[TurnRecord]:
        """Return a tenant's turns that match every filter given, newest first.

        Args:
            since: Only turns at or after this time.
            until: Only turns before this time.

        Raises:
            InputError: `limit` is outside 1..MAX_LIST_LIMIT.
        """
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise InputError(f"limit {limit} is invalid; pass a value from 1 to {MAX_LIST_LIMIT}")
        query = (
            select(ConversationTurn)
            .where(ConversationTurn.tenant == tenant)
            .order_by(ConversationTurn.created_at.desc(), ConversationTurn.id.desc())
            .limit(limit)
        )
        if user_id is not None:
            query = query.where(ConversationTurn.user_id == user_id)
        if conversation_id is not None:
            query = query.where(ConversationTurn.conversation_id == conversation_id)
        if since is not None:
            query = query.where(ConversationTurn.created_at >= since)
        if until is not None:
            query = query.where(ConversationTurn.created_at < until)

        self.flush()
        with self._transaction() as session:
            return [to_turn_record(row) for row in session.scalars(query)]

    def close(self) -> None:
        """Write the queued turns, stop the writer and close the connections."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
            writer = self._writer
        if writer is not None:
            writer.join()
        super().close()

    def _drop(self, turn: TurnDraft) -> None:
        self._dropped += 1
        if self._dropped % DROP_LOG_EVERY == 1:
            logger.warning(
                "turn log dropped tenant=%s conversation=%s (%d dropped so far): %s",
                turn.tenant,
                turn.conversation_id,
                self._dropped,
                "the store is closed" if self._closed else "too many turns wait to be written",
            )

    def _write_queued(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return
                self._condition.wait_for(self._batch_is_due, WRITE_DELAY_SECONDS)
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                self._writing = len(batch)
            try:
                self._write_batch(batch)
            except Exception:
                # The writer thread has no caller to raise to. If it died, `flush` would wait
                # forever, so any other error is logged with the batch's ids.
                logger.exception(
                    "turn log write failed for %d turns of conversations %s",
                    len(batch),
                    sorted({turn.conversation_id for turn in batch}),
                )
            finally:
                with self._condition:
                    self._writing = 0
                    self._condition.notify_all()

    def _batch_is_due(self) -> bool:
        return len(self._pending) >= self._max_batch or self._closed or self._waiting_readers > 0

    def _write_batch(self, batch: Sequence[TurnDraft]) -> None:
        # The first write can lose a race with another store creating the same tables
        # ("table conversation_turns already exists"), so a failed batch is tried again.
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self._insert(batch)
                return
            except (SQLAlchemyError, DatabaseUnreachableError, ValueError) as error:
                logger.warning(
                    "turn log batch of %d failed (attempt %d of %d): %s",
                    len(batch),
                    attempt,
                    WRITE_ATTEMPTS,
                    database_error_summary(error),
                )
        # One bad row must not lose the others of its batch.
        for turn in batch:
            try:
                self._insert([turn])
            except (SQLAlchemyError, DatabaseUnreachableError, ValueError) as error:
                self._log_failure(turn, error)

    def _insert(self, batch: Sequence[TurnDraft]) -> None:
        # A Core insert on the session's connection: the ORM's bulk insert took 1.6 to 2 times
        # the CPU per row when measured on SQLite.
        with self._transaction() as session:
            rows = [_row_values(turn) for turn in batch]
            session.connection().execute(insert(_TURNS_TABLE), rows)

    @staticmethod
    def _log_failure(turn: TurnDraft, error: Exception) -> None:
        logger.error(
            "turn log write failed tenant=%s conversation=%s user=%s: %s",
            turn.tenant,
            turn.conversation_id,
            turn.user_id,
            database_error_summary(error),
        )
