"""A named knowledge base: its folder, stores and retriever."""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

from assistant import telemetry
from assistant.errors import (
    InputError,
    KnowledgeBaseDamagedError,
    KnowledgeBaseNotFoundError,
    KnowledgeBaseNotWritableError,
)
from assistant.settings import Settings
from retrieval.chunk_store import ChunkStore, StoredChunk
from retrieval.embedding import Embedder, build_embedder
from retrieval.glossary import Glossary, load_glossary
from retrieval.keyword_index import KeywordIndex
from retrieval.related import (
    DEFAULT_RELATED_LIMIT,
    DocumentTopic,
    RelatedArticle,
    document_topics,
    rank_related,
)
from retrieval.search import HybridRetriever, SearchFilters, SearchResult
from retrieval.semantic import SEMANTIC_ID, SemanticIndex
from retrieval.vector_store import VectorStore, forget_process_state

logger = logging.getLogger(__name__)

KB_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CHUNKS_FILE = "chunks.sqlite"
KEYWORD_DIR = "bm25"
VECTOR_DIR = "chroma"
GENERATION_FILE = "generation"
"""Stamp rewritten after every change of the index, by which other processes notice it."""
GLOSSARY_TOKENS_META = "glossary_tokens"

UNREADABLE_FILE_ERRORS = (EOFError, FileNotFoundError, KeyError, TypeError, ValueError)
"""Exceptions that loading damaged keyword index files raises: invalid JSON or UTF-8 and NumPy
arrays cut short (ValueError, EOFError), a missing file, or JSON of another shape (KeyError,
TypeError)."""


def validate_kb_name(name: str) -> str:
    """Return the name if it is a valid KB name.

    Raises:
        InputError: naming the value and the allowed form.
    """
    if not KB_NAME_RE.match(name):
        raise InputError(
            f"invalid KB name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            code="invalid_kb_name",
            name=name,
        )
    return name


def list_knowledge_bases(settings: Settings) -> list[str]:
    """Return the names of the KBs that have been ingested."""
    root = settings.data_dir / "kb"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / CHUNKS_FILE).exists())


