"""Bilingual cue lexicon of the intent classifier, read from `data/lexicon.yaml`.

The lexicon has two parts. Product terms mark a message as being about the product: a vague
message that mentions a sprint, an invoice or quiet hours must not be dismissed as out of scope.
Concepts are cue phrases in both languages ("can't" and "不了", "would be great" and "希望").
Each concept found in a message becomes one feature, so examples in one language teach the
other. Concepts marked `in_scope` (greetings, asking for a person, praise, complaints) also
count as addressed to support when the classifier is unsure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.errors import ConfigurationError
from assistant.text import normalize, stem_english, tokenize

DEFAULT_LEXICON_PATH = Path(__file__).parent / "data" / "lexicon.yaml"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})

ERROR_CODE_CONCEPT = "error_code"
"""Concept of a quoted product error code ("TASK-403") or HTTP status ("410 Gone")."""

_ERROR_CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,11}-\d{3}\b|\b[45]\d\d(?: [A-Z][a-z]+)+")


class Scope(StrEnum):
    """Topic class of a message, as far as the lexicon can tell."""

    PRODUCT = "product"
    """It names a product, account or billing term."""

    SUPPORT = "support"
    """It names no product term but contains an `in_scope` cue, such as a greeting."""

    GENERAL = "general"
    """Neither: it may be about anything."""


class LexiconMatch(NamedTuple):
    """Result of matching one text against the lexicon."""

    scope: Scope
    concepts: list[str]
    """Names of the concepts found, in lexicon order."""


@dataclass(frozen=True)
class Concept:
    """One cue, with a matcher for its English phrases and its Chinese substrings."""

    name: str
    english: re.Pattern[str] | None
    """Alternation of the English phrases, anchored at word boundaries."""

    chinese: tuple[str, ...]

    in_scope: bool = False
    """Whether the cue shows that a message is addressed to support (a greeting, praise...)."""


@dataclass(frozen=True)
class Lexicon:
    """Product terms and cue concepts, ready for matching."""

    product_english: frozenset[str]
    """English product terms, stemmed the way `tokenize` stems message words."""

    product_chinese: tuple[str, ...]
    concepts: tuple[Concept, ...]

    product_phrases: tuple[tuple[str, ...], ...] = ()
    """English product terms of several words ("quiet hours"), as `tokenize` splits them. A
    message names one when it contains the words in that order, next to each other."""

    def analyze(self, text: str) -> LexiconMatch:
        """Return the scope of `text` and the names of the concepts found in it."""
        concepts = self._matching_concepts(text)
        if self._mentions_product(text):
            scope = Scope.PRODUCT
        elif any(concept.in_scope for concept in concepts):
            scope = Scope.SUPPORT
        else:
            scope = Scope.GENERAL
        names = [concept.name for concept in concepts]
        if _ERROR_CODE.search(text):
            # Codes vary too much for phrase lists; the one feature says "an error was quoted".
            names.append(ERROR_CODE_CONCEPT)
        return LexiconMatch(scope, names)

    def _mentions_product(self, text: str) -> bool:
        folded = normalize(text)
        if any(term in folded for term in self.product_chinese):
            return True
        tokens = tokenize(text, keep_stop_words=True)
        if any(token in self.product_english for token in tokens):
            return True
        return any(_contains_phrase(tokens, phrase) for phrase in self.product_phrases)

    def _matching_concepts(self, text: str) -> list[Concept]:
        folded = normalize(text).translate(_APOSTROPHES)
        return [
            concept
            for concept in self.concepts
            if (concept.english is not None and concept.english.search(folded))
            or any(phrase in folded for phrase in concept.chinese)
        ]


class _TermLists(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: list[str] = []
    zh: list[str] = []


class _ConceptEntry(_TermLists):
    in_scope: bool = False


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: _TermLists
    concepts: dict[str, _ConceptEntry]


def parse_lexicon(data: bytes, source: Path) -> Lexicon:
    """Build a `Lexicon` from the YAML text of a lexicon file.

    Raises:
        ConfigurationError: when the YAML is invalid or does not have the documented shape.
    """
    try:
        document = _LexiconFile.model_validate(yaml.safe_load(data))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(
            f"invalid intent lexicon {source}: {exc}; it needs `product: {{en, zh}}` and "
            "`concepts: {name: {en, zh, in_scope}}`"
        ) from exc
    words = [term for term in document.product.en if len(term.split()) == 1]
    phrases = [term for term in document.product.en if len(term.split()) > 1]
    return Lexicon(
        product_english=frozenset(stem_english(normalize(term)) for term in words),
        product_chinese=tuple(normalize(term) for term in document.product.zh),
        concepts=tuple(_compile_concept(name, entry) for name, entry in document.concepts.items()),
        product_phrases=tuple(
            phrase for term in phrases if (phrase := tuple(tokenize(term, keep_stop_words=True)))
        ),
    )


def _contains_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[start : start + size]) == phrase for start in range(len(tokens)))


def _compile_concept(name: str, entry: _ConceptEntry) -> Concept:
    pattern = None
    if entry.en:
        alternatives = "|".join(re.escape(normalize(phrase)) for phrase in entry.en)
        pattern = re.compile(f"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")
    chinese = tuple(normalize(phrase) for phrase in entry.zh)
    return Concept(name, pattern, chinese, in_scope=entry.in_scope)


@lru_cache(maxsize=4)
def load_lexicon(path: Path = DEFAULT_LEXICON_PATH) -> Lexicon:
    """Read and cache the lexicon at `path`.

    Raises:
        ConfigurationError: when the file cannot be read or is invalid.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read intent lexicon {path}: {exc}") from exc
    return parse_lexicon(data, path)
