"""Dense vectors of one KB in a persistent Chroma collection."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.errors import KnowledgeBaseDamagedError, UpstreamError

logger = logging.getLogger(__name__)

ADD_BATCH_SIZE = 1000
"""Chroma rejects very large add calls; vectors are sent in batches of this size."""

CHROMA_DATABASE_FILE = "chroma.sqlite3"
"""Chroma's SQLite file in a persistent client's folder (chromadb 1.x)."""

_DAMAGED_DATABASE_RE = re.compile(r"\(code: (11|26)\)")
"""Chroma's text of SQLite's SQLITE_CORRUPT (11, "database disk image is malformed") and
SQLITE_NOTADB (26, "file is not a database"), such as "error returned from database: (code: 26)
file is not a database" (chromadb 1.5). Chroma raises both as a plain InternalError."""

MetadataValue = str | int | float | bool
Where = dict[str, Any]


@dataclass(frozen=True)
class VectorHit:
    """One chunk found by vector similarity."""

    chunk_id: str
    similarity: float


def forget_process_state(identifier: str) -> None:
    """Drop Chroma's in-process state of a folder; see `VectorStore.forget_process_state`.

    Args:
        identifier: Chroma's key of the folder's state, the path given to its client.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    # NOTE: private chromadb state, checked by a test that reloads after another process's
    # ingest. The public `clear_system_cache()` would break the clients of every folder.
    SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def collection_name(kb: str) -> str:
    """Map a KB name to a valid Chroma collection name (3-512 chars of [a-zA-Z0-9._-])."""
    safe = re.sub(r"[^a-zA-Z0-9._-]+", "-", kb).strip("-._")[:40]
    digest = hashlib.sha1(kb.encode("utf-8")).hexdigest()[:8]
    return f"kb-{safe or 'x'}-{digest}"


class VectorStore:
    """Add, delete and query chunk vectors; cosine similarity via Chroma's HNSW index.

    Raises:
        KnowledgeBaseDamagedError: Chroma's database file in `folder` is not an intact SQLite
            database.
    """

    def __init__(self, folder: Path, kb: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from chromadb.errors import InternalError

        folder.mkdir(parents=True, exist_ok=True)
        try:
            self._client = chromadb.PersistentClient(
                path=str(folder), settings=ChromaSettings(anonymized_telemetry=False)
            )
            # Vectors are always passed in, so Chroma never loads its default (downloaded) model.
            self._collection = self._client.get_or_create_collection(
                name=collection_name(kb),
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
        except InternalError as exc:
            # Chroma keeps the system of a client that failed to start, and every later client
            # of the folder in this process would fail on it.
            forget_process_state(str(folder))
            if _DAMAGED_DATABASE_RE.search(str(exc)):
                raise KnowledgeBaseDamagedError(kb, folder / CHROMA_DATABASE_FILE) from exc
            raise
        # Counting costs about as much as an HNSW query, so it is cached and reset on writes.
        self._count: int | None = None

    def forget_process_state(self) -> None:
        """Drop Chroma's in-process state of this folder, so the next client reads the disk.

        Chroma keeps one system per folder and process, and that system does not load another
        process's writes. After `assistant ingest` ran beside a server, the server's queries
        returned deleted chunks or failed with "Error finding id". Clients of this folder that
        are still held stop working, so open a new VectorStore instead.
        """
        forget_process_state(str(getattr(self._client, "_identifier", "")))

    def count(self) -> int:
        """Return the number of stored vectors."""
        if self._count is None:
            self._count = int(self._collection.count())
        return self._count

    def add(
        self,
        chunk_ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[dict[str, MetadataValue]],
    ) -> None:
        """Insert or replace the vectors of some chunks."""
        self._count = None
        for start in range(0, len(chunk_ids), ADD_BATCH_SIZE):
            end = start + ADD_BATCH_SIZE
            self._collection.upsert(
                ids=list(chunk_ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=list(metadatas[start:end]),
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove the vectors of some chunks; unknown ids are ignored."""
        self._count = None
        for start in range(0, len(chunk_ids), ADD_BATCH_SIZE):
            self._collection.delete(ids=list(chunk_ids[start : start + ADD_BATCH_SIZE]))

    def vectors(self, chunk_ids: Sequence[str]) -> npt.NDArray[np.float32] | None:
        """Return the stored vectors of `chunk_ids` as rows in that order, None if any is missing.

        Raises:
            UpstreamError: when Chroma fails to answer.
        """
        if not chunk_ids:
            return None
        try:
            result = self._collection.get(ids=list(chunk_ids), include=["embeddings"])
        except Exception as exc:
            raise UpstreamError(f"reading vectors from Chroma failed: {exc}") from exc
        embeddings = result.get("embeddings")
        if embeddings is None or len(result["ids"]) != len(set(chunk_ids)):
            return None
        by_id = dict(zip(result["ids"], embeddings, strict=True))
        return np.asarray([by_id[chunk_id] for chunk_id in chunk_ids], dtype=np.float32)

    def query(self, vector: Sequence[float], limit: int, where: Where | None) -> list[VectorHit]:
        """Return up to `limit` chunks nearest to a vector that satisfy a metadata filter.

        Raises:
            UpstreamError: when Chroma fails to answer.
        """
        total = self.count()
        if total == 0:
            return []
        try:
            result = self._collection.query(
                query_embeddings=np.asarray([vector], dtype=np.float32),
                n_results=min(limit, total),
                where=where or None,
                include=["distances"],
            )
        except Exception as exc:
            raise UpstreamError(f"vector search in Chroma failed: {exc}") from exc
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [VectorHit(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=False)]
