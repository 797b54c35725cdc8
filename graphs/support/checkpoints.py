"""Opening the SQLite file of the conversation checkpoints; an unusable file is a clear error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from assistant.errors import ConfigurationError

SCHEMA_PROBES = (
    "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint,"
    " metadata FROM checkpoints LIMIT 0",
    "SELECT thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type,"
    " value FROM writes LIMIT 0",
)
"""Queries that fail unless the file has the checkpointer's tables with their columns: a
database of another program can have a table of the same name."""


class CheckpointStoreDamagedError(ConfigurationError):
    """Raised when the checkpoint path is not a writable SQLite file of the checkpointer: a
    damaged file, a folder, a read-only file or another program's database.

    Only saved conversations live there: an operator who moves the file away loses their
    history, and tickets, KBs and settings stay as they are.
    """

    def __init__(self, path: Path, cause: str) -> None:
        super().__init__(
            f"the conversation store {str(path)!r} cannot be used ({cause}); it must be a "
            "writable SQLite file of the assistant's conversations: make it writable, restore "
            "it from a backup, or move it away (the assistant then creates a new, empty one, "
            "and the conversations saved in the old one can no longer be continued)",
            code="checkpoints_damaged",
            path=path,
            cause=cause,
        )
        self.path = path


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
        raise CheckpointStoreDamagedError(path, str(exc)) from exc
    saver = SqliteSaver(connection)
    try:
        # These read the file's header and tables, and try a write, so that an unusable file
        # fails here and not when a user's turn is saved, after the reply.
        saver.setup()
        for probe in SCHEMA_PROBES:
            connection.execute(probe)
        _check_writable(connection)
    except sqlite3.Error as exc:
        connection.close()
        raise CheckpointStoreDamagedError(path, str(exc)) from exc
    return connection, saver


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
    """Open the checkpoint file once and close it, creating it when missing.

    Raises:
        CheckpointStoreDamagedError: the path exists but is not a writable SQLite database
            with the checkpointer's tables.
    """
    connection, _saver = open_checkpoints(path)
    connection.close()
