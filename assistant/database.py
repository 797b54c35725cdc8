"""The SQL database shared by tickets, API keys and feedback: engine and store base class."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.exc import DatabaseError as SqlDatabaseError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from assistant.errors import ConfigurationError
from assistant.filesystem import is_writable_sqlite_file

logger = logging.getLogger(__name__)

TABLE_CREATION_ATTEMPTS = 4
TABLE_CREATION_RETRY_SECONDS = 0.1
"""Wait before the second try; each later try waits one step longer."""
_TRUE_QUERY_VALUES = frozenset({"true", "yes", "on", "y", "t", "1"})
"""Values of a URL query argument that SQLAlchemy reads as true (`sqlalchemy.util.asbool`)."""


class DatabaseUrlError(ConfigurationError):
    """Raised when ASSISTANT_DATABASE_URL cannot be parsed or names a missing driver."""

    def __init__(self, url: str, cause: str) -> None:
        redacted = redact_url(url)
        super().__init__(
            f"invalid database URL {redacted!r}: {cause}; check ASSISTANT_DATABASE_URL "
            "(supported: sqlite and postgresql+psycopg, e.g. postgresql+psycopg://user@host/db) "
            "or unset it to use SQLite in the data folder",
            code="database_url_invalid",
            url=redacted,
            cause=cause,
        )


class DatabaseUnreachableError(ConfigurationError):
    """Raised when the database of ASSISTANT_DATABASE_URL refuses or fails the connection."""

    def __init__(self, url: str, cause: str) -> None:
        redacted = redact_url(url)
        super().__init__(
            f"cannot connect to the database {redacted!r}: {cause}; check ASSISTANT_DATABASE_URL "
            "(supported: sqlite and postgresql+psycopg) and that the database server is running",
            code="database_unreachable",
            url=redacted,
            cause=cause,
        )


class DatabaseReadOnlyError(DatabaseUnreachableError):
    """Raised when the SQLite file of the database, or its folder, cannot be written."""

    def __init__(self, path: Path) -> None:
        ConfigurationError.__init__(
            self,
            f"the database file '{path}' is read-only, so the assistant cannot save tickets or "
            f"conversation turns; make the file and its folder {path.parent} writable by the "
            "user that runs the assistant (check with ls -l, and run chattr -i if the file is "
            "immutable), then try again",
            code="database_read_only",
            path=str(path),
            folder=str(path.parent),
        )


class DatabaseFileDamagedError(DatabaseUnreachableError):
    """Raised when the SQLite file of the database is damaged or is not a SQLite database."""

    def __init__(self, path: Path) -> None:
        ConfigurationError.__init__(
            self,
            f"the database file '{path}' is damaged or is not a SQLite database; restore it "
            "from a backup, or move it away so that the assistant creates a new, empty one "
            "(the tickets, API keys and feedback in the old file are then no longer used)",
            code="database_file_damaged",
            path=str(path),
        )


class DatabaseOutdatedError(DatabaseUnreachableError):
    """Raised when a read-only open finds tables that lack columns of the current version.

    A writable database gets the new columns when a store first opens it, but a read-only
    open must not change the file.
    """

    def __init__(self, path: Path, table: str, columns: list[str]) -> None:
        ConfigurationError.__init__(
            self,
            f"the database file '{path}' was written by an older version of the assistant: "
            f"its table {table} lacks the columns {', '.join(columns)}, and a command that "
            "only reads does not add them; run a command that writes, such as `assistant ask`, "
            "once as a user who can write the file, then try again",
            code="database_outdated",
            path=str(path),
            table=table,
            columns=columns,
        )


class DatabaseFolderMissingError(ConfigurationError):
    """Raised when ASSISTANT_DATABASE_URL names a SQLite file in a folder that does not exist."""

    def __init__(self, url: str, folder: Path) -> None:
        redacted = redact_url(url)
        super().__init__(
            f"invalid database URL {redacted!r}: the folder {folder} does not exist; create it "
            f"(mkdir -p {folder}) or fix the path in ASSISTANT_DATABASE_URL",
            code="database_folder_missing",
            url=redacted,
            folder=str(folder),
        )


def check_sqlite_folder(url: str) -> None:
    """Check that the folder of a SQLite database file exists.

    Stores create a missing folder, which suits the default database in the data folder. An
    explicit ASSISTANT_DATABASE_URL to a missing folder is more likely a typo, so the CLI and
    the server call this on that setting before they open any store. Other URLs pass.

    Raises:
        DatabaseFolderMissingError: the URL names a SQLite file whose folder does not exist.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return
    if parsed.get_backend_name() != "sqlite" or is_in_memory_sqlite(url):
        return
    folder = Path(parsed.database or "").expanduser().parent
    if not folder.is_dir():
        raise DatabaseFolderMissingError(url, folder)


