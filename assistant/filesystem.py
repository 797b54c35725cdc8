"""Checks of files and folders that the stores share."""

from __future__ import annotations

import os
from pathlib import Path


def is_writable_sqlite_file(path: Path) -> bool:
    """Check that SQLite can write a database file, or create it, and its journal next to it.

    `os.access` also reports an immutable file (`chattr +i`) as not writable, even for root.
    """
    folder_writable = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_writable and (not path.exists() or os.access(path, os.W_OK))
