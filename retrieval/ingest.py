"""Idempotent ingestion of a folder of KB files into a knowledge base."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import InputError, KnowledgeBaseDamagedError
from assistant.text import ANALYZER_VERSION, tokenize
from retrieval.chunk_store import ChunkStore, StoredChunk
from retrieval.chunking import Chunk, chunk_document
from retrieval.documents import (
    OUTSIDE_KB_CODE,
    Document,
    SkippedFile,
    iter_kb_files,
    load_documents,
)
from retrieval.keyword_index import KeywordIndex
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import NO_REMOVAL_KEY
from retrieval.semantic import SEMANTIC_ID, passage_text, semantic_encoder
from retrieval.vector_store import MetadataValue
from retrieval.versions import version_key

logger = logging.getLogger(__name__)

EMBED_BATCH_SIZE = 256
SEMANTIC_BATCH_SIZE = 64
"""Chunks per call of the semantic encoder, which spreads a batch over the CPU cores."""


@dataclass(frozen=True)
class LeftOutLine:
    """A line of a KB file that gives the assistant instructions and is not indexed."""

    doc: str
    line: str


@dataclass
class IngestReport:
    """Changes made by one ingestion run."""

    kb: str
    root: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    left_out: list[LeftOutLine] = field(default_factory=list)
    """Lines that give the assistant instructions, left out of the index."""
    chunk_count: int = 0
    reembedded: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the index differs from before the run."""
        return bool(self.added or self.updated or self.removed or self.reembedded)

    @property
    def all_skipped(self) -> bool:
        """Whether every file found under the folder was skipped, so none of it is indexed."""
        return bool(self.skipped) and not (self.added or self.updated or self.unchanged)


def ingest_folder(
    kb: KnowledgeBase,
    root: Path,
    *,
    prune: bool = False,
    allow_empty: bool = False,
    require_files: bool = False,
    rebuild: bool = False,
) -> IngestReport:
    """Index the Markdown, text and HTML files under `root` into `kb`.

    Unchanged files are skipped, changed files replace their chunks, and with `prune` the files
    that are gone from `root` leave the index. Bad files are skipped and reported; a file that
    turned bad keeps its previous chunks. Symbolic links whose target lies outside `root` are
    skipped, and the files that an earlier ingest indexed through them are removed.

    A `root` without KB files is rejected before anything changes when `prune` would remove
    every document of a KB that has some, or when `require_files` is set, unless `allow_empty`.
    An empty folder is most often a mistyped path or a drive that is not mounted.

    With `rebuild`, the KB's index is deleted once `root` passed these checks, and the files
    of `root` are indexed into a new one, which also repairs a damaged index. Documents of the
    KB that are not in `root` are gone from the new index.

    Raises:
        InputError: when `root` is not an existing folder, or has no KB files and is rejected.
        KnowledgeBaseDamagedError: an index file of the KB cannot be read, without `rebuild`.
    """
    started = time.perf_counter()
    root = _kb_folder(kb, root)
    present = {path.relative_to(root).as_posix() for path in iter_kb_files(root)}
    # A rebuild drops every document that is not in `root`, as a prune does, but it must not
    # read the old index, which may be damaged.
    if not present and not allow_empty:
        _reject_empty_folder(kb, root, prune=prune and not rebuild, require_files=require_files)
    documents, skipped = load_documents(root, max_file_bytes=kb.settings.ingest_max_file_bytes)
    if prune and not rebuild and not allow_empty:
        _check_prune(kb, root, present, documents, skipped)
    if rebuild:
        kb.delete_index()
    report = IngestReport(kb=kb.name, root=str(root), skipped=skipped)
    report.left_out = [LeftOutLine(d.doc, line) for d in documents for line in d.left_out]
    store = kb.chunk_store
    known = store.file_hashes()
    # Unchanged files are embedded and tokenized again when the embedder or the analyzer
    # changed since the last run. A KB stored before analyzer versions existed counts as old.
    reembed = store.get_meta("embedder_id") not in (None, kb.embedder.embedder_id) or bool(
        known and store.get_meta("analyzer_version") != ANALYZER_VERSION
    )

    with store.transaction():
        for document in documents:
            if known.get(document.doc) == document.sha256 and not reembed:
                report.unchanged.append(document.doc)
                continue
            _store_document(kb, document)
            (report.updated if document.doc in known else report.added).append(document.doc)
        report.reembedded = reembed
        for doc in _linked_outside(known, skipped):
            kb.vector_store.delete(store.remove_file(doc))
            report.removed.append(doc)
        if prune:
            for doc in sorted(set(known) - present - set(report.removed)):
                kb.vector_store.delete(store.remove_file(doc))
                report.removed.append(doc)
        _record_index_state(kb, root)

    chunks = store.all_chunks()
    if report.changed or not kb.keyword_dir.exists():
        KeywordIndex.build(
            [c.chunk_id for c in chunks], [list(c.search_tokens) for c in chunks]
        ).save(kb.keyword_dir)
    kb.invalidate()
    report.chunk_count = len(chunks)
    report.seconds = round(time.perf_counter() - started, 3)
    logger.info(
        "ingest kb=%s added=%d updated=%d unchanged=%d removed=%d skipped=%d chunks=%d s=%.2f",
        kb.name,
        len(report.added),
        len(report.updated),
        len(report.unchanged),
        len(report.removed),
        len(report.skipped),
        report.chunk_count,
        report.seconds,
    )
    return report


