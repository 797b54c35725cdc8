"""Chunk texts, metadata and the file manifest of one KB, in a SQLite file.

Chroma holds the vectors and the BM25 files hold keyword statistics; this store is the source
of truth that both are rebuilt from, and the manifest that makes ingestion idempotent.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.errors import (
    ConflictError,
    KnowledgeBaseDamagedError,
    KnowledgeBaseNotWritableError,
)
from assistant.filesystem import is_writable_sqlite_file

EMPTY_FILE_WAIT_SECONDS = 2.0
"""How long an empty chunk store file may stay empty before it counts as damaged."""
EMPTY_FILE_POLL_SECONDS = 0.05
BUSY_TIMEOUT_SECONDS = 120.0
"""How long a write waits for another process's write lock on the chunk store before failing.

An ingest keeps the lock from its first changed file until it commits, embedding every file in
between. A first ingest of the 10,041-chunk KB of benchmarks/speed.py took 59 s on the 2-core
machine of docs/benchmarks.md. Twice that lets a second ingest or upload wait out such a run,
where sqlite3's default of 5 s made it fail. Readers such as `ask` do not wait for a writer,
because the store is in WAL mode.
"""

DAMAGED_DATABASE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
"""SQLite result codes of a file that is not an intact database: "database disk image is
malformed" and "file is not a database"."""
READ_ONLY_CODES = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN})
"""SQLite result codes of a write, or of opening a WAL database, that the file or its folder
refused: "attempt to write a readonly database" and "unable to open database file"."""

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
CREATE TABLE IF NOT EXISTS semantic_vectors (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(chunk_id) ON DELETE CASCADE,
    vector BLOB NOT NULL
);
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
    """Read and write the chunk table and file manifest of one KB.

    Args:
        path: The SQLite file, created when missing.
        kb: Name of the KB that error messages give; default: the name of the file's folder,
            which `Settings.kb_dir` names after the KB.

    Raises:
        KnowledgeBaseDamagedError: the file is empty or is not an intact SQLite database.
        KnowledgeBaseNotWritableError: the file or its folder is read-only, and SQLite needs
            to write them to open the file.
    """

    def __init__(self, path: Path, *, kb: str | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._kb = kb or path.parent.name
        self._busy_timeout_seconds = BUSY_TIMEOUT_SECONDS
        # SQLite takes an empty file for a new database. The store writes its header as soon
        # as it creates the file, so a file still empty after a short wait lost its content.
        if _stays_empty(path):
            raise KnowledgeBaseDamagedError(self._kb, path)
        self._connection = sqlite3.connect(
            path, timeout=self._busy_timeout_seconds, check_same_thread=False
        )
        try:
            with self._database_errors():
                self._connection.execute("PRAGMA foreign_keys = ON")
                self._connection.execute("PRAGMA journal_mode = WAL")
                self._connection.executescript(_SCHEMA)
        except (ConflictError, KnowledgeBaseDamagedError, KnowledgeBaseNotWritableError):
            self._connection.close()
            raise
        self._file_identity = _file_identity(path)

    def close(self) -> None:
        """Close the SQLite connection."""
        self._connection.close()

    def is_replaced(self) -> bool:
        """Return whether the file at the store's path is no longer the one this store opened.

        `assistant ingest --rebuild` in another process deletes the file and creates a new one,
        which this store's connection does not see.
        """
        try:
            return _file_identity(self._path) != self._file_identity
        except FileNotFoundError:
            return True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit the writes made inside the block together, or none of them.

        Raises:
            ConflictError: another process kept the write lock for BUSY_TIMEOUT_SECONDS, so
                the block's writes were rolled back.
            KnowledgeBaseDamagedError: the file is not an intact SQLite database.
        """
        with self._database_errors(), self._connection:
            # A deferred transaction that reads, then writes after another process committed,
            # fails at once with SQLITE_BUSY, without the busy timeout. IMMEDIATE takes the
            # write lock first, and waits for it.
            if not self._connection.in_transaction:
                self._connection.execute("BEGIN IMMEDIATE")
            yield

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        """Raise ConflictError in place of SQLite's "database is locked" after the busy timeout,
        and KnowledgeBaseDamagedError in place of "file is not a database" or "database disk
        image is malformed"."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            # The low byte of an extended result code, such as SQLITE_BUSY_SNAPSHOT, is its
            # primary code. Errors that the sqlite3 module raises itself have no code.
            code = getattr(exc, "sqlite_errorcode", None)
            primary_code = code & 0xFF if isinstance(code, int) else None
            if primary_code in DAMAGED_DATABASE_CODES:
                raise KnowledgeBaseDamagedError(self._kb, self._path) from exc
            if primary_code in READ_ONLY_CODES and not is_writable_sqlite_file(self._path):
                raise KnowledgeBaseNotWritableError(self._kb, self._path.parent) from exc
            if primary_code != sqlite3.SQLITE_BUSY:
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
        with self._database_errors():
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
        with self._database_errors():
            rows = self._connection.execute("SELECT chunk_id FROM chunks WHERE doc = ?", (doc,))
            return [row[0] for row in rows]

    def all_chunks(self) -> list[StoredChunk]:
        """Return every chunk, ordered by file and position."""
        with self._database_errors():
            rows = self._connection.execute("SELECT * FROM chunks ORDER BY doc, ordinal")
            return [_from_row(row) for row in rows]

    def chunks_without_semantic_vector(self) -> list[tuple[str, tuple[str, ...], str]]:
        """Return the id, heading path and text of every chunk that has no semantic vector."""
        with self._database_errors():
            rows = self._connection.execute(
                "SELECT chunk_id, heading_path, text FROM chunks WHERE chunk_id NOT IN "
                "(SELECT chunk_id FROM semantic_vectors) ORDER BY doc, ordinal"
            )
            return [(row[0], tuple(json.loads(row[1])), row[2]) for row in rows]

    def add_semantic_vectors(
        self, chunk_ids: Sequence[str], vectors: npt.NDArray[np.float32]
    ) -> None:
        """Store one float32 vector per chunk id, in place of any stored before."""
        self._connection.executemany(
            "INSERT OR REPLACE INTO semantic_vectors (chunk_id, vector) VALUES (?, ?)",
            [
                (chunk_id, np.asarray(vector, dtype="<f4").tobytes())
                for chunk_id, vector in zip(chunk_ids, vectors, strict=True)
            ],
        )

    def clear_semantic_vectors(self) -> None:
        """Delete every semantic vector, before the KB is embedded with another model."""
        self._connection.execute("DELETE FROM semantic_vectors")

    def semantic_vectors(self) -> dict[str, npt.NDArray[np.float32]]:
        """Return the stored semantic vectors by chunk id."""
        with self._database_errors():
            rows = self._connection.execute("SELECT chunk_id, vector FROM semantic_vectors")
            return {row[0]: np.frombuffer(row[1], dtype="<f4") for row in rows}

    def get_meta(self, key: str) -> str | None:
        """Return a stored KB property, or None."""
        with self._database_errors():
            query = "SELECT value FROM meta WHERE key = ?"
            row = self._connection.execute(query, (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store a KB property."""
        self._connection.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
        )


def _stays_empty(path: Path) -> bool:
    """Return whether `path` is an empty file for `EMPTY_FILE_WAIT_SECONDS`.

    Another process that creates the store leaves the file empty until it writes the header.
    """
    deadline = time.monotonic() + EMPTY_FILE_WAIT_SECONDS
    while path.is_file() and path.stat().st_size == 0:
        if time.monotonic() >= deadline:
            return True
        time.sleep(EMPTY_FILE_POLL_SECONDS)
    return False


def _file_identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return (status.st_dev, status.st_ino)


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
