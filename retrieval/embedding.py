"""Embedding functions: the embedded offline embedder and the litellm-backed one.

The embedded embedder hashes lexical features into a fixed-size vector: search tokens,
character n-grams (typos, compounds, Chinese words that jieba cuts differently) and glossary
concepts. A concept feature is the same for "board" and 看板, so a Chinese question lands near
an English chunk about the same thing. It is deterministic and needs no model file.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from assistant.llm import LiteLLMEmbedder
from assistant.settings import Settings
from assistant.text import normalize, tokenize
from retrieval.glossary import Glossary, load_glossary

EMBEDDING_DIMENSIONS = 1024
TOKEN_WEIGHT = 1.0
CHAR_NGRAM_WEIGHT = 0.35
CONCEPT_WEIGHT = 1.5
CHAR_NGRAM_SIZES = (3,)

Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into vectors; `embedder_id` changes when the vectors would change."""

    embedder_id: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one vector per text."""
        ...


class HashingEmbedder:
    """Deterministic offline embedder over hashed tokens, n-grams and glossary concepts."""

    def __init__(self, glossary: Glossary, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        self._glossary = glossary
        self._dimensions = dimensions
        self.embedder_id = f"hashing-v1-d{dimensions}-g{glossary.fingerprint}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one L2-normalized vector per text."""
        return [self.embed_one(text).tolist() for text in texts]

    def embed_one(self, text: str) -> Vector:
        """Return the L2-normalized vector of one text (zeros for a text with no features)."""
        vector = np.zeros(self._dimensions, dtype=np.float32)
        for feature, weight in self._features(text).items():
            digest = zlib.crc32(feature.encode("utf-8"))
            sign = 1.0 if digest & 1 else -1.0
            vector[(digest >> 1) % self._dimensions] += sign * weight
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def _features(self, text: str) -> dict[str, float]:
        features: dict[str, float] = {}
        for token, count in Counter(tokenize(text)).items():
            features["t:" + token] = TOKEN_WEIGHT * (1.0 + np.log(count))
        compact = "".join(normalize(text).split())
        grams: Counter[str] = Counter()
        for size in CHAR_NGRAM_SIZES:
            grams.update(compact[i : i + size] for i in range(len(compact) - size + 1))
        for gram, count in grams.items():
            features["c:" + gram] = CHAR_NGRAM_WEIGHT * (1.0 + np.log(count))
        for concept_id in self._glossary.match(text):
            features[f"k:{concept_id}"] = CONCEPT_WEIGHT
        return features


class LiteLLMEmbeddingAdapter:
    """Adapts `assistant.llm.LiteLLMEmbedder` to the Embedder protocol."""

    def __init__(self, settings: Settings) -> None:
        self._embedder = LiteLLMEmbedder(settings)
        model_digest = hashlib.sha1(settings.embedding_model.encode("utf-8")).hexdigest()[:8]
        self.embedder_id = f"litellm-{model_digest}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return the provider's vectors for the texts."""
        return self._embedder.embed(texts)


def build_embedder(settings: Settings) -> Embedder:
    """Return the configured embedder: litellm's when a model is set, else the offline one."""
    if settings.embedding_model:
        return LiteLLMEmbeddingAdapter(settings)
    return HashingEmbedder(load_glossary(settings.glossary_path))
