"""Opening the SQLite file of the conversation checkpoints; an unusable file is a clear error."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from assistant.domain import Language
from assistant.errors import ConfigurationError
from assistant.i18n import Cause

logger = logging.getLogger(__name__)

SCHEMA_PROBES = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,"
    " metadata FROM checkpoints LIMIT 0",
    "SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type,"
    " value FROM writes LIMIT 0",
)
"""Queries that fail unless the file has the checkpointer's tables with their columns: a
database of another program can have a table of the same name."""


class CheckpointProblem(Cause):
    """Reason why the checkpoint path cannot be used."""

    NOT_A_DATABASE = "not_a_database"
    DAMAGED = "damaged"
    FOLDER = "folder"
    READ_ONLY = "read_only"
    OTHER_PROGRAM = "other_program"
    CANNOT_OPEN = "cannot_open"
    UNEXPECTED = "unexpected"

    @classmethod
    def message_prefix(cls) -> str:
        """Return the prefix of the members' message keys."""
        return "checkpoints_cause_"


PROBLEMS_BY_SQLITE_CODE = {
    sqlite3.SQLITE_NOTADB: CheckpointProblem.NOT_A_DATABASE,
    sqlite3.SQLITE_CORRUPT: CheckpointProblem.DAMAGED,
    sqlite3.SQLITE_READONLY: CheckpointProblem.READ_ONLY,
    sqlite3.SQLITE_CANTOPEN: CheckpointProblem.CANNOT_OPEN,
    # A valid database on which the checkpointer's statements fail lacks its tables or columns.
    sqlite3.SQLITE_ERROR: CheckpointProblem.OTHER_PROGRAM,
}
"""Problem of each primary SQLite result code that opening the store can return."""


class CheckpointStoreDamagedError(ConfigurationError):
    """Raised when the checkpoint path is not a writable SQLite file of the checkpointer: a
    damaged file, a folder, a read-only file or another program's database.

    Only saved conversations live there: an operator who moves the file away loses their
    history, and tickets, KBs and settings stay as they are. The message gives the reason as
    a phrase in the user's language, and SQLite's own English text goes only to the log.
    """

    def __init__(self, path: Path, problem: CheckpointProblem) -> None:
        cause = problem.describe(Language.EN)
        super().__init__(
            f"the conversation store {str(path)!r} cannot be used ({cause}); it must be a "
            "writable SQLite file of the assistant's conversations: make it writable, restore "
            "it from a backup, or move it away (the assistant then creates a new, empty one, "
            "and the conversations saved in the old one can no longer be continued)",
            code="checkpoints_damaged",
            path=path,
            cause=problem.describe,
        )
        self.path = path
        self.problem = problem


def _store_damaged(path: Path, exc: sqlite3.Error) -> CheckpointStoreDamagedError:
    """Return the error for a SQLite failure on the store, and log SQLite's message.

    The log line has SQLite's text and result code, which the user's message leaves out. It
    is a warning for a failure of no known kind, whose message points to the log.
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if path.is_dir():
        problem = CheckpointProblem.FOLDER
    elif code is None:
        problem = CheckpointProblem.UNEXPECTED
    else:
        problem = PROBLEMS_BY_SQLITE_CODE.get(code & 0xFF, CheckpointProblem.UNEXPECTED)
    level = logging.WARNING if problem is CheckpointProblem.UNEXPECTED else logging.INFO
    logger.log(
        level,
        "Conversation store %s cannot be used (%s): SQLite error %s: %s",
        path,
        problem.value,
        getattr(exc, "sqlite_errorname", None) or type(exc).__name__,
        exc,
    )
    return CheckpointStoreDamagedError(path, problem)


def open_checkpoints(path: Path) -> tuple[sqlite3.Connection, SqliteSaver]:
    """Connect to the checkpoint file, creating it and its tables when missing.

    Raises:
        CheckpointStoreDamagedError: the path exists but is not a writable SQLite database
            with the checkpointer's tables.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _store_damaged(path, exc) from exc
    saver = SqliteSaver(connection)
    try:
        # These read the file's header and tables, and try a write, so that an unusable file
        # fails here and not when a user's turn is saved, after the reply. `setup` creates
        # missing tables, so another program's database is rejected before it runs.
        if _is_other_database(connection):
            connection.close()
            raise _other_program(path)
        saver.setup()
        for probe in SCHEMA_PROBES:
            connection.execute(probe)
        _check_writable(connection)
    except sqlite3.Error as exc:
        connection.close()
        raise _store_damaged(path, exc) from exc
    return connection, saver


CHECKPOINTER_TABLES = frozenset({"checkpoints", "writes"})
"""Tables that `SqliteSaver.setup` creates together."""


def _is_other_database(connection: sqlite3.Connection) -> bool:
    """Check whether the file has tables but not the checkpointer's.

    An empty file or a database without tables is a new store, which `setup` fills.
    """
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    tables = {str(name) for (name,) in rows}
    return bool(tables) and not CHECKPOINTER_TABLES <= tables


def _other_program(path: Path) -> CheckpointStoreDamagedError:
    """Return the error for another program's database at the store's path, and log it."""
    logger.info(
        "Conversation store %s cannot be used (%s): it has tables but not %s",
        path,
        CheckpointProblem.OTHER_PROGRAM.value,
        ", ".join(sorted(CHECKPOINTER_TABLES)),
    )
    return CheckpointStoreDamagedError(path, CheckpointProblem.OTHER_PROGRAM)


def _check_writable(connection: sqlite3.Connection) -> None:
    """Create a table in a transaction that is rolled back, which fails on a read-only file.

    A store that another process is writing to cannot be checked this way without waiting,
    so a busy store passes; only a read-only one fails.
    """
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
            return
        raise
    try:
        connection.execute("CREATE TABLE write_probe (x)")
    finally:
        connection.execute("ROLLBACK")


def check_checkpoints(path: Path) -> None:
    """Open the checkpoint file once and close it. A missing file passes and is not created.

    The agent creates a missing file when it starts, so a command that fails before that
    leaves no empty store behind.

    Raises:
        CheckpointStoreDamagedError: the path exists but is not a writable SQLite database
            with the checkpointer's tables.
    """
    if not os.path.lexists(path):
        return
    connection, _saver = open_checkpoints(path)
    connection.close()
