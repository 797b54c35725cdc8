"""The plain baseline a user would build: rank_bm25 over jieba tokens, one chunk per section.

There is no tuning and no text cleaning beyond lower-casing. Every Markdown file under the KB
folder is split on heading lines, including `#` lines inside code blocks as a naive splitter
would. Tokens come from `jieba.lcut_for_search`, and tokens without a letter or digit are
dropped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np
from metrics import distinct_docs
from rank_bm25 import BM25Okapi

_HEADING_RE = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Section:
    """One Markdown section: its file (relative to the KB folder) and its text."""

    doc: str
    text: str


def tokenize(text: str) -> list[str]:
    """Cut lower-cased text with jieba's search mode and drop whitespace and punctuation."""
    return [token for token in jieba.lcut_for_search(text.lower()) if _has_word_char(token)]


def _has_word_char(token: str) -> bool:
    return any(char.isalnum() for char in token)


def split_sections(doc: str, text: str) -> list[Section]:
    """Split a Markdown file before each heading line; text before the first heading is kept."""
    sections: list[list[str]] = [[]]
    for line in text.splitlines():
        if _HEADING_RE.match(line) and sections[-1]:
            sections.append([])
        sections[-1].append(line)
    return [Section(doc, "\n".join(lines)) for lines in sections if "".join(lines).strip()]


def load_sections(folder: Path) -> list[Section]:
    """Read every `.md` file under `folder` into sections, in path order."""
    sections: list[Section] = []
    for path in sorted(folder.rglob("*.md")):
        doc = path.relative_to(folder).as_posix()
        sections.extend(split_sections(doc, path.read_text(encoding="utf-8", errors="replace")))
    return sections


class Bm25Baseline:
    """BM25Okapi over one KB folder's sections, returning ranked distinct docs."""

    def __init__(self, folder: Path) -> None:
        jieba.setLogLevel(logging.WARNING)
        self.sections = load_sections(folder)
        self._index = BM25Okapi([tokenize(section.text) for section in self.sections])

    def ranked_docs(self, query: str) -> list[str]:
        """Return the docs of the sections with a positive score, best first, each once."""
        tokens = tokenize(query)
        if not tokens:
            return []
        scores = self._index.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")
        return distinct_docs(self.sections[i].doc for i in order if scores[i] > 0)
