"""Text normalization, language detection and tokenization for Chinese and English.

Every component that compares text (BM25, the embedded embedder, the intent classifier) goes
through `normalize` and `tokenize`, so full-width and half-width forms, case and other NFKC
variants of a word end up as the same token everywhere.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from assistant.domain import Language

logger = logging.getLogger(__name__)

CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Unicode ranges of CJK ideographs, for character classes of regular expressions."""
_CJK_RE = re.compile(f"[{CJK_RANGES}]")
_LATIN_RE = re.compile(r"[a-zA-Z]")
_SEGMENT_RE = re.compile(f"([{CJK_RANGES}]+)|([a-z0-9]+(?:[._+#-][a-z0-9]+)*)")
MIN_CJK_SHARE_FOR_CHINESE = 0.6
"""Share of CJK characters among letters above which a text counts as Chinese."""

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours out
    over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself please hi hello thanks thank
    want need get got let lets im ive dont cant cannot also still way anyone someone
    instead else anything something everything nothing every either neither whether
    may might must shall
    """.split()
)
"""English function words that never decide which KB chunk answers a question."""

CHINESE_STOP_WORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 哦 嘛 么 着 过 和 与 及 或 在 是 有 我 我们 你 你们 他 她 它 他们
    这 那 这个 那个 这些 那些 一个 一下 怎么 怎样 如何 为什么 什么 哪里 哪儿 能 能否 可以 可 要
    想 请 请问 谢谢 你好 您好 您 就 都 也 还 又 把 被 让 给 对 从 到 向 为 因为 所以 但是 但 而
    如果 然后 已经 没有 没 不 很 更 最 会 该 应该 里 上 下 中 时 时候 之后 之前 以及 等 呢 啦
    一 二 个 些 种 次 下去 现在 还是 是否 自己 大家 其他 哪个 哪些 多少 一直 好像 似乎
    比如 例如 譬如 以便 为了 而是 而且 并且 或者 虽然 即使 只是 只要 只有 另外 此外 因此
    于是 其中 然而 不过 否则 这样 那样 这么 那么 怎么样 怎么办 为啥 啥 某个 某些 一些 有些
    """.split()
)
"""Chinese function words and question particles."""

STOP_WORDS = ENGLISH_STOP_WORDS | CHINESE_STOP_WORDS
_CHINESE_SENTENCE_MARKERS = frozenset(
    {
        "怎么",
        "如何",
        "为什么",
        "什么",
        "吗",
        "呢",
        "的",
        "了",
        "我",
        "在",
        "是",
        "可以",
        "能否",
        "请",
    }
)
_CJK_RUN_RE = re.compile(f"[{CJK_RANGES}]+")
_CONTRACTION_RE = re.compile(r"\b[a-z]+n['’]t\b|['’](?:s|re|ll|ve|d|m)\b")
"""English contractions and the possessive 's: "don't", "can't" (an auxiliary and "not") and
the endings of "task's", "we're", "I'll", "I've", "I'd", "I'm", all function words."""

MIN_STEM_LENGTH = 3
TOKENIZE_CACHE_SIZE = 8192
ANALYZER_VERSION = "3"
"""Version of how ingestion turns a file into indexed text. Bump it with every change to stop
words, stemming, segmentation or the lines left out: `assistant ingest` then re-indexes the
unchanged files of a KB."""
"""Texts whose tokens are kept; about 1 MB for sentence-sized texts."""


