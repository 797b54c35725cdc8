"""The SQL database shared by tickets, API keys and feedback: engine and store base class."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

TABLE_CREATION_ATTEMPTS = 4
TABLE_CREATION_RETRY_SECONDS = 0.1
"""Wait before the second try; each later try waits one step longer."""


def create_database_engine(url: str) -> Engine:
    """Create the engine of the assistant's database; SQLite files are shared across threads."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)

    database = parsed.database or ""
    # The API serves requests from a thread pool, and SQLite connections refuse by default
    # to be used from a thread other than the one that opened them.
    connect_args = {"check_same_thread": False}
    if database in ("", ":memory:"):
        # An in-memory database lives only as long as its connection, so share one.
        return create_engine(url, connect_args=connect_args, poolclass=StaticPool)
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, connect_args=connect_args)


class SqlStore:
    """Base of the stores: one engine, tables created on first use, one transaction per call."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = create_database_engine(url)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._tables_ready = False
        self._tables_lock = threading.Lock()

    def close(self) -> None:
        """Close every pooled connection; the store opens new ones if it is used again."""
        self._engine.dispose()

    def _create_tables(self, engine: Engine) -> None:
        """Create (or upgrade) the tables this store uses; subclasses override it."""
        raise NotImplementedError

    def _create_tables_with_retries(self) -> None:
        """Create the tables, trying again when another store or process changed the schema.

        `create_all` checks which tables exist and then creates the others. Two stores that
        share a database (or two workers) can both decide to create the same table, and the
        loser gets "already exists" (SQLite) or a duplicate-key error (PostgreSQL). SQLite may
        also answer "database is locked" while another process writes its schema. A later
        try sees the new tables and skips them.
        """
        for attempt in range(1, TABLE_CREATION_ATTEMPTS + 1):
            try:
                self._create_tables(self._engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError) as exc:
                if attempt == TABLE_CREATION_ATTEMPTS:
                    raise
                logger.info(
                    "creating tables failed (%s), try %d of %d; trying again",
                    type(exc).__name__,
                    attempt,
                    TABLE_CREATION_ATTEMPTS,
                )
                time.sleep(TABLE_CREATION_RETRY_SECONDS * attempt)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        if not self._tables_ready:
            with self._tables_lock:
                self._create_tables_with_retries()
                self._tables_ready = True
        with self._sessions.begin() as session:
            yield session
