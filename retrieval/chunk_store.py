"""Chunk texts, metadata and the file manifest of one KB, in a SQLite file.

Chroma holds the vectors and the BM25 files hold keyword statistics; this store is the source
of truth that both are rebuilt from, and the manifest that makes ingestion idempotent.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.errors import ConflictError

BUSY_TIMEOUT_SECONDS = 120.0
"""How long a write waits for another process's write lock on the chunk store before failing.

An ingest keeps the lock from its first changed file until it commits, embedding every file in
between. A first ingest of the 10,041-chunk KB of benchmarks/speed.py took 59 s on the 2-core
machine of docs/benchmarks.md. Twice that lets a second ingest or upload wait out such a run,
where sqlite3's default of 5 s made it fail. Readers such as `ask` do not wait for a writer,
because the store is in WAL mode.
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    doc TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc TEXT NOT NULL REFERENCES files(doc) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    text TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    module TEXT NOT NULL,
    roles TEXT NOT NULL,
    introduced_in TEXT,
    removed_in TEXT,
    tags TEXT NOT NULL,
    language TEXT NOT NULL,
    search_tokens TEXT NOT NULL,
    concepts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: its text, the document's metadata and its BM25 tokens."""

    chunk_id: str
    doc: str
    ordinal: int
    title: str
    heading_path: tuple[str, ...]
    text: str
    token_count: int
    module: str
    roles: tuple[str, ...]
    introduced_in: str | None
    removed_in: str | None
    tags: tuple[str, ...]
    language: str
    search_tokens: tuple[str, ...]
    concepts: tuple[int, ...]


class ChunkStore:
    """Read and write the chunk table and file manifest of one KB."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._busy_timeout_seconds = BUSY_TIMEOUT_SECONDS
        self._connection = sqlite3.connect(
            path, timeout=self._busy_timeout_seconds, check_same_thread=False
        )
        try:
            with self._lock_timeout_as_conflict():
                self._connection.execute("PRAGMA foreign_keys = ON")
                self._connection.execute("PRAGMA journal_mode = WAL")
                self._connection.executescript(_SCHEMA)
        except ConflictError:
            self._connection.close()
            raise

    def close(self) -> None:
        """Close the SQLite connection."""
        self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit the writes made inside the block together, or none of them.

        Raises:
            ConflictError: another process kept the write lock for BUSY_TIMEOUT_SECONDS, so
                the block's writes were rolled back.
        """
        with self._lock_timeout_as_conflict(), self._connection:
            yield

    @contextmanager
    def _lock_timeout_as_conflict(self) -> Iterator[None]:
        """Raise ConflictError in place of SQLite's "database is locked" after the busy timeout."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            # The low byte of an extended result code, such as SQLITE_BUSY_SNAPSHOT, is its
            # primary code.
            if (exc.sqlite_errorcode & 0xFF) != sqlite3.SQLITE_BUSY:
                raise
            seconds = round(self._busy_timeout_seconds)
            raise ConflictError(
                f"KB file {str(self._path)!r} is locked by another process that is changing the "
                f"KB (an ingest, upload or deletion), and it was not released within {seconds} s; "
                "nothing was changed. Try again once the other change has finished",
                code="kb_busy",
                path=str(self._path),
                seconds=seconds,
            ) from exc

    def file_hashes(self) -> dict[str, str]:
        """Return the sha256 of every ingested file, by its relative path."""
        rows = self._connection.execute("SELECT doc, sha256 FROM files")
        return dict(rows.fetchall())

    def replace_file(
        self, doc: str, sha256: str, title: str, chunks: Iterable[StoredChunk]
    ) -> list[str]:
        """Store a file's new chunks in place of its old ones; return the old chunk ids."""
        old_ids = self.chunk_ids_of(doc)
        self._connection.execute("DELETE FROM chunks WHERE doc = ?", (doc,))
        self._connection.execute(
            "INSERT OR REPLACE INTO files (doc, sha256, title, ingested_at) VALUES (?, ?, ?, ?)",
            (doc, sha256, title, datetime.now(UTC).isoformat()),
        )
        self._connection.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [_to_row(chunk) for chunk in chunks],
        )
        return old_ids

    def remove_file(self, doc: str) -> list[str]:
        """Forget a file and its chunks; return the removed chunk ids."""
        old_ids = self.chunk_ids_of(doc)
        self._connection.execute("DELETE FROM chunks WHERE doc = ?", (doc,))
        self._connection.execute("DELETE FROM files WHERE doc = ?", (doc,))
        return old_ids

    def chunk_ids_of(self, doc: str) -> list[str]:
        """Return the ids of a file's chunks."""
        rows = self._connection.execute("SELECT chunk_id FROM chunks WHERE doc = ?", (doc,))
        return [row[0] for row in rows]

    def all_chunks(self) -> list[StoredChunk]:
        """Return every chunk, ordered by file and position."""
        rows = self._connection.execute("SELECT * FROM chunks ORDER BY doc, ordinal")
        return [_from_row(row) for row in rows]

    def get_meta(self, key: str) -> str | None:
        """Return a stored KB property, or None."""
        row = self._connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a KB property."""
        self._connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
        )


def _to_row(chunk: StoredChunk) -> tuple[object, ...]:
    return (
        chunk.chunk_id,
        chunk.doc,
        chunk.ordinal,
        chunk.title,
        json.dumps(chunk.heading_path, ensure_ascii=False),
        chunk.text,
        chunk.token_count,
        chunk.module,
        json.dumps(chunk.roles),
        chunk.introduced_in,
        chunk.removed_in,
        json.dumps(chunk.tags, ensure_ascii=False),
        chunk.language,
        json.dumps(chunk.search_tokens, ensure_ascii=False),
        json.dumps(chunk.concepts),
    )


def _from_row(row: tuple[object, ...]) -> StoredChunk:
    return StoredChunk(
        chunk_id=str(row[0]),
        doc=sys.intern(str(row[1])),
        ordinal=int(str(row[2])),
        title=str(row[3]),
        heading_path=tuple(json.loads(str(row[4]))),
        text=str(row[5]),
        token_count=int(str(row[6])),
        module=sys.intern(str(row[7])),
        roles=_interned_strings(row[8]),
        introduced_in=None if row[9] is None else str(row[9]),
        removed_in=None if row[10] is None else str(row[10]),
        tags=_interned_strings(row[11]),
        language=sys.intern(str(row[12])),
        search_tokens=_interned_strings(row[13]),
        concepts=tuple(json.loads(str(row[14]))),
    )


def _interned_strings(json_array: object) -> tuple[str, ...]:
    """Decode a JSON array of strings and intern each one.

    A loaded KB then keeps one object per distinct token instead of one per occurrence. On the
    10,041-chunk KB of benchmarks/speed.py, 1.4 million token strings took 78 MB (tracemalloc),
    and only about 10,700 of them were distinct.
    """
    return tuple(map(sys.intern, json.loads(str(json_array))))