def _kb_folder(kb: KnowledgeBase, root: Path) -> Path:
    """Return `root` resolved when it is an existing folder.

    Raises:
        InputError: `root` is a file, or does not exist. For a file, the message names the
            folder to pass instead: the folder the KB was last ingested from when it contains
            the file, so the file keeps its document path, else the file's parent.
    """
    root = root.expanduser().resolve()
    if root.is_dir():
        return root
    if root.is_file():
        folder = root.parent
        previous = _previous_root(kb)
        if previous and root.is_relative_to(previous):
            folder = Path(previous)
        raise InputError(
            f"KB path {str(root)!r} is a file, not a folder; ingest indexes a folder of .md, "
            f".txt and .html files, so pass the folder that contains it: {str(folder)!r}",
            code="kb_folder_is_file",
            path=str(root),
            folder=str(folder),
        )
    raise InputError(
        f"KB folder {str(root)!r} does not exist or is not a folder; "
        "pass the folder that contains your .md, .txt or .html files",
        code="kb_folder_missing",
        path=str(root),
    )


def _previous_root(kb: KnowledgeBase) -> str | None:
    """Return the folder that `kb` was last ingested from, or None when it is unknown."""
    if not kb.exists:
        return None
    try:
        return kb.chunk_store.get_meta("root")
    except KnowledgeBaseDamagedError:
        return None


def _check_prune(
    kb: KnowledgeBase,
    root: Path,
    present: set[str],
    documents: list[Document],
    skipped: list[SkippedFile],
) -> None:
    """Reject a prune that would empty the KB or replace it by another folder's files."""
    if not documents:
        _reject_unreadable_folder(kb, root, skipped)
    _reject_prune_of_other_folder(kb, root, present)


def _reject_prune_of_other_folder(kb: KnowledgeBase, root: Path, present: set[str]) -> None:
    """Reject a prune from another folder than the last ingest's that would remove at least
    half of the KB's documents.

    Pointing at the wrong folder ("samples/kb/en" instead of "docs/") would otherwise replace
    the KB without a word. `--rebuild` replaces a KB on purpose.

    Raises:
        InputError: `prune` from another folder would remove half of the documents or more.
    """
    previous = _previous_root(kb)
    if previous is None or previous == str(root):
        return
    known = set(kb.chunk_store.file_hashes())
    removed = known - present
    if not known or len(removed) * 2 < len(known):
        return
    raise InputError(
        f"KB {kb.name!r} was last ingested from {previous!r}, and --prune with {str(root)!r} "
        f"would remove {len(removed)} of its {len(known)} documents; nothing was changed. Pass "
        "the folder of the last ingest, or use --rebuild to replace the KB with this folder",
        code="ingest_prune_other_folder",
        path=str(root),
        kb=kb.name,
        previous=previous,
        count=len(removed),
        total=len(known),
    )