def redact_url(url: str) -> str:
    """Return the URL with its password replaced by `***`, also when SQLAlchemy cannot parse it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # An unparsable URL may still hold `user:password@`, so the text between : and @ is hidden.
        return re.sub(r"(?<=:)[^:@/]*(?=@)", "***", url)


def is_in_memory_sqlite(url: str) -> bool:
    """Check whether a URL names an in-memory SQLite database, which is lost when its process ends.

    These are `sqlite://`, `sqlite:///:memory:` and SQLite URIs such as
    `sqlite:///file::memory:?uri=true` or `sqlite:///file:name?mode=memory&uri=true`. A URL that
    SQLAlchemy cannot parse is not, because `create_database_engine` rejects it anyway.

    `sqlite:///file::memory:` without `uri=true` counts too: the driver would open a file
    named `file::memory:` in the working folder, which is never what the writer of such a URL
    meant.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return False
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return True
    if str(parsed.query.get("uri", "")).strip().lower() not in _TRUE_QUERY_VALUES:
        return False
    return parsed.query.get("mode") == "memory"


def create_database_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create the engine of the assistant's database; SQLite files are shared across threads.

    Args:
        read_only: Open a SQLite file read-only (`mode=ro`), so that reading it needs no
            write permission and never creates it or its folder. Other URLs ignore it.

    Raises:
        DatabaseUrlError: the URL is not a SQLAlchemy URL, names an unknown database or a
            driver that is not installed, or its SQLite folder cannot be created.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # SQLAlchemy raises ValueError for a port that is not a number.
        raise DatabaseUrlError(
            url, "not a SQLAlchemy URL of the form dialect+driver://user@host:port/db"
        ) from None
    sqlite_file = sqlite_file_path(url)
    if read_only and sqlite_file is not None:
        return _create_read_only_sqlite_engine(url, sqlite_file)
    try:
        return _create_engine(url, parsed.get_backend_name(), parsed.database or "")
    except NoSuchModuleError:
        raise DatabaseUrlError(url, f"unknown database type {parsed.drivername!r}") from None
    except ImportError as exc:
        raise DatabaseUrlError(
            url, f"the driver {exc.name or parsed.drivername} is not installed"
        ) from None


def _create_engine(url: str, backend: str, database: str) -> Engine:
    if backend != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)

    # hide_parameters keeps the values of a failed statement, such as a user's question, out of
    # the exception text and so out of logs.
    # The API serves requests from a thread pool, and SQLite connections refuse by default
    # to be used from a thread other than the one that opened them.
    connect_args = {"check_same_thread": False}
    if database in ("", ":memory:"):
        # An in-memory database lives only as long as its connection, so share one.
        return create_engine(
            url, connect_args=connect_args, poolclass=StaticPool, hide_parameters=True
        )
    folder = Path(database).expanduser().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DatabaseUrlError(url, f"cannot create the folder {folder} ({reason})") from None
    return create_engine(url, connect_args=connect_args, hide_parameters=True)


def _create_read_only_sqlite_engine(url: str, path: Path) -> Engine:
    """Create an engine whose connections open a SQLite file with `mode=ro`.

    SQLite then rejects every write, also for root, and fails to open a missing file instead
    of creating it.
    """
    # as_uri percent-encodes the characters that a SQLite URI reserves, such as ? and #.
    uri = f"{path.absolute().as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    return create_engine(url, creator=connect, hide_parameters=True)


