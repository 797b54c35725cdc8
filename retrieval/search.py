"""Hybrid search: BM25 and dense vectors fused by reciprocal rank, with metadata filters."""

from __future__ import annotations

import enum
import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.domain import Language
from assistant.text import (
    CJK_RANGES,
    NON_CJK_WORD_RE,
    STOP_WORDS,
    detect_language,
    error_code_tokens,
    normalize,
    segment_chinese,
    stem_english,
    tokenize,
)
from retrieval.chunk_store import StoredChunk
from retrieval.doc_index import DocumentIndex
from retrieval.embedding import Embedder
from retrieval.glossary import Glossary
from retrieval.keyword_index import KeywordIndex
from retrieval.semantic import SemanticIndex
from retrieval.vector_store import VectorStore
from retrieval.versions import version_key

RRF_K = 60
"""Reciprocal rank fusion constant: a larger value flattens the gap between the top ranks."""
CANDIDATES_PER_RANKER = 50
MAX_CHUNKS_PER_DOC = 2
KEYWORD_WEIGHT = 1.0
TRANSLATED_KEYWORD_WEIGHT = 0.5
DENSE_WEIGHT = 0.4
NO_REMOVAL_KEY = 2**62
CONFIDENCE_COVERAGE_WEIGHT = 0.75
CONFIDENCE_SIMILARITY_WEIGHT = 0.25
DOC_BODY_WEIGHT = 0.5
OTHER_LANGUAGE_FACTOR = 0.7
STEPS_BOOST = 0.1
RERANK_KEEP = 3
"""Pages, best first by score, that keep their places when the semantic model reranks
(`_rerank_pages`). The agent's five chunks come from about three pages.

Keeping one page gave the same hit@5 on the real questions of benchmarks/, but lost three
cases of the eval set, where the second and third pages by score held the expected facts."""
RERANK_POOL = 20
"""Pages, best first by score, among which the semantic model reorders those after the first
`RERANK_KEEP`."""
SEMANTIC_WEIGHT = 0.7
"""Weight of a page's semantic rank against its rank by score, which weighs 1.

On the real questions of benchmarks/, weights from 0.5 to 1.0 with pools of 20 to 40 pages
gave the same hit@5; a pool of 10 gave less."""
"""Share by which a chunk with numbered steps gains within its page on a how-to question.
Without it, "如何设置甘特图基线？" quoted the permissions table, whose row "设置默认基线" shares
more words with the question than the steps to save a baseline. With it, the eval pass rate rose
from 0.8225 to 0.8451. Page scores are computed before the gain, so pages keep their order."""
FLAT_SCAN_MAX_CHUNKS = 5000
"""Up to this many chunks, dense similarities are computed exactly in memory from the vectors
read once out of Chroma: on the 2-core benchmark machine a 300-chunk scan takes under 0.1 ms,
an HNSW query through Chroma about 1.5 ms. Larger KBs query Chroma's HNSW index."""
SIMILARITY_SATURATION = 0.5
"""Dense cosine similarity at which the similarity part of the confidence reaches 1."""
UNKNOWN_TERMS_MIN_SHARE = 0.7
"""A query in a language the KB is written in gets no results when at least this share of its
weight (IDF) is on words that no chunk contains: "the quantum flux capacitor integration for
Jupiter" shares only "integration" with the KB, and quoting pages on integrations would not
help. Chinese words follow the rules of `_classify_chinese_term`. A long question often has
everyday words no page uses ("I checked the spam folder as the article says...": 0.61 on
folder, article, says), so only a short one gets the lower `SHORT_QUERY_UNKNOWN_SHARE`. Among
the eval suite's answerable questions asked on their own, the highest share is 0.45."""
SHORT_QUERY_MAX_TERMS = 3
SHORT_QUERY_UNKNOWN_SHARE = 0.5
"""The unknown-words share that empties the results of a query of at most
`SHORT_QUERY_MAX_TERMS` weighed words, where each word is a large part of the topic. At 0.7,
"怎么订阅日历？" (0.61 on 日历) quoted the steps to cancel a paid subscription from a KB
without a calendar."""
TOPICLESS_CHINESE_WORD_RE = re.compile(
    f"[多最太][大小多少长短高低宽远久快慢早晚贵重深]|几[{CJK_RANGES}]|多长时间|多少钱"
    "|[进出起上下回过开][来去]"
)
"""Chinese words that name no topic: words that ask how big, how many or how long (多大, 最多,
几条, 多久, 太慢...), like "how" or "most" in English, and the direction after a verb (导入进来,
找回来). A page that answers the question rarely contains them."""
BIGRAM_BATCH_CHARS = 1_000_000
"""Characters of chunk text turned into bigram keys at a time, which bounds the memory that
building the bigram set of a large KB needs."""

