"""Related articles: KB documents suggested next to a reply.

Next to an answer they share tags or a module with the cited documents. Next to a ticket they
are the documents of the confident retrieved chunks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

from retrieval.chunk_store import StoredChunk
from retrieval.versions import is_available

DEFAULT_RELATED_LIMIT = 3
GENERIC_TAG_MIN_MODULES = 3
"""A tag found in documents of this many modules or more is a kind of article, not a topic."""


class RelatedArticle(TypedDict):
    """A KB document suggested next to an answer."""

    doc: str
    title: str


class RetrievedChunk(TypedDict):
    """The fields of a retrieved chunk that `confident_articles` reads."""

    doc: str
    title: str
    confidence: float
    language: str
    roles: list[str]
    introduced_in: str | None
    removed_in: str | None


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
    language: str | None = None,
) -> list[RelatedArticle]:
    """Rank the documents related to `docs`, excluding `docs` themselves.

    A candidate must be in a language of the cited documents or in `language` (the reply's),
    share at least one topical tag (see `topical_tags`) or the module with them, be written for
    `role` and describe a feature of `version` (when given). Candidates in `language` come
    first, so a Chinese reply that had to cite an English page still suggests Chinese ones.
    Then come more shared topical tags, a shared module, and title and path, so the same KB
    always gives the same list.
    """
    cited = [topics[doc] for doc in docs if doc in topics]
    if not cited or limit <= 0:
        return []

    tags = frozenset().union(*(topic.tags for topic in cited)) & topical_tags(topics)
    modules = {topic.module for topic in cited if topic.module}
    languages = {topic.language for topic in cited} | ({language} if language else set())
    ranked: list[tuple[int, int, int, str, str]] = []
    for candidate in topics.values():
        if candidate.doc in docs or candidate.language not in languages:
            continue
        if not is_for_reader(
            candidate.roles, candidate.introduced_in, candidate.removed_in, role, version
        ):
            continue
        shared_tags = len(candidate.tags & tags)
        same_module = int(candidate.module in modules)
        if shared_tags or same_module:
            other_language = int(language is not None and candidate.language != language)
            ranked.append(
                (other_language, -shared_tags, -same_module, candidate.title, candidate.doc)
            )
    ranked.sort()

    return [RelatedArticle(doc=doc, title=title) for *_, title, doc in ranked[:limit]]


def topical_tags(topics: dict[str, DocumentTopic]) -> frozenset[str]:
    """Return the tags that name a topic: those whose documents span few modules.

    A tag such as "troubleshooting" or "faq", found in `GENERIC_TAG_MIN_MODULES` modules or
    more, names a kind of article. Sharing it does not make two articles related.
    """
    modules_by_tag: dict[str, set[str]] = {}
    for topic in topics.values():
        for tag in topic.tags:
            modules_by_tag.setdefault(tag, set()).add(topic.module)
    return frozenset(
        tag for tag, modules in modules_by_tag.items() if len(modules) < GENERIC_TAG_MIN_MODULES
    )


def confident_articles(
    hits: Iterable[RetrievedChunk],
    min_confidence: float,
    limit: int = DEFAULT_RELATED_LIMIT,
    *,
    language: str | None = None,
    role: str | None = None,
    version: str | None = None,
) -> list[RelatedArticle]:
    """Return the distinct documents of the hits that reach `min_confidence`, most confident first.

    Documents not written for `role` or not available in `version` are left out, by the rule of
    `rank_related`. When an eligible document is in `language`, documents in other languages are
    left out too, so that a bilingual KB does not suggest one article in both of its languages.
    """
    eligible = [
        hit
        for hit in hits
        if hit["confidence"] >= min_confidence
        and is_for_reader(hit["roles"], hit["introduced_in"], hit["removed_in"], role, version)
    ]
    same_language = [hit for hit in eligible if hit["language"] == language]
    ranked = sorted(same_language or eligible, key=lambda hit: -hit["confidence"])

    articles: dict[str, RelatedArticle] = {}
    for hit in ranked:
        articles.setdefault(hit["doc"], RelatedArticle(doc=hit["doc"], title=hit["title"]))
    return list(articles.values())[: max(limit, 0)]


def is_for_reader(
    roles: Sequence[str],
    introduced_in: str | None,
    removed_in: str | None,
    role: str | None,
    version: str | None,
) -> bool:
    """Tell whether a document is written for `role` and describes a feature of `version`.

    A document without roles is for every role, and None for `role` or `version` skips that check.

    Raises:
        InputError: one of the versions is invalid.
    """
    if role and roles and role not in roles:
        return False
    return not version or is_available(introduced_in, removed_in, version)
