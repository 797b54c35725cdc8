"""Document-level BM25 over whole pages, for ranking pages.

Chunk-level search finds the passage; this ranker judges the page as a whole, so a page whose
overall vocabulary matches the question rises above a page that shares one sentence with it.
It is built in memory from the stored chunk tokens.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from retrieval.chunk_store import StoredChunk
from retrieval.keyword_index import KeywordIndex

BoolMask = npt.NDArray[np.bool_]


class DocumentIndex:
    """BM25 over each page's full token bag."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        self.docs: list[str] = list(dict.fromkeys(chunk.doc for chunk in chunks))
        position = {doc: i for i, doc in enumerate(self.docs)}
        self.doc_of_chunk = np.array([position[c.doc] for c in chunks], dtype=np.int64)
        languages = {chunk.doc: chunk.language for chunk in chunks}
        self.languages: list[str] = [languages[doc] for doc in self.docs]
        flags = _has_translation(self.docs, self.languages)
        self.has_translations = any(flags)
        """Whether the KB is laid out as translations: some page exists in two languages."""
        self.translated: list[bool] = flags if self.has_translations else [True] * len(flags)
        """Whether each page has a counterpart in another language, by `translation_key`. In a
        KB without translations, the pages cannot be checked: all count as translated and keep
        the usual language preference."""
        bodies: list[list[str]] = [[] for _ in self.docs]
        for chunk in chunks:
            bodies[position[chunk.doc]].extend(chunk.search_tokens)
        self._bodies = KeywordIndex.build(self.docs, bodies)

    def doc_mask(self, chunk_mask: BoolMask) -> BoolMask:
        """Return which pages have at least one chunk that passes the chunk filter."""
        mask = np.zeros(len(self.docs), dtype=bool)
        mask[self.doc_of_chunk[chunk_mask]] = True
        return mask

    def body_scores(self, tokens: list[str]) -> npt.NDArray[np.float32]:
        """Return the BM25 score of every page's full text."""
        return self._bodies.scores(tokens)


LANGUAGE_FOLDERS = frozenset({"en", "en-us", "en_us", "zh", "zh-cn", "zh_cn", "zh-hans", "cn"})
"""Folder names that hold one language's copy of a KB laid out per language."""


def translation_key(doc: str) -> str:
    """Return the path a page shares with its translations: the path without language folders
    and without the file extension.

    `en/admin/sso.md` and `zh/admin/sso.md` share `admin/sso`, and so do `en/admin/sso.html`
    and `zh/admin/sso.md`: one language's copy may be HTML and the other Markdown.
    """
    parts = [part for part in doc.split("/") if part.lower() not in LANGUAGE_FOLDERS]
    parts[-1] = parts[-1].rsplit(".", 1)[0] if "." in parts[-1] else parts[-1]
    return "/".join(parts)


def _has_translation(docs: list[str], languages: list[str]) -> list[bool]:
    """Tell for each page whether a translation of it exists."""
    languages_by_key: dict[str, set[str]] = {}
    for doc, language in zip(docs, languages, strict=True):
        languages_by_key.setdefault(translation_key(doc), set()).add(language)
    return [len(languages_by_key[translation_key(doc)]) > 1 for doc in docs]