BoolMask = npt.NDArray[np.bool_]
BigramKeys = npt.NDArray[np.uint32]
"""Sorted distinct pairs of adjacent CJK characters, each as (first << 16) | second."""
_CJK_CHAR_RE = re.compile(f"[{CJK_RANGES}]")
_PROCEDURE_QUESTION_RE = re.compile(
    r"\bhow (?:do|does|can|could|should|would|to)\b|\bsteps? to\b|怎么|如何|怎样|步骤",
    re.IGNORECASE,
)
"""A question that asks how to do something, which numbered steps answer best."""
_NUMBERED_STEP_RE = re.compile(r"^\s*\d+[.)、]\s", re.MULTILINE)
_CJK_CODE_RANGES = [
    (ord(first), ord(last)) for first, last in zip(CJK_RANGES[::3], CJK_RANGES[2::3], strict=True)
]
"""`CJK_RANGES` as (first, last) code points: the string is a sequence of "first-last" triples."""
_CJK_RUN_RE = re.compile(f"[{CJK_RANGES}]+")
_COMPATIBILITY_IDEOGRAPH_RE = re.compile("[\uf900-\ufaff]")


class TermStatus(enum.Enum):
    """Role of a query word in the share of unknown words."""

    KNOWN = "known"
    UNKNOWN = "unknown"
    IGNORED = "ignored"
    """Left out of the share, like a stop word."""


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; None leaves a field unfiltered."""

    role: str | None = None
    version: str | None = None
    module: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """One retrieved chunk with its fused score and answer confidence."""

    chunk: StoredChunk
    score: float
    confidence: float
    topic_match: bool = False
    """Whether the query's most specific term is in the chunk's title, headings or path."""
    doc_score: float = 0.0
    """Score of the chunk's page. Hits are ordered by it, best page first, and by `score` within
    a page. It is the page's best fused chunk score plus its page-level BM25 rank, lowered for a
    page in the other language that has a translation."""


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits, or the reason there are none."""

    hits: list[SearchHit]
    no_results_reason: str | None = None
    """`no_terms` (only stop words or punctuation), `no_match`, `unknown_terms` or `empty_kb`."""
    translated_terms: list[str] = field(default_factory=list)
    unknown_terms: list[str] = field(default_factory=list)
    """With `unknown_terms`: the query's words that no chunk of the KB contains."""


