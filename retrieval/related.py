"""Related articles: KB documents that share tags or a module with the documents an answer cites."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from retrieval.chunk_store import StoredChunk
from retrieval.versions import is_available

DEFAULT_RELATED_LIMIT = 3


class RelatedArticle(TypedDict):
    """A KB document suggested next to an answer."""

    doc: str
    title: str


@dataclass(frozen=True)
class DocumentTopic:
    """Title, module, tags, language, roles and versions of a document, from its front matter."""

    doc: str
    title: str
    module: str
    tags: frozenset[str]
    language: str
    roles: tuple[str, ...]
    introduced_in: str | None
    removed_in: str | None


def document_topics(chunks: Iterable[StoredChunk]) -> dict[str, DocumentTopic]:
    """Return the topic of every document, by path, from the metadata of its chunks."""
    topics: dict[str, DocumentTopic] = {}
    for chunk in chunks:
        known = topics.get(chunk.doc)
        tags = frozenset(tag.casefold() for tag in chunk.tags)
        if known is None:
            topics[chunk.doc] = DocumentTopic(
                chunk.doc,
                chunk.title,
                chunk.module,
                tags,
                chunk.language,
                chunk.roles,
                chunk.introduced_in,
                chunk.removed_in,
            )
        elif not tags <= known.tags:
            topics[chunk.doc] = dataclasses.replace(known, tags=known.tags | tags)
    return topics


def rank_related(
    topics: dict[str, DocumentTopic],
    docs: list[str],
    limit: int = DEFAULT_RELATED_LIMIT,
    *,
    role: str | None = None,
    version: str | None = None,
) -> list[RelatedArticle]:
    """Rank the documents related to `docs`, excluding `docs` themselves.

    A candidate must be in a language of the cited documents, share at least one tag or the
    module with them, be written for `role` and describe a feature of `version` (when given).
    Candidates are ordered by the number of shared tags, then by a shared module, then by title
    and path, so the same KB always gives the same list.
    """
    cited = [topics[doc] for doc in docs if doc in topics]
    if not cited or limit <= 0:
        return []

    tags = frozenset().union(*(topic.tags for topic in cited))
    modules = {topic.module for topic in cited if topic.module}
    languages = {topic.language for topic in cited}
    ranked: list[tuple[int, int, str, str]] = []
    for candidate in topics.values():
        if candidate.doc in docs or candidate.language not in languages:
            continue
        if role and candidate.roles and role not in candidate.roles:
            continue
        if version and not is_available(candidate.introduced_in, candidate.removed_in, version):
            continue
        shared_tags = len(candidate.tags & tags)
        same_module = int(candidate.module in modules)
        if shared_tags or same_module:
            ranked.append((-shared_tags, -same_module, candidate.title, candidate.doc))
    ranked.sort()

    return [RelatedArticle(doc=doc, title=title) for _, _, title, doc in ranked[:limit]]
