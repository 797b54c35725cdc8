"""Opening the SQLite file of the conversation checkpoints; a damaged file is a clear error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from assistant.errors import ConfigurationError


class CheckpointStoreDamagedError(ConfigurationError):
    """Raised when the checkpoint file is not an SQLite database, or not one the checkpointer
    can use.

    Only saved conversations live there: an operator who moves the file away loses their
    history, and tickets, KBs and settings stay as they are.
    """

    def __init__(self, path: Path, cause: str) -> None:
        super().__init__(
            f"the conversation store {str(path)!r} is damaged ({cause}); move the file away "
            "(the assistant creates a new, empty one, and the conversations saved in the old "
            "one can no longer be continued) or restore it from a backup",
            code="checkpoints_damaged",
            path=path,
            cause=cause,
        )
        self.path = path


def open_checkpoints(path: Path) -> tuple[sqlite3.Connection, SqliteSaver]:
    """Connect to the checkpoint file, creating it and its tables when missing.

    Raises:
        CheckpointStoreDamagedError: the file exists but is not a usable SQLite database.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False)
    saver = SqliteSaver(connection)
    try:
        # Creating the tables reads the file's header, so a damaged file fails here and not
        # in the middle of a user's turn.
        saver.setup()
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise CheckpointStoreDamagedError(path, str(exc)) from exc
    return connection, saver


def check_checkpoints(path: Path) -> None:
    """Open the checkpoint file once and close it, creating it when missing.

    Raises:
        CheckpointStoreDamagedError: the file exists but is not a usable SQLite database.
    """
    connection, _saver = open_checkpoints(path)
    connection.close()
