"""Deterministic hashing TF-IDF featurizer for intent classification, in pure numpy.

A message becomes a sparse vector with two blocks of features:

- word features: unigrams and bigrams of `tokenize(text, keep_stop_words=True)`, because function
  words such as "how", "why" and "怎么" separate how-to questions from problem reports. The
  block also holds the text's scope (product, support or general, see `vocabulary.py`), one
  token per bilingual cue of `data/lexicon.yaml` found in the text, and each cue paired with the
  scope. The cues let an English example teach the Chinese phrasing of the same cue, and the
  pairs tell "how do I fix my sink" from product questions;
- character features: 1- to 4-grams inside each whitespace-separated chunk of the normalized
  text, padded with a space on each side. They catch Chinese words that jieba cuts differently,
  typos ("登陆" for "登录") and English inflections.

Each feature string is hashed with CRC-32 into a fixed number of columns. CRC-32 is stable across
processes and Python versions, unlike the salted built-in `hash()`, so cached weights stay valid.
Term counts are damped to `1 + ln(count)` (sublinear tf) and multiplied by the inverse document
frequency of their column in the training set. Columns never seen in training are dropped. Each
block is then L2-normalized and scaled by the square root of its weight, so that the whole
vector has unit norm and the many character n-grams do not drown the few word features.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from assistant.intents.vocabulary import Lexicon, load_lexicon
from assistant.text import normalize, tokenize

WORD_PREFIX = "w:"
CHAR_PREFIX = "c:"
CONCEPT_PREFIX = "k:"
"""Prefixes that keep words, character n-grams and lexicon concepts with the same text apart."""


@dataclass(frozen=True)
class FeaturizerConfig:
    """Parameters of the featurizer. Cached weights are valid only for the same values."""

    dimension: int = 2**20
    """Number of hash columns."""

    word_ngram_max: int = 2
    """Maximum word n-gram length (1 keeps unigrams only)."""

    char_ngram_min: int = 1
    """Minimum character n-gram length."""

    char_ngram_max: int = 4
    """Maximum character n-gram length."""

    word_weight: float = 0.5
    """Share of the vector's squared norm given to word features, the rest going to characters."""

    def to_dict(self) -> dict[str, int | float]:
        """Return the config as a JSON-serializable dict."""
        return asdict(self)


class SparseFeatures(NamedTuple):
    """Non-zero entries of one sparse vector, in which an index may occur more than once."""

    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]


class HashedText(NamedTuple):
    """Sublinear term frequencies of one text by hash column, per feature block."""

    words: SparseFeatures
    chars: SparseFeatures


class HashingFeaturizer:
    """Extract the word and character features of a text and hash them into columns.

    Args:
        config: Featurizer parameters.
        lexicon: Product terms and cue concepts; defaults to the shipped `data/lexicon.yaml`.
    """

    def __init__(
        self, config: FeaturizerConfig | None = None, lexicon: Lexicon | None = None
    ) -> None:
        self.config = config or FeaturizerConfig()
        self.lexicon = lexicon or load_lexicon()

    def hash_text(self, text: str) -> HashedText:
        """Return the hashed sublinear term frequencies of `text`, before IDF weighting."""
        return HashedText(
            words=self._hash_block(self.word_ngrams(text) + self.concepts(text)),
            chars=self._hash_block(self.char_ngrams(text)),
        )

    def concepts(self, text: str) -> list[str]:
        """Return the scope of `text`, its lexicon concepts and each concept paired with the scope.

        The pairs let the model learn, for example, that "how do I" without any product term
        is usually out of scope.
        """
        scope, concepts = self.lexicon.analyze(text)
        names = [scope.value, *concepts, *(f"{name}@{scope.value}" for name in concepts)]
        return [CONCEPT_PREFIX + name for name in names]

    def word_ngrams(self, text: str) -> list[str]:
        """Return the word unigrams and n-grams of `text`, up to `word_ngram_max` words."""
        tokens = tokenize(text, keep_stop_words=True)
        grams = [WORD_PREFIX + token for token in tokens]
        for size in range(2, self.config.word_ngram_max + 1):
            grams.extend(
                WORD_PREFIX + " ".join(tokens[start : start + size])
                for start in range(len(tokens) - size + 1)
            )
        return grams

    def char_ngrams(self, text: str) -> list[str]:
        """Return the character n-grams inside each space-padded chunk of the normalized text."""
        grams: list[str] = []
        for chunk in normalize(text).split():
            padded = f" {chunk} "
            for size in range(self.config.char_ngram_min, self.config.char_ngram_max + 1):
                grams.extend(
                    CHAR_PREFIX + padded[start : start + size]
                    for start in range(len(padded) - size + 1)
                    if not padded[start : start + size].isspace()
                )
        return grams

    def _hash_block(self, features: list[str]) -> SparseFeatures:
        columns: dict[int, float] = {}
        for feature, count in Counter(features).items():
            column = zlib.crc32(feature.encode("utf-8")) % self.config.dimension
            columns[column] = columns.get(column, 0.0) + 1.0 + math.log(count)
        indices = np.fromiter(columns.keys(), dtype=np.int64, count=len(columns))
        values = np.fromiter(columns.values(), dtype=np.float64, count=len(columns))
        return SparseFeatures(indices, values)


@dataclass(frozen=True)
class HashVocabulary:
    """Hash columns seen in training with their smoothed inverse document frequency."""

    columns: npt.NDArray[np.int64]
    """Seen hash columns, sorted ascending. Feature vectors index this array."""

    idf: npt.NDArray[np.float64]
    """`ln((1 + n) / (1 + df)) + 1` of each column, as scikit-learn's TfidfTransformer."""

    @classmethod
    def fit(cls, texts: Sequence[HashedText]) -> HashVocabulary:
        """Count in how many of `texts` each column occurs and derive its IDF."""
        occurrences = np.concatenate(
            [np.unique(np.concatenate([block.indices for block in text])) for text in texts]
        )
        columns, document_frequency = np.unique(occurrences, return_counts=True)
        idf = np.log((1.0 + len(texts)) / (1.0 + document_frequency)) + 1.0
        return cls(columns=columns.astype(np.int64), idf=idf)

    def vectorize(self, text: HashedText, config: FeaturizerConfig) -> SparseFeatures:
        """Return the TF-IDF vector of `text`, indexed by position in `columns`."""
        weights = (config.word_weight, 1.0 - config.word_weight)
        blocks = [
            self._weight_block(block, weight) for block, weight in zip(text, weights, strict=True)
        ]
        return SparseFeatures(
            np.concatenate([block.indices for block in blocks]),
            np.concatenate([block.values for block in blocks]),
        )

    def _weight_block(self, block: SparseFeatures, weight: float) -> SparseFeatures:
        positions = np.searchsorted(self.columns, block.indices)
        in_range = positions < len(self.columns)
        seen = np.zeros(len(positions), dtype=bool)
        seen[in_range] = self.columns[positions[in_range]] == block.indices[in_range]

        positions = positions[seen]
        values = block.values[seen] * self.idf[positions]
        norm = float(np.linalg.norm(values))
        if norm > 0.0:
            values *= math.sqrt(weight) / norm
        return SparseFeatures(positions.astype(np.int64), values)