def _reject_unreadable_folder(kb: KnowledgeBase, root: Path, skipped: list[SkippedFile]) -> None:
    """Reject a prune that would empty the KB because every file of `root` was skipped.

    A bad file keeps its earlier chunks, so the prune would remove only the documents that are
    not among the skipped files. It is rejected when that is every document of the KB.

    Raises:
        InputError: `prune` would remove every document of `kb`.
    """
    known = set(kb.chunk_store.file_hashes()) if kb.exists else set()
    if not known or known & {file.doc for file in skipped}:
        return
    example = skipped[0] if skipped else None
    raise InputError(
        f"no file of KB folder {str(root)!r} could be indexed ({len(skipped)} skipped; "
        f"{example.doc if example else ''!r}: {example.reason if example else ''}), so --prune "
        f"would remove every document of KB {kb.name!r}, {len(known)} in all; nothing was "
        "changed. Fix the files, or add --allow-empty to empty the KB on purpose",
        code="ingest_would_empty_kb_skipped",
        path=str(root),
        kb=kb.name,
        count=len(known),
        skipped=len(skipped),
        example=example.doc if example else "",
        reason=example.reason_in if example else "",
    )


def _reject_empty_folder(
    kb: KnowledgeBase, root: Path, *, prune: bool, require_files: bool
) -> None:
    """Reject a folder without KB files when `prune` would empty the KB or `require_files` is set.

    Raises:
        InputError: `prune` would remove every document of `kb`, or `require_files` is set.
    """
    count = len(kb.chunk_store.file_hashes()) if prune and kb.exists else 0
    if count:
        raise InputError(
            f"KB folder {str(root)!r} contains no .md, .txt or .html files, so --prune would "
            f"remove every document of KB {kb.name!r}, {count} in all; nothing was changed. "
            "Check the path (a typo, or a drive that is not mounted), or add --allow-empty to "
            "empty the KB on purpose",
            code="ingest_would_empty_kb",
            path=str(root),
            kb=kb.name,
            count=count,
        )
    if require_files:
        raise InputError(
            f"KB folder {str(root)!r} contains no .md, .txt or .html files, so nothing was "
            f"indexed into KB {kb.name!r}; check the path and pass the folder that contains "
            "your KB files",
            code="kb_folder_empty",
            path=str(root),
            kb=kb.name,
        )


def _linked_outside(known: dict[str, str], skipped: list[SkippedFile]) -> list[str]:
    """Return the indexed files that are now links out of the KB folder, or lie under one.

    Unlike a file that turned bad, these leave the index even without `prune`, because an
    older ingest followed such links and their text must not stay searchable.
    """
    outside = [file.doc for file in skipped if file.code == OUTSIDE_KB_CODE]
    return sorted(
        doc for doc in known if any(doc == path or doc.startswith(path + "/") for path in outside)
    )


def remove_documents(kb: KnowledgeBase, docs: list[str]) -> list[str]:
    """Remove files from the index of `kb` and rebuild its keyword index.

    Returns:
        The docs that were in the index and are now removed; unknown docs are left out.
    """
    store = kb.chunk_store
    known = store.file_hashes()
    removed = [doc for doc in docs if doc in known]
    if not removed:
        return []
    with store.transaction():
        for doc in removed:
            kb.vector_store.delete(store.remove_file(doc))
    chunks = store.all_chunks()
    KeywordIndex.build([c.chunk_id for c in chunks], [list(c.search_tokens) for c in chunks]).save(
        kb.keyword_dir
    )
    kb.invalidate()
    logger.info("removed from kb=%s docs=%s chunks left=%d", kb.name, removed, len(chunks))
    return removed


