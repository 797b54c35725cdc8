"""Eval metrics as small pure functions over plain values, each checked on hand-computed cases.

Retrieval metrics work at document level: a ranked list of distinct document paths is compared
with the set of relevant paths, with binary relevance.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import comb

from assistant.text import tokenize

SUPPORT_MIN_TOKEN_SHARE = 0.7
"""A sentence is supported when at least this share of its content tokens is in one cited chunk."""

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？；!?])|(?<=[.;])\s+|\n+")


@dataclass(frozen=True)
class IntentScores:
    """Intent accuracy, macro-F1 over the labels seen, and the confusion matrix."""

    accuracy: float
    macro_f1: float
    confusion: dict[str, dict[str, int]]
    """Counts by expected label, then by predicted label."""


def normalize_text(text: str) -> str:
    """Return the text NFKC-normalized and case-folded, the form substring checks compare."""
    return unicodedata.normalize("NFKC", text).casefold()


def contains_fact(fact: str, texts: Iterable[str]) -> bool:
    """Return whether the fact occurs in any text, case-insensitively after NFKC normalization."""
    needle = normalize_text(fact)
    return any(needle in normalize_text(text) for text in texts)


def safe_ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or 0.0 when the denominator is 0."""
    return numerator / denominator if denominator else 0.0


def intent_scores(pairs: Sequence[tuple[str, str]]) -> IntentScores:
    """Score (expected, predicted) intent pairs.

    Macro-F1 averages the per-label F1 over every label that occurs as expected or predicted,
    so a label the agent predicts but no case expects lowers the score.
    """
    confusion: dict[str, dict[str, int]] = {}
    for expected, predicted in pairs:
        row = confusion.setdefault(expected, {})
        row[predicted] = row.get(predicted, 0) + 1
    labels = sorted({label for pair in pairs for label in pair})
    f1_values = [_label_f1(pairs, label) for label in labels]
    correct = sum(expected == predicted for expected, predicted in pairs)
    return IntentScores(
        accuracy=safe_ratio(correct, len(pairs)),
        macro_f1=safe_ratio(sum(f1_values), len(f1_values)),
        confusion=confusion,
    )


def _label_f1(pairs: Sequence[tuple[str, str]], label: str) -> float:
    true_positive = sum(e == label and p == label for e, p in pairs)
    predicted = sum(p == label for _, p in pairs)
    actual = sum(e == label for e, _ in pairs)
    precision = safe_ratio(true_positive, predicted)
    recall = safe_ratio(true_positive, actual)
    return safe_ratio(2 * precision * recall, precision + recall)


def recall_of(label: str, pairs: Sequence[tuple[str, str]]) -> float:
    """Return the share of pairs expecting `label` whose prediction is `label`."""
    relevant = [predicted for expected, predicted in pairs if expected == label]
    return safe_ratio(sum(predicted == label for predicted in relevant), len(relevant))


def distinct_docs(docs: Iterable[str]) -> list[str]:
    """Return the documents in first-seen order without repeats (chunks of one doc collapse)."""
    return list(dict.fromkeys(docs))


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Return 1.0 when a relevant document is among the first k, else 0.0."""
    return 1.0 if any(doc in relevant for doc in ranked[:k]) else 0.0


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return the reciprocal rank of the first relevant document within the first k, else 0."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Return nDCG@k with binary relevance; the ideal ranking puts every relevant doc first."""
    dcg = sum(
        1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return safe_ratio(dcg, ideal)


def split_sentences(text: str) -> list[str]:
    """Split an answer into sentences and lines, dropping empty pieces."""
    return [piece.strip() for piece in _SENTENCE_SPLIT_RE.split(text) if piece and piece.strip()]


def is_supported(sentence: str, chunk_texts: Sequence[str]) -> bool | None:
    """Return whether one chunk contains enough of the sentence's content tokens.

    Returns None for a sentence without content tokens (a bare number or marker), which is
    neither supported nor unsupported. Strip citation markers such as `[1]` first,
    because digits are tokens.
    """
    tokens = Counter(tokenize(sentence))
    if not tokens:
        return None
    for chunk_text in chunk_texts:
        vocabulary = set(tokenize(chunk_text))
        covered = sum(count for token, count in tokens.items() if token in vocabulary)
        if covered / sum(tokens.values()) >= SUPPORT_MIN_TOKEN_SHARE:
            return True
    return False


def groundedness(sentences: Sequence[str], chunk_texts: Sequence[str]) -> float | None:
    """Return the share of sentences supported by a cited chunk; None when none can be judged."""
    verdicts = [is_supported(s, chunk_texts) for s in sentences]
    judged = [v for v in verdicts if v is not None]
    return safe_ratio(sum(judged), len(judged)) if judged else None


def citation_precision(
    cited: Sequence[tuple[str, str]], relevant_docs: set[str], facts: Sequence[str]
) -> float | None:
    """Return the share of cited (doc, chunk text) pairs from a relevant doc or holding a fact.

    Returns None when nothing was cited, or when the case names no relevant doc and no fact.
    """
    if not cited or not (relevant_docs or facts):
        return None
    useful = sum(
        doc in relevant_docs or any(contains_fact(f, [text]) for f in facts) for doc, text in cited
    )
    return useful / len(cited)


def precision_recall(pairs: Sequence[tuple[bool, bool]]) -> tuple[float, float]:
    """Return (precision, recall) of (expected, predicted) boolean pairs."""
    true_positive = sum(expected and predicted for expected, predicted in pairs)
    predicted = sum(predicted for _, predicted in pairs)
    actual = sum(expected for expected, _ in pairs)
    return safe_ratio(true_positive, predicted), safe_ratio(true_positive, actual)


def percentile(values: Sequence[float], share: float) -> float:
    """Return the percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def pass_hat_k(successes: Sequence[int], trials: int, k: int) -> float:
    """Return pass^k, the chance that k trials of a case all pass, averaged over cases.

    Each case ran `trials` times and passed `successes[i]` times. The unbiased estimate per case
    is C(c, k) / C(n, k), as in the tau-bench paper (Yao et al., 2024).

    Raises:
        ValueError: when k is not between 1 and the number of trials.
    """
    if not 1 <= k <= trials:
        raise ValueError(f"k must be between 1 and the number of trials {trials}, got {k}")
    return safe_ratio(sum(comb(c, k) / comb(trials, k) for c in successes), len(successes))