class KnowledgeBase:
    """One KB's chunk store, BM25 index and Chroma collection, opened lazily."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.name = validate_kb_name(name)
        self.settings = settings
        self.folder: Path = settings.kb_dir(name)
        self._chunk_store: ChunkStore | None = None
        self._vector_store: VectorStore | None = None
        self._embedder: Embedder | None = None
        self._retriever: HybridRetriever | None = None
        self._topics: dict[str, DocumentTopic] | None = None
        # Threads of one process share a KB (the API, the eval runner); two threads opening
        # Chroma's client at once can fail inside chromadb, so stores open under this lock.
        self._open_lock = threading.RLock()
        self._generation: str | None = None
        """Stamp of the index this object's stores and retriever were opened on."""

    @classmethod
    def open_existing(cls, settings: Settings, name: str) -> KnowledgeBase:
        """Open a KB that was ingested before.

        Raises:
            KnowledgeBaseNotFoundError: when nothing was ingested under that name.
        """
        kb = cls(settings, name)
        if not (kb.folder / CHUNKS_FILE).exists():
            raise KnowledgeBaseNotFoundError(name)
        return kb

    @property
    def exists(self) -> bool:
        """Whether anything was ever ingested into this KB."""
        return (self.folder / CHUNKS_FILE).exists()

    @property
    def chunk_store(self) -> ChunkStore:
        """The SQLite chunk store and file manifest."""
        with self._open_lock:
            if self._chunk_store is None:
                self._chunk_store = ChunkStore(self.folder / CHUNKS_FILE, kb=self.name)
            return self._chunk_store

    @property
    def vector_store(self) -> VectorStore:
        """The Chroma collection of chunk vectors."""
        with self._open_lock:
            if self._vector_store is None:
                self._vector_store = VectorStore(self.folder / VECTOR_DIR, self.name)
            return self._vector_store

    @property
    def embedder(self) -> Embedder:
        """The configured embedder."""
        with self._open_lock:
            if self._embedder is None:
                self._embedder = build_embedder(self.settings)
            return self._embedder

    @property
    def glossary(self) -> Glossary:
        """The shipped glossary merged with the admin's extra file."""
        return load_glossary(self.settings.glossary_path)

    @property
    def keyword_dir(self) -> Path:
        """Folder of the BM25 index files."""
        return self.folder / KEYWORD_DIR

    def retriever(self) -> HybridRetriever:
        """Return the hybrid retriever over the current chunks, built once per ingest.

        An ingest or removal by another process (the CLI beside a server, another worker) is
        noticed here: the stores are reopened and the retriever rebuilt.
        """
        self._reload_if_changed_elsewhere()
        retriever = self._retriever
        if retriever is not None:
            return retriever
        with self._open_lock:
            if self._retriever is None:
                self._generation = self._read_generation()
                self._retriever = self._build_retriever()
            return self._retriever

    def _read_generation(self) -> str:
        try:
            stamp = (self.folder / GENERATION_FILE).read_bytes()
        except FileNotFoundError:
            return ""
        # The stamp is only compared, so damaged bytes just read as a change.
        return stamp.decode("utf-8", errors="replace")

    def _reload_if_changed_elsewhere(self) -> None:
        if self._generation is None or self._read_generation() == self._generation:
            return
        with self._open_lock:
            current = self._read_generation()
            if current == self._generation:
                return
            logger.info("kb=%s changed in another process; reopening its index", self.name)
            if self._chunk_store is not None and self._chunk_store.is_replaced():
                self._chunk_store.close()
                self._chunk_store = None
            if self._vector_store is not None:
                self._vector_store.forget_process_state()
                self._vector_store = None
            self._retriever = None
            self._topics = None
            self._generation = None

    def _build_retriever(self) -> HybridRetriever:
        stored_id = self.chunk_store.get_meta("embedder_id")
        if stored_id and stored_id != self.embedder.embedder_id:
            logger.warning(
                "kb=%s was embedded with %s but the embedder is now %s; "
                "run `assistant ingest` again to re-embed",
                self.name,
                stored_id,
                self.embedder.embedder_id,
            )
        self._load_glossary_tokens()
        chunks = self.chunk_store.all_chunks()
        with self._reading(self.keyword_dir):
            keyword_index = KeywordIndex.load(self.keyword_dir)
        self._check_indexes_agree(chunks, keyword_index)
        return HybridRetriever(
            chunks,
            keyword_index,
            self.vector_store,
            self.embedder,
            self.glossary,
            semantic=self._semantic_index(chunks),
        )

    def _semantic_index(self, chunks: list[StoredChunk]) -> SemanticIndex | None:
        """Return the KB's semantic vectors, or None when the reranker is off or the KB has
        none made by the current model (`assistant ingest` adds them)."""
        if not self.settings.semantic_rerank or not chunks:
            return None
        if self.chunk_store.get_meta("semantic_id") != SEMANTIC_ID:
            logger.info(
                "kb=%s has no semantic vectors of %s; pages are not reranked",
                self.name,
                SEMANTIC_ID,
            )
            return None
        return SemanticIndex([c.chunk_id for c in chunks], self.chunk_store.semantic_vectors())

    @contextmanager
    def _reading(self, path: Path) -> Iterator[None]:
        """Raise KnowledgeBaseDamagedError when reading the index file `path` fails."""
        try:
            yield
        except UNREADABLE_FILE_ERRORS as exc:
            logger.info("kb=%s cannot read its index file %s: %r", self.name, path, exc)
            raise KnowledgeBaseDamagedError(self.name, path) from exc

    def _check_indexes_agree(self, chunks: list[StoredChunk], keyword_index: KeywordIndex) -> None:
        """Raise KnowledgeBaseDamagedError when the keyword index lists other chunks than the
        chunk store, or the vector store lost every vector.

        A keyword index file that was deleted or emptied reads as an index without chunks, and
        Chroma takes a lost database file for a new, empty one.
        """
        # NOTE: an ingest in another process commits the chunk store before it rewrites the
        # keyword index, so a search that opens the KB in between reports it damaged too.
        if keyword_index.chunk_ids != [chunk.chunk_id for chunk in chunks]:
            raise KnowledgeBaseDamagedError(self.name, self.keyword_dir)
        if chunks and self.vector_store.count() == 0:
            raise KnowledgeBaseDamagedError(self.name, self.folder / VECTOR_DIR)

    def _load_glossary_tokens(self) -> None:
        stored = self.chunk_store.get_meta(GLOSSARY_TOKENS_META)
        if stored is None:
            return
        payload = json.loads(stored)
        if payload.get("fingerprint") == self.glossary.fingerprint:
            self.glossary.use_variant_tokens(payload["tokens"])

    def store_glossary_tokens(self) -> None:
        """Save the glossary's variant tokens with the index (called by ingestion)."""
        payload = {
            "fingerprint": self.glossary.fingerprint,
            "tokens": self.glossary.variant_tokens(),
        }
        self.chunk_store.set_meta(GLOSSARY_TOKENS_META, json.dumps(payload, ensure_ascii=False))

    def invalidate(self) -> None:
        """Drop the cached retriever and document topics after this process changed the KB.

        Also writes a new generation stamp, by which other processes notice the change.
        """
        with self._open_lock:
            stamp = uuid.uuid4().hex
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f"{GENERATION_FILE}.{stamp}"
            temporary.write_text(stamp, encoding="utf-8")
            temporary.replace(self.folder / GENERATION_FILE)
            self._retriever = None
            self._topics = None
            self._generation = None

    def related_articles(
        self,
        docs: list[str],
        limit: int = DEFAULT_RELATED_LIMIT,
        *,
        role: str | None = None,
        version: str | None = None,
        language: str | None = None,
    ) -> list[RelatedArticle]:
        """Return up to `limit` documents that share tags or a module with `docs`.

        See `retrieval.related.rank_related` for the ranking, the role and version filter and
        the preference for `language`; `docs` are never returned.
        """
        return rank_related(
            self.document_topics(), docs, limit, role=role, version=version, language=language
        )

    def document_topics(self) -> dict[str, DocumentTopic]:
        """Return the title, module, tags, language, roles and versions of every document."""
        self._reload_if_changed_elsewhere()
        if self._topics is None:
            # The retriever already holds every chunk; reading them again would double memory.
            self._topics = document_topics(self.retriever().chunks)
        return self._topics

    def page_text(self, doc: str) -> str:
        """Return the text of every chunk of one document, in reading order."""
        return "\n".join(chunk.text for chunk in self.retriever().chunks if chunk.doc == doc)

    def languages(self) -> frozenset[str]:
        """Return the languages of the KB's documents (`en`, `zh`), computed once per ingest."""
        return self.retriever().languages

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        top_k: int | None = None,
        *,
        translated_query: str | None = None,
        rerank: bool = True,
    ) -> SearchResult:
        """Search the KB; see `HybridRetriever.search` for `translated_query` and `rerank`.

        The semantic reranker runs only when `rerank` is true and the settings turn it on.
        """
        limit = top_k or self.settings.retrieval_top_k
        filters = filters or SearchFilters()
        attributes: dict[str, AttributeValue] = {
            telemetry.RETRIEVAL_KB: self.name,
            telemetry.RETRIEVAL_TOP_K: limit,
            telemetry.RETRIEVAL_VERSION_FILTER: filters.version or "",
        }
        with telemetry.span("retrieval.search", attributes) as current:
            result = self.retriever().search(query, filters, limit, translated_query, rerank=rerank)
            if current is not None:
                self._record_result(current, query, result)
        return result

    def unknown_terms(self, query: str, translated_query: str | None = None) -> list[str]:
        """Return the query's words that no page uses, when they make up most of the query.

        A search of such a query has no results; see `HybridRetriever.unknown_terms`.
        """
        return self.retriever().unknown_terms(query, translated_query)

    def _record_result(self, current: Span, query: str, result: SearchResult) -> None:
        best = result.hits[0].confidence if result.hits else 0.0
        current.set_attribute(telemetry.RETRIEVAL_HITS, len(result.hits))
        current.set_attribute(telemetry.RETRIEVAL_BEST_CONFIDENCE, best)
        if self.settings.log_model_data:
            current.set_attribute(telemetry.RETRIEVAL_QUERY, query)

    def delete_index(self) -> None:
        """Delete the chunk store, the keyword index and the vector store, so that the next
        ingest builds them anew. Other processes reopen the KB once `invalidate` runs."""
        # NOTE: a damaged chunk store cannot give its write lock, so the files are deleted
        # without it, and an ingest or upload that runs at the same time loses its changes.
        with self._open_lock:
            self.close()
            self._vector_store = None
            forget_process_state(str(self.folder / VECTOR_DIR))
            try:
                for name in (CHUNKS_FILE, f"{CHUNKS_FILE}-wal", f"{CHUNKS_FILE}-shm"):
                    (self.folder / name).unlink(missing_ok=True)
                for folder in (self.keyword_dir, self.folder / VECTOR_DIR):
                    if folder.exists():
                        shutil.rmtree(folder)
            except PermissionError as exc:
                raise KnowledgeBaseNotWritableError(self.name, self.folder) from exc
            self._retriever = None
            self._topics = None
            self._generation = None

    def close(self) -> None:
        """Close the SQLite connection."""
        if self._chunk_store is not None:
            self._chunk_store.close()
            self._chunk_store = None
