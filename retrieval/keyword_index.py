"""BM25 keyword index over jieba-segmented Chinese and stemmed English tokens (bm25s)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)
# bm25s logs every index build at DEBUG through its own handler; keep it to warnings.
logging.getLogger("bm25s").setLevel(logging.WARNING)

BM25_K1 = 1.2
BM25_B = 0.75
_CHUNK_IDS_FILE = "chunk_ids.json"

Scores = npt.NDArray[np.float32]


class KeywordIndex:
    """BM25 scores for every chunk of one KB, in the order of `chunk_ids`."""

    def __init__(self, model: bm25s.BM25, chunk_ids: list[str]) -> None:
        self._model = model
        self.chunk_ids = chunk_ids
        self._vocabulary: dict[str, int] = dict(model.vocab_dict) if chunk_ids else {}

    @classmethod
    def build(cls, chunk_ids: list[str], token_lists: list[list[str]]) -> KeywordIndex:
        """Index the chunks' token lists."""
        model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        if chunk_ids:
            # An empty token list would leave a chunk without any entry, so give it a dummy token.
            model.index([tokens or ["\x00"] for tokens in token_lists], show_progress=False)
        return cls(model, chunk_ids)

    def save(self, folder: Path) -> None:
        """Write the index files into a folder."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.chunk_ids:
            self._model.save(str(folder), show_progress=False)
        (folder / _CHUNK_IDS_FILE).write_text(json.dumps(self.chunk_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        """Read an index written by `save`; a missing folder gives an empty index."""
        ids_path = folder / _CHUNK_IDS_FILE
        if not ids_path.exists():
            return cls.build([], [])
        chunk_ids: list[str] = json.loads(ids_path.read_text(encoding="utf-8"))
        if not chunk_ids:
            return cls.build([], [])
        model = bm25s.BM25.load(str(folder), show_progress=False)
        return cls(model, chunk_ids)

    def known_tokens(self, tokens: list[str]) -> list[str]:
        """Return the tokens that occur in at least one chunk."""
        return [t for t in tokens if t in self._vocabulary]

    def scores(self, tokens: list[str]) -> Scores:
        """Return the BM25 score of every chunk for a bag of query tokens."""
        known = self.known_tokens(tokens)
        if not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
