"""Pain-point terms of support texts: keywords and two-word phrases in Chinese and English.

Chinese keywords come from jieba's TF-IDF keyword extraction (`jieba.analyse.extract_tags`,
whose IDF table ships with jieba, so it works offline). English words are stemmed with
`assistant.text.stem_english`. Both drop the search stop words of `assistant.text` and the
report's own list in `insights/data/voc_stopwords.yaml`. A phrase is two content words that
follow each other with no stop word or punctuation between them.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.text import CJK_RANGES, STOP_WORDS, normalize, segment_chinese, stem_english

logger = logging.getLogger(__name__)

STOP_WORDS_PATH = Path(__file__).parent / "data" / "voc_stopwords.yaml"
MAX_CHINESE_KEYWORDS = 8
"""Chinese keywords kept per text, the best by jieba's TF-IDF weight."""
MIN_WORD_CHARS = 3
"""Minimum length of an English word kept. Shorter words with letters and digits ("s3") stay."""
MIN_CHINESE_WORD_CHARS = 2
_TOKEN_RE = re.compile(f"(?P<cjk>[{CJK_RANGES}]+)|(?P<word>[a-z0-9]+)|(?P<stop>[^\\s'’])")
_APOSTROPHES_RE = re.compile("['’]")


@dataclass(frozen=True)
class Term:
    """A term of a text: `key` groups spellings ("crash" for "crashes"), `surface` is as written."""

    key: str
    surface: str
    is_phrase: bool


@dataclass(frozen=True)
class _Word:
    key: str
    surface: str


def extract_terms(text: str) -> list[Term]:
    """Return the distinct words and two-word phrases of a text that name a topic."""
    folded = _APOSTROPHES_RE.sub("", normalize(text))
    chinese_keywords = _chinese_keywords(folded)
    terms: dict[str, Term] = {}
    previous: _Word | None = None
    for match in _TOKEN_RE.finditer(folded):
        words: list[_Word | None]
        if match.group("cjk"):
            words = [
                _Word(token, token) if token in chinese_keywords else None
                for token in segment_chinese_words(match.group("cjk"))
            ]
        elif match.group("word"):
            words = [_english_word(match.group("word"))]
        else:
            words = [None]
        for word in words:
            if word is None:
                previous = None
                continue
            terms.setdefault(word.key, Term(word.key, word.surface, is_phrase=False))
            if previous is not None and previous.key != word.key:
                key = f"{previous.key} {word.key}"
                terms.setdefault(key, Term(key, _join(previous.surface, word.surface), True))
            previous = word
    return list(terms.values())


def segment_chinese_words(run: str) -> list[str]:
    """Cut a run of Chinese characters into words, without the search-mode sub-words."""
    import jieba

    return list(jieba.lcut(run))


def _chinese_keywords(text: str) -> set[str]:
    runs = re.findall(f"[{CJK_RANGES}]+", text)
    if not runs:
        return set()
    # Segment first: it loads jieba's dictionary with its log level lowered.
    segment_chinese("")
    keywords = _jieba_analyse().extract_tags("，".join(runs), topK=MAX_CHINESE_KEYWORDS)
    stop_words = _chinese_stop_words()
    return {
        word for word in keywords if len(word) >= MIN_CHINESE_WORD_CHARS and word not in stop_words
    }


def _english_word(word: str) -> _Word | None:
    has_digit = any(char.isdigit() for char in word)
    if len(word) < MIN_WORD_CHARS and not has_digit:
        return None
    if word.isdigit() and len(word) < MIN_WORD_CHARS:
        return None
    key = stem_english(word)
    if word in STOP_WORDS or key in _english_stop_stems():
        return None
    return _Word(key, word)


def _join(first: str, second: str) -> str:
    # Two adjacent Chinese words join without a space. Any other pair is joined with one.
    cjk = re.compile(f"[{CJK_RANGES}]")
    if cjk.search(first[-1]) and cjk.search(second[0]):
        return first + second
    return f"{first} {second}"


@lru_cache(maxsize=1)
def _jieba_analyse() -> Any:
    # jieba 0.42.1 reads its IDF table with `open(path, "rb").read()` and never closes the
    # file. The ResourceWarning is raised when the file object is freed, inside this block.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        import jieba.analyse

    return jieba.analyse


@lru_cache(maxsize=1)
def _stop_lists() -> dict[str, list[str]]:
    data: dict[str, list[str]] = yaml.safe_load(STOP_WORDS_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def _english_stop_stems() -> frozenset[str]:
    return frozenset(stem_english(word) for word in _stop_lists()["en"])


@lru_cache(maxsize=1)
def _chinese_stop_words() -> frozenset[str]:
    return frozenset(_stop_lists()["zh"]) | STOP_WORDS