def normalize(text: str) -> str:
    """Fold a text to NFKC and lower case, so `ＡＰＩ`, `API` and `api` compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def detect_language(text: str, default: Language = Language.EN) -> Language:
    """Return zh for Chinese sentences, en otherwise.

    A text with a Chinese function word (怎么, 的, 吗...) is Chinese even when most of its
    letters are English product terms ("怎么在 Gantt 里 export PDF"). Otherwise the share of
    CJK characters decides, so "How do I use the 甘特图" stays English.
    """
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if cjk == 0 and latin == 0:
        return default
    if cjk and _has_chinese_sentence_marker(text):
        return Language.ZH
    # A CJK character carries about one word, a Latin letter about a fifth of one.
    if cjk / (cjk + latin / 5) >= MIN_CJK_SHARE_FOR_CHINESE:
        return Language.ZH
    return Language.EN


def _has_chinese_sentence_marker(text: str) -> bool:
    for run in _CJK_RUN_RE.findall(text):
        if _CHINESE_SENTENCE_MARKERS.intersection(segment_chinese(run)):
            return True
    return False


def stem_english(word: str) -> str:
    """Reduce an English word to a crude stem, so inflected forms become one token.

    Plurals, -ing, -ed and a final e are stripped ("packages", "package" -> "packag";
    "assigned", "assigning" -> "assign"); words shorter than four letters stay whole.
    """
    if len(word) <= MIN_STEM_LENGTH or not word.isalpha():
        return word
    stem = _strip_plural(word)
    for suffix in ("ing", "ed"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= MIN_STEM_LENGTH:
            stem = stem[: -len(suffix)]
            if len(stem) > MIN_STEM_LENGTH and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            break
    if stem.endswith("e") and len(stem) > MIN_STEM_LENGTH:
        stem = stem[:-1]
    return stem


def _strip_plural(word: str) -> str:
    if word.endswith("ies") and len(word) > MIN_STEM_LENGTH + 1:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment_chinese(text: str, *, search_mode: bool = True, hmm: bool = True) -> list[str]:
    """Cut a run of Chinese characters into words.

    Search mode adds jieba's finer cuts inside long words: 身份验证 also gives 身份 and 验证.
    Without it the words are jieba's precise cut, which puts each character in exactly one word.
    With `hmm` off, jieba does not guess words outside its dictionary, so characters that no
    dictionary word joins stay single (改时区 becomes 改, 时 and 区).
    """
    jieba = _jieba()
    if search_mode:
        return list(jieba.lcut_for_search(text, HMM=hmm))  # type: ignore[attr-defined]
    return list(jieba.lcut(text, HMM=hmm))  # type: ignore[attr-defined]


def tokenize(text: str, *, keep_stop_words: bool = False, query: bool = False) -> list[str]:
    """Split a text into normalized search tokens: jieba words for Chinese, stems for English.

    Results are cached, because answers tokenize the same KB sentences again and again.

    Args:
        text: Any mix of Chinese and English.
        keep_stop_words: Keep function words (the intent classifier needs "how", "怎么").
        query: Cut Chinese with jieba's precise mode instead of search mode. Indexes hold the
            search-mode words, so a query word also matches texts where jieba found it inside
            a longer word, and a compound such as 协作者 counts once in the query instead of
            three times (协作, 作者, 协作者).
    """
    return list(_tokenize_cached(text, keep_stop_words, query))


@lru_cache(maxsize=TOKENIZE_CACHE_SIZE)
def _tokenize_cached(text: str, keep_stop_words: bool, query: bool) -> tuple[str, ...]:
    normalized = normalize(text)
    if not keep_stop_words:
        # Without this, "doesn't" and "task's" leave the fragments "doesn", "t" and "s".
        normalized = _CONTRACTION_RE.sub(" ", normalized)
    tokens: list[str] = []
    for match in _SEGMENT_RE.finditer(normalized):
        cjk_run, latin_word = match.groups()
        if cjk_run:
            words = segment_chinese(cjk_run, search_mode=not query)
            tokens.extend(w for w in words if keep_stop_words or w not in STOP_WORDS)
            continue
        parts = [part for part in re.split(r"[._+#-]", latin_word) if part]
        if not keep_stop_words:
            # Stop words are checked before stemming too, because stems such as "wher" (where),
            # "doe" (does) or "thes" (these) are not in the list.
            parts = [part for part in parts if part not in STOP_WORDS]
        words = [stem_english(part) for part in parts]
        if "-" in latin_word or "." in latin_word:
            words.append(latin_word)
        tokens.extend(w for w in words if keep_stop_words or w not in STOP_WORDS)
    return tuple(tokens)