def connection_failure_cause(exc: SqlDatabaseError) -> str:
    """Return the driver's reason for a failed connection in a few words.

    psycopg writes `connection failed: connection to server at "127.0.0.1", port 1 failed:
    Connection refused` and a hint on the next line; the text after the last colon of the
    first line is the reason.
    """
    first_line = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
    return first_line.rsplit(": ", 1)[-1].strip()


def check_database(url: str, *, read_only: bool = False) -> None:
    """Open and close one connection, so a command fails before it does any work.

    A SQLite file that does not exist yet is not created, because connecting would leave an
    empty database behind a command that fails later. The stores create it on first use, so
    only its folder is checked: it must be writable when it exists.

    Args:
        read_only: Check only that the database can be read, for a command that opens its
            stores read-only. A missing SQLite file then passes without a folder check.

    Raises:
        DatabaseUrlError: the URL is invalid or names a missing driver.
        DatabaseUnreachableError: the database refused or failed the connection, or the folder
            of a new SQLite file is not writable.
        DatabaseReadOnlyError: the SQLite file or its folder is not writable.
        DatabaseFileDamagedError: the SQLite file is damaged or is not a SQLite database.
    """
    sqlite_file = sqlite_file_path(url)
    if sqlite_file is not None and is_missing_sqlite_file(url):
        folder = sqlite_file.parent
        if not read_only and folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            raise DatabaseUnreachableError(url, f"the folder {folder} is not writable")
        return
    if sqlite_file is not None and not read_only and not is_writable_sqlite_file(sqlite_file):
        raise DatabaseReadOnlyError(sqlite_file)
    engine = create_database_engine(url, read_only=read_only)
    try:
        with engine.connect() as connection:
            # SQLite opens any file; reading its tables finds one that is not a database.
            inspect(connection).get_table_names()
    except SqlDatabaseError as exc:
        if sqlite_file is not None and _sqlite_error_name(exc) in _DAMAGED_FILE_ERRORS:
            raise DatabaseFileDamagedError(sqlite_file) from exc
        raise DatabaseUnreachableError(url, connection_failure_cause(exc)) from exc
    finally:
        engine.dispose()


_DAMAGED_FILE_ERRORS = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
"""SQLite result codes of a file that is not a database or whose pages are damaged."""


def _sqlite_error_name(exc: SqlDatabaseError) -> str:
    """Return the SQLite result code name of an error, such as `SQLITE_READONLY`, or ""."""
    return str(getattr(exc.orig, "sqlite_errorname", ""))


def is_read_only_error(exc: SqlDatabaseError) -> bool:
    """Check whether SQLite rejected a write because its file or folder is read-only."""
    return _sqlite_error_name(exc).startswith("SQLITE_READONLY")


def database_error_summary(error: Exception) -> str:
    """Return an error's class and its driver's first line, for logs.

    SQLAlchemy's own text of a failed statement repeats the SQL and its parameters, which
    may hold a user's message, so only the driver's reason is kept.
    """
    if isinstance(error, SqlDatabaseError):
        reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
        return f"{type(error).__name__}: {reason}"
    return type(error).__name__


def is_missing_sqlite_file(url: str) -> bool:
    """Check whether a URL names a SQLite file that does not exist yet.

    Commands that only read use this to report an empty result without creating the file.
    """
    path = sqlite_file_path(url)
    return path is not None and not os.path.lexists(path)


def is_read_only_sqlite_file(url: str) -> bool:
    """Check whether a URL names an existing SQLite file that this process cannot write.

    Commands that only read open such a file read-only. They open a writable file as the
    other commands do, so that it gets the tables and columns of this version.
    """
    path = sqlite_file_path(url)
    return path is not None and path.exists() and not is_writable_sqlite_file(path)


