"""Lexical similarity of two reports: cosine of their token-count vectors.

Tokens come from `assistant.text.tokenize` (jieba words for Chinese, English stems, stop words
dropped). When a glossary matcher is given, each zh<->en concept a text mentions adds a
`concept:` feature, so "GitHub 同步失败" and "GitHub sync failing" share `sync`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from assistant.text import tokenize

ConceptMatcher = Callable[[str], Iterable[str]]
"""Function that returns stable keys of the glossary concepts a text mentions."""

CONCEPT_PREFIX = "concept:"
SIGNATURE_DIGITS = 4
"""Decimal places kept of each weight of a stored signature."""


class TextSimilarity:
    """Turns report texts into normalized sparse vectors and compares them."""

    def __init__(self, concepts: ConceptMatcher | None = None) -> None:
        self._concepts = concepts

    def vector(self, text: str) -> dict[str, float]:
        """Return the L2-normalized token-count vector of a text, empty for only stop words."""
        counts: Counter[str] = Counter(tokenize(text))
        if self._concepts is not None:
            counts.update(CONCEPT_PREFIX + key for key in set(self._concepts(text)))
        return normalized(counts)


def normalized(weights: Mapping[str, float]) -> dict[str, float]:
    """Return a sparse vector scaled to unit length, or an empty one for a zero vector."""
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    if norm == 0:
        return {}
    return {feature: weight / norm for feature, weight in weights.items()}


def cosine(first: Mapping[str, float], second: Mapping[str, float]) -> float:
    """Return the cosine of two unit-length sparse vectors (0 when either is empty)."""
    if len(first) > len(second):
        first, second = second, first
    return sum(weight * second.get(feature, 0.0) for feature, weight in first.items())


def centroid(vectors: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Return the normalized sum of unit vectors, rounded for storage."""
    total: dict[str, float] = {}
    for vector in vectors:
        for feature, weight in vector.items():
            total[feature] = total.get(feature, 0.0) + weight
    return {
        feature: round(weight, SIGNATURE_DIGITS) for feature, weight in normalized(total).items()
    }