class HybridRetriever:
    """Searches one KB's chunks with BM25, glossary-translated BM25 and dense vectors."""

    def __init__(
        self,
        chunks: list[StoredChunk],
        keyword_index: KeywordIndex,
        vector_store: VectorStore,
        embedder: Embedder,
        glossary: Glossary,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self._chunks = chunks
        self._semantic = semantic
        self._position = {chunk.chunk_id: i for i, chunk in enumerate(chunks)}
        self._keyword = keyword_index
        self._vectors = vector_store
        self._embedder = embedder
        self._glossary = glossary
        # Per-chunk token sets are not kept, because only the few hits of a search need one
        # (see `_coverage`). On the 10,041-chunk KB of benchmarks/speed.py they took 38 MB.
        self._idf = _inverse_document_frequencies(chunks)
        # Chinese query words are checked against the KB's text, not only its tokens, because
        # jieba cuts a question and a page differently (see `_classify_chinese_term`).
        self._bigrams = _cjk_bigrams(chunks)
        self._roles = {
            role: np.array([role in c.roles for c in chunks], dtype=bool)
            for role in ("admin", "member", "guest")
        }
        self._introduced = np.array([version_key(c.introduced_in) for c in chunks], dtype=np.int64)
        self._removed = np.array(
            [version_key(c.removed_in) if c.removed_in else NO_REMOVAL_KEY for c in chunks],
            dtype=np.int64,
        )
        self._modules = np.array([c.module for c in chunks])
        self._languages = np.array([c.language for c in chunks])
        self._documents = DocumentIndex(chunks)
        # The chunk store lists a page's chunks together, so each page is one run of chunks,
        # and a page's best value is a reduction over its run.
        self._page_starts = np.flatnonzero(np.diff(self._documents.doc_of_chunk, prepend=-1))
        self._pages_with_vector = (
            self._page_maxima(semantic.present.astype(np.float32)) > 0
            if semantic is not None
            else np.zeros(len(self._documents.docs), dtype=bool)
        )
        self._has_steps = np.array(
            [bool(_NUMBERED_STEP_RE.search(c.text)) for c in chunks], dtype=bool
        )
        self._unit_vectors = (
            _unit_rows(vector_store.vectors([c.chunk_id for c in chunks]))
            if 0 < len(chunks) <= FLAT_SCAN_MAX_CHUNKS
            else None
        )

    @property
    def chunks(self) -> list[StoredChunk]:
        """Every chunk of the KB, in index order."""
        return self._chunks

    @functools.cached_property
    def languages(self) -> frozenset[str]:
        """Languages of the KB's chunks (`en`, `zh`), computed once per retriever."""
        return frozenset(str(language) for language in np.unique(self._languages))

    def search(
        self,
        query: str,
        filters: SearchFilters,
        top_k: int,
        translated_query: str | None = None,
        *,
        rerank: bool = True,
    ) -> SearchResult:
        """Return the `top_k` best chunks for a query that pass the filters.

        `translated_query` is the query in the other language, such as an LLM's translation.
        Its tokens join the glossary's translated terms, its embedding competes with the
        query's for the dense ranking, and its token coverage counts toward the confidence.
        Without it, only the glossary translates.

        With `rerank` false, the semantic model does not reorder the pages after the first
        ones (`_rerank_pages`), which saves embedding the query.
        """
        # Each distinct term counts once: a question that repeats a word is not more about it.
        tokens = list(dict.fromkeys(tokenize(query, query=True)))
        if not tokens:
            return SearchResult([], "no_terms")
        if not self._chunks:
            return SearchResult([], "empty_kb")
        language = detect_language(query)
        other = Language.EN if language is Language.ZH else Language.ZH
        unknown = self.unknown_terms(query, translated_query)
        if unknown:
            return SearchResult([], "unknown_terms", unknown_terms=unknown)
        tokens = self._respell(query, tokens)
        translated = [t for t in self._glossary.translate(query, other) if t not in set(tokens)]
        translation_tokens: list[str] = []
        if translated_query:
            translation_tokens = list(dict.fromkeys(tokenize(translated_query, query=True)))
            known = set(tokens) | set(translated)
            translated += [t for t in translation_tokens if t not in known]
        ranking_tokens = self._expand_unindexed_chinese(query, tokens)
        mask = self._filter_mask(filters)
        translation_mask = self._translation_mask(mask, other)
        similarities = self._dense_similarities(query, filters, mask, translated_query)
        fused = self._fuse(ranking_tokens, translated, similarities, mask, translation_mask)
        if not fused:
            return SearchResult([], "no_match", translated)
        self._prefer_exact_codes(fused, tokens)
        doc_scores = self._score_documents(fused, ranking_tokens, translated, mask)
        self._prefer_language(doc_scores, other)
        if asks_how_to(query):
            self._prefer_steps(fused)
        query_concepts = self._glossary.match(query)
        if rerank:
            doc_scores = self._rerank_pages(query, doc_scores, mask)
        hits = self._select(
            fused,
            doc_scores,
            tokens,
            query_concepts,
            similarities,
            top_k,
            translation_tokens,
        )
        return SearchResult(hits, None, translated)

    def _respell(self, query: str, tokens: list[str]) -> list[str]:
        """Return the query tokens with a word in the spelling the KB uses: "time zone" as
        "timezone" on a KB that writes it joined.

        A spelling is the KB's when chunks contain all its tokens. Without that rule, "email"
        was also searched as "mail", the second token of "e-mail", and every English question
        on email ranked first the one chunk that contains "mail". The other spelling's tokens that
        no chunk contains ("zone") are dropped, so that they neither dilute the ranking nor
        stand for the question's topic.
        """
        spellings = self._glossary.spellings(query)
        in_kb = [s for s in spellings if all(t in self._idf for t in s)]
        respelled = list(dict.fromkeys(t for s in in_kb for t in s if t not in tokens))
        if not respelled:
            return tokens
        spelled = {t for s in spellings for t in s}
        return [t for t in tokens if t in self._idf or t not in spelled] + respelled

    def _expand_unindexed_chinese(self, query: str, tokens: list[str]) -> list[str]:
        """Return the ranking tokens: the query's, with stand-ins for Chinese words no chunk has.

        A Chinese query word that no chunk contains often names something the KB writes
        another way. It may be a compound that pages write in parts: 个人账户 is searched as
        个人 and 账户, the parts that jieba's search mode finds in it. Or it may be one spelling
        of a word that pages spell another way, such as 账户 for 帐户. So when the query names a
        glossary concept and none of the query's Chinese words for it is in the KB, the
        concept's Chinese variants that are KB tokens join the search. Only whole variants
        join, so 用户帐户 adds nothing where only 用户 and 帐户 are tokens.

        English words are left as they are, because an English concept groups broader words:
        on the sample KB, "profile picture" then also searched for "screenshot" and quoted a
        page on attachment limits.
        """
        words = self._split_unindexed_compounds(tokens)
        present = set(words)
        for concept_id in sorted(self._glossary.match(query)):
            variants = self._glossary.chinese_variants(concept_id)
            used = {t for parts in variants.values() for t in parts} & present
            if not used or any(t in self._idf for t in used):
                continue
            for variant in variants:
                if variant in self._idf and variant not in present:
                    words.append(variant)
                    present.add(variant)
        return words

    def _split_unindexed_compounds(self, tokens: list[str]) -> list[str]:
        """Replace each Chinese token that no chunk contains by its words of two or more
        characters in jieba's search mode, when it has any."""
        words: list[str] = []
        for token in tokens:
            parts: list[str] = []
            if token not in self._idf and _has_chinese(token):
                parts = [
                    part
                    for part in segment_chinese(token)
                    if part != token and len(part) > 1 and part not in STOP_WORDS
                ]
            words.extend(parts or [token])
        return list(dict.fromkeys(words))

    def unknown_terms(self, query: str, translated_query: str | None = None) -> list[str]:
        """Return the words of a query that no chunk contains, when they make up most of it.

        The words are returned as the query writes them, in its order, and adjacent Chinese
        words are joined (量子计算机, not 量子 and 计算机). The list is empty when the unknown
        words carry less than `UNKNOWN_TERMS_MIN_SHARE` of the query's weight (IDF), or less
        than `SHORT_QUERY_UNKNOWN_SHARE` for a short query, when the KB has no page in the
        query's language, and with a `translated_query`, whose words may well be in the KB.
        """
        tokens = list(dict.fromkeys(tokenize(query, query=True)))
        if not tokens or translated_query or detect_language(query).value not in self.languages:
            return []
        weighed, unknown = self._weigh_terms(tokens, self._glossary.match(query))
        short = len(weighed) <= SHORT_QUERY_MAX_TERMS
        threshold = SHORT_QUERY_UNKNOWN_SHARE if short else UNKNOWN_TERMS_MIN_SHARE
        if not unknown or self._weight_share(weighed, unknown) < threshold:
            return []
        return _as_written(query, unknown)

    def _weigh_terms(
        self, tokens: list[str], query_concepts: set[int]
    ) -> tuple[list[str], list[str]]:
        """Return the tokens that count in the unknown-words share and the unknown ones of them.

        A word of a glossary concept is known when the KB has a whole variant of that
        concept, so "single sign-on" is known to a KB that only writes 单点登录. Each concept
        counts on its own, and a variant counts only with all its words: 订阅 in the KB makes
        "subscribe" known, but neither 日历 nor "calendar subscription" (日历订阅). Chinese
        words follow `_classify_chinese_term`, which leaves some of them out of the share.
        """
        concept_tokens: set[str] = set()
        for concept_id in query_concepts:
            variants = self._glossary.concept_variants(concept_id)
            if any(variant and all(t in self._idf for t in variant) for variant in variants):
                concept_tokens.update(t for variant in variants for t in variant)
        weighed: list[str] = []
        unknown: list[str] = []
        for token in tokens:
            if token in self._idf or token in concept_tokens:
                weighed.append(token)
                continue
            status = (
                self._classify_chinese_term(token) if _has_chinese(token) else TermStatus.UNKNOWN
            )
            if status is TermStatus.IGNORED:
                continue
            weighed.append(token)
            if status is TermStatus.UNKNOWN:
                unknown.append(token)
        return weighed, unknown

    def _classify_chinese_term(self, token: str) -> TermStatus:
        """Tell whether a Chinese query word that is no KB token is known, unknown or ignored.

        jieba cuts a question and a page differently: a page may have 头像 and 图片 where the
        question has 头像图片, and words jieba guesses outside its dictionary (改时区) are
        often no page's token. So the word is cut again with the dictionary only, and each
        part is known when every one of its characters lies in a two-character sequence that
        some chunk contains. Single characters and words like 最大 or 多久
        (`TOPICLESS_CHINESE_WORD_RE`) carry no topic and are ignored. The word is unknown when a
        part is unknown, ignored when every part is ignored, and known otherwise.
        """
        statuses = {
            _classify_part(part, self._bigrams)
            for part in segment_chinese(token, search_mode=False, hmm=False)
        }
        if TermStatus.UNKNOWN in statuses:
            return TermStatus.UNKNOWN
        return TermStatus.KNOWN if TermStatus.KNOWN in statuses else TermStatus.IGNORED

    def _weight_share(self, tokens: list[str], part: list[str]) -> float:
        """Share of the IDF weight of the distinct `tokens` that lies on `part` of them."""
        # In query order, so the float sums are the same in every process.
        weights = {t: self._idf.get(t, self._idf_unknown) for t in dict.fromkeys(tokens)}
        return sum(weights[t] for t in dict.fromkeys(part)) / sum(weights.values())

    def _filter_mask(self, filters: SearchFilters) -> BoolMask:
        mask = np.ones(len(self._chunks), dtype=bool)
        if filters.role:
            mask &= self._roles.get(filters.role, np.zeros_like(mask))
        if filters.version:
            key = version_key(filters.version)
            mask &= (self._introduced <= key) & (self._removed > key)
        if filters.module:
            mask &= self._modules == filters.module
        if filters.language:
            mask &= self._languages == filters.language
        return mask

    def _dense_similarities(
        self,
        query: str,
        filters: SearchFilters,
        mask: BoolMask,
        translated_query: str | None = None,
    ) -> dict[str, float]:
        """Return the cosine similarities of the candidate chunks to the query.

        With a translated query, each chunk gets its higher similarity of the two texts.
        """
        if not translated_query:
            return self._similarities_to(self._embedder.embed([query])[0], filters, mask)
        best: dict[str, float] = {}
        for vector in self._embedder.embed([query, translated_query]):
            for chunk_id, similarity in self._similarities_to(vector, filters, mask).items():
                best[chunk_id] = max(similarity, best.get(chunk_id, -math.inf))
        ranked = sorted(best.items(), key=lambda item: -item[1])[:CANDIDATES_PER_RANKER]
        return dict(ranked)

    def _similarities_to(
        self, vector: list[float], filters: SearchFilters, mask: BoolMask
    ) -> dict[str, float]:
        if self._unit_vectors is None:
            hits = self._vectors.query(vector, CANDIDATES_PER_RANKER, _chroma_where(filters))
            return {hit.chunk_id: hit.similarity for hit in hits}
        query_vector = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query_vector))
        if norm == 0.0:
            return {}
        similarities = self._unit_vectors @ (query_vector / norm)
        similarities = np.where(mask, similarities, -np.inf)
        top = np.argsort(-similarities)[:CANDIDATES_PER_RANKER]
        return {
            self._chunks[position].chunk_id: float(similarities[position])
            for position in top
            if np.isfinite(similarities[position])
        }

    def _translation_mask(self, mask: BoolMask, other: Language) -> BoolMask:
        """Return the chunks that translated terms may rank in the fusion.

        In a KB laid out as translations, they rank only the other language's chunks: a page in
        the query's language is found by the query's own words, and its twin in the other
        language by the translations. Chinese pages often keep English words (Slack, account,
        link), and "Slack 提示你的 Slack 账号尚未关联" once ranked the Chinese GitHub page above
        the Chinese Slack page because the English translations of 账号 and 关联 matched it.
        A KB in one language keeps every chunk: its pages have no twin to find.
        """
        if not self._documents.has_translations:
            return mask
        in_other_language: BoolMask = self._languages == other.value
        return mask & in_other_language

    def _fuse(
        self,
        tokens: list[str],
        translated: list[str],
        similarities: dict[str, float],
        mask: BoolMask,
        translation_mask: BoolMask,
    ) -> dict[int, float]:
        fused: dict[int, float] = {}
        for weight, scores, ranked in (
            (KEYWORD_WEIGHT, self._keyword.scores(tokens), mask),
            (TRANSLATED_KEYWORD_WEIGHT, self._keyword.scores(translated), translation_mask),
        ):
            scores = np.where(ranked, scores, 0.0)
            top = np.argsort(-scores)[:CANDIDATES_PER_RANKER]
            for rank, position in enumerate(p for p in top if scores[p] > 0):
                fused[int(position)] = fused.get(int(position), 0.0) + weight / (RRF_K + rank + 1)
        dense_ranked = sorted(similarities.items(), key=lambda item: -item[1])
        for rank, (chunk_id, similarity) in enumerate(dense_ranked):
            position = self._position.get(chunk_id)
            if position is not None and similarity > 0 and mask[position]:
                fused[position] = fused.get(position, 0.0) + DENSE_WEIGHT / (RRF_K + rank + 1)
        return fused

    def _prefer_exact_codes(self, fused: dict[int, float], tokens: list[str]) -> None:
        """Rank the chunks that contain an error code of the query ("INT-404") as if they came
        first in one more ranker, before their pages are scored.

        BM25 already ranks such a chunk first, but the dense ranker does not see codes, and
        neighboring chunks of the same page on the same symptom can outrank it in the fusion.
        Then the reply quotes the page without the line that explains the code.
        """
        codes = error_code_tokens(tokens)
        if not codes:
            return
        for position in fused:
            # The search tokens include the title and headings: a code is often a heading.
            if not codes.isdisjoint(self._chunks[position].search_tokens):
                fused[position] += KEYWORD_WEIGHT / (RRF_K + 1)

    def _prefer_steps(self, fused: dict[int, float]) -> None:
        """Raise the fused score of the chunks with numbered steps, for a how-to question."""
        for position in fused:
            if self._has_steps[position]:
                fused[position] *= 1 + STEPS_BOOST

    def _score_documents(
        self, fused: dict[int, float], tokens: list[str], translated: list[str], mask: BoolMask
    ) -> dict[int, float]:
        """Score pages: their best chunk plus the page-level BM25 rank.

        Translated terms rank pages in both languages here, unlike chunks (see
        `_translation_mask`): a Chinese page's file name is often English
        (profile-language-timezone.md), and that is how "改时区" finds it before a page that
        mentions 时区 once.
        """
        doc_scores: dict[int, float] = {}
        for position, score in fused.items():
            doc = int(self._documents.doc_of_chunk[position])
            doc_scores[doc] = max(doc_scores.get(doc, 0.0), score)
        doc_mask = self._documents.doc_mask(mask)
        rankers = (
            (DOC_BODY_WEIGHT, self._documents.body_scores(tokens)),
            (DOC_BODY_WEIGHT * TRANSLATED_KEYWORD_WEIGHT, self._documents.body_scores(translated)),
        )
        for weight, scores in rankers:
            scores = np.where(doc_mask, scores, 0.0)
            top = np.argsort(-scores)[:CANDIDATES_PER_RANKER]
            for rank, doc in enumerate(d for d in top if scores[d] > 0):
                if int(doc) in doc_scores:
                    doc_scores[int(doc)] += weight / (RRF_K + rank + 1)
        return doc_scores

    def _prefer_language(self, doc_scores: dict[int, float], other: Language) -> None:
        """Demote pages in the other language that have a translation, so a bilingual KB answers
        in the user's language. A page that exists only in the other language keeps its score:
        it is the best the KB has on its topic.
        """
        for doc in doc_scores:
            if self._documents.languages[doc] == other.value and self._documents.translated[doc]:
                doc_scores[doc] *= OTHER_LANGUAGE_FACTOR

    def _rerank_pages(
        self, query: str, doc_scores: dict[int, float], mask: BoolMask
    ) -> dict[int, float]:
        """Return the page scores after the pages ranked after the first `RERANK_KEEP`, up to
        the `RERANK_POOL`th, are reordered by how close the semantic model puts them to the
        query. Each reordered page takes the score of the place it moves to, so the scores
        still order the pages, as `search` shows them.

        The new order fuses two ranks, as the rankers are fused: the page's rank by score and
        its rank among all pages of the filter by its best chunk's semantic similarity.

        The first pages keep their places: the agent answers from them and judges on them
        whether the KB answers at all, and a page whose words match the question best is
        seldom the wrong one. The semantic similarity of a small model does not tell a page
        that contains the answer from one on a neighbouring topic. What it adds is recall: it
        brings the pages that the question's words missed into the places after them. Pages
        after the pool keep their scores, and so do all pages without semantic vectors.
        """
        by_score = sorted(doc_scores, key=lambda doc: -doc_scores[doc])
        if self._semantic is None or len(by_score) <= RERANK_KEEP + 1:
            return doc_scores
        similarities = np.where(mask, self._semantic.similarities(query), -1.0)
        page_similarity = self._page_maxima(similarities)
        semantic_rank = np.empty(len(page_similarity), dtype=np.int64)
        semantic_rank[np.argsort(-page_similarity, kind="stable")] = np.arange(len(page_similarity))
        pool = by_score[RERANK_KEEP:RERANK_POOL]
        fused = {
            doc: 1 / (RRF_K + RERANK_KEEP + rank + 1)
            + SEMANTIC_WEIGHT / (RRF_K + int(semantic_rank[doc]) + 1)
            for rank, doc in enumerate(pool)
        }
        # A page whose chunks have no vector yet (added while the reranker was off) keeps its
        # place: the model cannot place it, so it must not sink for that.
        with_vector = self._pages_with_vector
        movable = [doc for doc in pool if with_vector[doc]]
        slots = iter(sorted(movable, key=lambda doc: -fused[doc]))
        reordered = [next(slots) if with_vector[doc] else doc for doc in pool]
        places = [doc_scores[doc] for doc in pool]
        return doc_scores | dict(zip(reordered, places, strict=True))

    def _page_maxima(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Return the largest value of each page's chunks, by page index."""
        if len(self._page_starts) == len(self._documents.docs):
            return np.maximum.reduceat(values, self._page_starts)
        maxima = np.full(len(self._documents.docs), -np.inf, dtype=np.float32)
        np.maximum.at(maxima, self._documents.doc_of_chunk, values)
        return maxima

    def _select(
        self,
        fused: dict[int, float],
        doc_scores: dict[int, float],
        tokens: list[str],
        query_concepts: set[int],
        similarities: dict[str, float],
        top_k: int,
        translation_tokens: list[str],
    ) -> list[SearchHit]:
        hits: list[SearchHit] = []
        per_doc: Counter[str] = Counter()
        doc_of = self._documents.doc_of_chunk
        topic_terms = self._topic_terms(tokens)
        codes = error_code_tokens(tokens)
        order = sorted(
            fused.items(), key=lambda item: (-doc_scores[int(doc_of[item[0]])], -item[1])
        )
        seen_texts: set[tuple[str, ...]] = set()
        for position, score in order:
            chunk = self._chunks[position]
            if per_doc[chunk.doc] >= MAX_CHUNKS_PER_DOC:
                continue
            # The same article may be in the KB twice, as Markdown and as HTML: its chunks
            # have the same words, and quoting both would repeat every sentence.
            text_key = tuple(chunk.search_tokens)
            if text_key in seen_texts:
                continue
            seen_texts.add(text_key)
            per_doc[chunk.doc] += 1
            confidence = self._confidence(
                position, tokens, query_concepts, similarities, translation_tokens
            )
            hits.append(
                SearchHit(
                    chunk,
                    round(score, 6),
                    confidence,
                    # A chunk with an error code of the query is on its topic, wherever the
                    # code appears: a list of codes is seldom a heading of its own.
                    self._matches_topic(chunk, topic_terms)
                    or not codes.isdisjoint(chunk.search_tokens),
                    round(doc_scores[int(doc_of[position])], 6),
                )
            )
            if len(hits) == top_k:
                break
        return hits

    def _confidence(
        self,
        position: int,
        tokens: list[str],
        query_concepts: set[int],
        similarities: dict[str, float],
        translation_tokens: list[str],
    ) -> float:
        """Return how sure the search is that a chunk answers the query, from 0 to 1: mostly
        the share of the query's terms it covers, and its dense similarity."""
        coverage = self._coverage(position, tokens, query_concepts)
        if translation_tokens:
            coverage = max(coverage, self._coverage(position, translation_tokens, set()))
        similarity = similarities.get(self._chunks[position].chunk_id, 0.0)
        confidence = CONFIDENCE_COVERAGE_WEIGHT * coverage + CONFIDENCE_SIMILARITY_WEIGHT * min(
            1.0, max(0.0, similarity) / SIMILARITY_SATURATION
        )
        return round(confidence, 4)

    def _topic_terms(self, tokens: list[str]) -> set[str]:
        """Return the query's rarest token and the glossary's translations of it.

        With the translations, 白名单 finds the topic of a page titled "IP allowlist".
        """
        # dict.fromkeys, not set: of equally rare tokens the first one wins in every process,
        # whatever the string hash seed.
        rarest = max(dict.fromkeys(tokens), key=lambda t: self._idf.get(t, self._idf_unknown))
        return {rarest, *self._glossary.translate(rarest)}

    def _matches_topic(self, chunk: StoredChunk, topic_terms: set[str]) -> bool:
        """Check the query's topic terms against the chunk's title, headings and path words."""
        path_words = chunk.doc.rsplit(".", 1)[0].replace("/", " ").replace("-", " ")
        heading_text = " ".join((path_words, chunk.title, *chunk.heading_path))
        return not topic_terms.isdisjoint(tokenize(heading_text))

    def _coverage(self, position: int, tokens: list[str], query_concepts: set[int]) -> float:
        """Share of the query's weight (IDF) that the chunk contains, by token or by concept."""
        present = set(self._chunks[position].search_tokens)
        token_coverage = self._weight_share(tokens, [t for t in tokens if t in present])
        if not query_concepts:
            return token_coverage
        concepts = set(self._chunks[position].concepts)
        concept_coverage = len(query_concepts & concepts) / len(query_concepts)
        return max(token_coverage, concept_coverage)

    @property
    def _idf_unknown(self) -> float:
        return math.log(1 + len(self._chunks))


def asks_how_to(question: str) -> bool:
    """Return whether a question asks how to do something, which numbered steps answer best."""
    return _PROCEDURE_QUESTION_RE.search(question) is not None


def _as_written(query: str, tokens: list[str]) -> list[str]:
    """Return the query's words for the given tokens, as the query writes them.

    A token comes back in the query's spelling and case ("machine", not the stem "machin";
    "Ганта", not "ганта"). Chinese tokens that follow each other in the query come back joined
    (量子计算机), because where jieba cuts a phrase means little to the user. A part of a
    written code such as INT-999 is left out when the whole code is listed. Full-width forms
    come back in their NFKC form, as the tokens were matched.
    """
    text = unicodedata.normalize("NFKC", query)
    spelled: dict[str, str] = {}
    for word in NON_CJK_WORD_RE.findall(text):
        folded = word.casefold()
        for key in (folded, stem_english(folded)):
            spelled.setdefault(key, word)
    phrases = _chinese_phrases(text, {t for t in tokens if _has_chinese(t)})
    written: list[str] = []
    for token in tokens:
        word = phrases.get(token, spelled.get(token, token))
        if word not in written:
            written.append(word)
    parts = {part for word in written for part in _CODE_PART_RE.split(word) if part != word}
    return [word for word in written if word not in parts]


_CODE_PART_RE = re.compile(r"[._+#-]")
"""Separators of the parts of a code or a compound word, which are tokens of their own."""


def _chinese_phrases(text: str, words: set[str]) -> dict[str, str]:
    """Map each of the Chinese `words` to the run of adjacent `words` it is part of in `text`."""
    phrases: dict[str, str] = {}
    for run in _CJK_RUN_RE.findall(text):
        phrase: list[str] = []
        for word in [*segment_chinese(normalize(run), search_mode=False), ""]:
            if word in words:
                phrase.append(word)
                continue
            for member in phrase:
                phrases.setdefault(member, "".join(phrase))
            phrase = []
    return phrases


def _classify_part(part: str, bigrams: BigramKeys) -> TermStatus:
    """Classify one dictionary word of a Chinese query word (see `_classify_chinese_term`)."""
    if len(part) < 2 or TOPICLESS_CHINESE_WORD_RE.fullmatch(part):
        return TermStatus.IGNORED
    keys = np.array([(ord(a) << 16) | ord(b) for a, b in itertools.pairwise(part)], np.uint32)
    found = np.zeros(len(keys), dtype=bool)
    if len(bigrams):
        positions = np.minimum(np.searchsorted(bigrams, keys), len(bigrams) - 1)
        found = bigrams[positions] == keys
    covered = np.zeros(len(part), dtype=bool)
    covered[:-1] |= found
    covered[1:] |= found
    return TermStatus.KNOWN if covered.all() else TermStatus.UNKNOWN


def _cjk_bigrams(chunks: list[StoredChunk]) -> BigramKeys:
    """Return the distinct pairs of adjacent CJK characters in the chunks' titles, headings,
    tags and text, in the NFKC form that query tokens have."""
    parts: list[BigramKeys] = []
    batch: list[str] = []
    size = 0
    for chunk in chunks:
        batch.extend((chunk.title, *chunk.heading_path, *chunk.tags, chunk.text))
        size += len(chunk.text)
        if size >= BIGRAM_BATCH_CHARS:
            parts.append(_bigram_keys("\n".join(batch)))
            batch, size = [], 0
    parts.append(_bigram_keys("\n".join(batch)))
    return _sorted_distinct(np.concatenate(parts))


def _bigram_keys(text: str) -> BigramKeys:
    if _COMPATIBILITY_IDEOGRAPH_RE.search(text):
        # Only CJK compatibility ideographs change under NFKC among CJK characters, and most
        # texts have none, so the costly full normalization is skipped for them.
        # NOTE: a text without them keeps Kangxi radicals (⼈, U+2F08), which NFKC would turn
        # into ideographs (人) as it does in queries.
        text = normalize(text)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    is_cjk = np.zeros(len(codes), dtype=bool)
    for first, last in _CJK_CODE_RANGES:
        is_cjk |= (codes >= first) & (codes <= last)
    pairs = is_cjk[:-1] & is_cjk[1:]
    keys = (codes[:-1][pairs] << 16) | codes[1:][pairs]
    return _sorted_distinct(keys.astype(np.uint32, copy=False))


def _sorted_distinct(keys: BigramKeys) -> BigramKeys:
    # np.unique of numpy 2.4 hashes the keys: 2.4 s for 3 million random keys on a 2-core
    # machine, where np.sort takes 0.02 s.
    ordered = np.sort(keys)
    if len(ordered) == 0:
        return ordered
    distinct: BigramKeys = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    return distinct


def _has_chinese(token: str) -> bool:
    return _CJK_CHAR_RE.search(token) is not None


def _unit_rows(vectors: npt.NDArray[np.float32] | None) -> npt.NDArray[np.float32] | None:
    """Scale each row to unit length (zero rows stay zero), so a dot product is the cosine."""
    if vectors is None:
        return None
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: npt.NDArray[np.float32] = np.divide(
        vectors, norms, out=np.zeros_like(vectors), where=norms > 0
    )
    return unit


def _inverse_document_frequencies(chunks: list[StoredChunk]) -> dict[str, float]:
    frequencies: Counter[str] = Counter()
    for chunk in chunks:
        frequencies.update(set(chunk.search_tokens))
    total = len(chunks)
    return {t: math.log(1 + total / df) for t, df in frequencies.items()}


def _chroma_where(filters: SearchFilters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.role:
        clauses.append({f"role_{filters.role}": True})
    if filters.version:
        key = version_key(filters.version)
        clauses.append({"introduced_key": {"$lte": key}})
        clauses.append({"removed_key": {"$gt": key}})
    if filters.module:
        clauses.append({"module": filters.module})
    if filters.language:
        clauses.append({"language": filters.language})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