def sqlite_file_path(url: str) -> Path | None:
    """Return the path of the SQLite file that a URL names.

    A URL of another database, an in-memory one, one that SQLAlchemy cannot parse, or a
    SQLite URI (`uri=true`, whose path has its own syntax) returns None.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or is_in_memory_sqlite(url):
        return None
    if str(parsed.query.get("uri", "")).strip().lower() in _TRUE_QUERY_VALUES:
        return None
    return Path(parsed.database or "").expanduser()


def _tables_created_by(create_tables: Callable[[Engine], None]) -> dict[str, tuple[str, set[str]]]:
    """Return the CREATE TABLE statement and the column names of each table that
    `create_tables` creates, found by running it on an empty in-memory SQLite database."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        create_tables(engine)
        with engine.connect() as connection:
            inspector = inspect(connection)
            # SQLite reserves the names of its own tables, such as sqlite_sequence.
            statements = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
            ).all()
            return {
                name: (sql, {column["name"] for column in inspector.get_columns(name)})
                for name, sql in statements
            }
    finally:
        engine.dispose()


class SqlStore:
    """Base of the stores: one engine, tables created on first use, one transaction per call.

    Args:
        url: SQLAlchemy URL of the database.
        read_only: Open a SQLite file read-only and create or upgrade no table, for commands
            that only read. A table that the file lacks reads as empty, and a missing file
            fails to open instead of being created. Other URLs ignore it.
    """

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self._read_only_file = sqlite_file_path(url) if read_only else None
        self.read_only = self._read_only_file is not None
        self._engine = create_database_engine(url, read_only=self.read_only)
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

        Raises:
            DatabaseUnreachableError: the last try failed to connect or to open the SQLite
                file. Table creation is a store's first use of its database, so this is where
                a wrong ASSISTANT_DATABASE_URL or a stopped server shows.
        """
        for attempt in range(1, TABLE_CREATION_ATTEMPTS + 1):
            try:
                self._create_tables(self._engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError) as exc:
                sqlite_file = sqlite_file_path(self.url)
                if sqlite_file is not None and is_read_only_error(exc):
                    raise DatabaseReadOnlyError(sqlite_file) from exc
                if attempt == TABLE_CREATION_ATTEMPTS:
                    if isinstance(exc, OperationalError):
                        cause = connection_failure_cause(exc)
                        raise DatabaseUnreachableError(self.url, cause) from exc
                    raise
                logger.info(
                    "creating tables failed (%s), try %d of %d; trying again",
                    type(exc).__name__,
                    attempt,
                    TABLE_CREATION_ATTEMPTS,
                )
                time.sleep(TABLE_CREATION_RETRY_SECONDS * attempt)

    def _stand_in_for_missing_tables(self, path: Path) -> None:
        """Give every connection of a read-only store an empty TEMP table for each table of
        the store that the SQLite file lacks, so that reading it finds no rows.

        Raises:
            DatabaseUnreachableError: the file cannot be opened or read.
            DatabaseOutdatedError: a table of the file lacks columns that the store reads.
        """
        expected = _tables_created_by(self._create_tables)
        present = self._read_table_columns()
        for name, (_, columns) in expected.items():
            missing_columns = columns - present.get(name, columns)
            if missing_columns:
                raise DatabaseOutdatedError(path, name, sorted(missing_columns))
        # sqlite_master keeps every statement with the prefix "CREATE TABLE ".
        statements = [
            "CREATE TEMP TABLE " + sql.removeprefix("CREATE TABLE ")
            for name, (sql, _) in expected.items()
            if name not in present
        ]
        if not statements:
            return

        def create_stand_ins(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            for statement in statements:
                dbapi_connection.execute(statement)

        event.listen(self._engine, "connect", create_stand_ins)
        # The connection that read the file went back to the pool without the TEMP tables.
        self._engine.dispose()

    def _read_table_columns(self) -> dict[str, set[str]]:
        """Return the column names of each table in the database.

        Raises:
            DatabaseUnreachableError: the database cannot be opened or read.
        """
        try:
            with self._engine.connect() as connection:
                inspector = inspect(connection)
                return {
                    name: {column["name"] for column in inspector.get_columns(name)}
                    for name in inspector.get_table_names()
                }
        except SqlDatabaseError as exc:
            raise DatabaseUnreachableError(self.url, connection_failure_cause(exc)) from exc

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        if not self._tables_ready:
            with self._tables_lock:
                if self._read_only_file is not None:
                    self._stand_in_for_missing_tables(self._read_only_file)
                else:
                    self._create_tables_with_retries()
                self._tables_ready = True
        with self._sessions.begin() as session:
            yield session