def _store_document(kb: KnowledgeBase, document: Document) -> None:
    chunks = chunk_document(document, kb.settings.chunk_max_tokens)
    stored = [_to_stored(kb, document, chunk, ordinal) for ordinal, chunk in enumerate(chunks)]
    old_ids = kb.chunk_store.replace_file(document.doc, document.sha256, document.title, stored)
    kb.vector_store.delete(old_ids)
    _embed_and_add(kb, stored)


def _embed_and_add(kb: KnowledgeBase, chunks: list[StoredChunk]) -> None:
    for start in range(0, len(chunks), EMBED_BATCH_SIZE):
        batch = chunks[start : start + EMBED_BATCH_SIZE]
        vectors = kb.embedder.embed([_index_text(c) for c in batch])
        kb.vector_store.add([c.chunk_id for c in batch], vectors, [_metadata(c) for c in batch])


def _record_index_state(kb: KnowledgeBase, root: Path) -> None:
    """Finish an ingest's transaction: semantic vectors, then what the index was built with
    and from."""
    store = kb.chunk_store
    if kb.settings.semantic_rerank:
        _embed_semantic(store)
    store.set_meta("embedder_id", kb.embedder.embedder_id)
    store.set_meta("analyzer_version", ANALYZER_VERSION)
    kb.store_glossary_tokens()
    store.set_meta("root", str(root))


def _embed_semantic(store: ChunkStore) -> None:
    """Give every chunk without one a vector of the semantic reranker (retrieval/semantic.py).

    Chunks of new and changed files lack one, and so do all chunks of a KB ingested before the
    reranker existed or with another model, whose vectors are dropped first.
    """
    if store.get_meta("semantic_id") != SEMANTIC_ID:
        store.clear_semantic_vectors()
    missing = store.chunks_without_semantic_vector()
    if missing:
        encoder = semantic_encoder()
        for start in range(0, len(missing), SEMANTIC_BATCH_SIZE):
            batch = missing[start : start + SEMANTIC_BATCH_SIZE]
            vectors = encoder.passages([passage_text(path, text) for _, path, text in batch])
            store.add_semantic_vectors([chunk_id for chunk_id, _, _ in batch], vectors)
        logger.info("semantic vectors added=%d", len(missing))
    store.set_meta("semantic_id", SEMANTIC_ID)


def _to_stored(kb: KnowledgeBase, document: Document, chunk: Chunk, ordinal: int) -> StoredChunk:
    stored = StoredChunk(
        chunk_id=chunk.chunk_id,
        doc=document.doc,
        ordinal=ordinal,
        title=document.title,
        heading_path=tuple(chunk.heading_path),
        text=chunk.text,
        token_count=chunk.token_count,
        module=document.module,
        roles=tuple(document.roles),
        introduced_in=document.introduced_in,
        removed_in=document.removed_in,
        tags=tuple(document.tags),
        language=document.language,
        search_tokens=(),
        concepts=(),
    )
    text = _index_text(stored)
    return StoredChunk(
        **{
            **stored.__dict__,
            "search_tokens": tuple(tokenize(text)),
            "concepts": tuple(sorted(kb.glossary.match(text))),
        }
    )


def _index_text(chunk: StoredChunk) -> str:
    """Text that search sees for a chunk: path words, title, headings, tags and body."""
    path_words = chunk.doc.rsplit(".", 1)[0].replace("/", " ").replace("-", " ").replace("_", " ")
    parts = [
        path_words,
        chunk.title,
        " ".join(chunk.heading_path),
        " ".join(chunk.tags),
        chunk.text,
    ]
    return "\n".join(parts)


def _metadata(chunk: StoredChunk) -> dict[str, MetadataValue]:
    return {
        "doc": chunk.doc,
        "module": chunk.module,
        "language": chunk.language,
        "role_admin": "admin" in chunk.roles,
        "role_member": "member" in chunk.roles,
        "role_guest": "guest" in chunk.roles,
        "introduced_key": version_key(chunk.introduced_in),
        "removed_key": version_key(chunk.removed_in) if chunk.removed_in else NO_REMOVAL_KEY,
    }
