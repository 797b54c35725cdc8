"""Text normalization, language detection and tokenization for Chinese and English.

Every component that compares text (BM25, the embedded embedder, the intent classifier) goes
through `normalize` and `tokenize`, so full-width and half-width forms, case and other NFKC
variants of a word end up as the same token everywhere. So does a word with invisible characters
(zero-width spaces, soft hyphens) or terminal escape sequences in it.
"""

from __future__ import annotations

import logging
import re
import string
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from assistant.domain import Language

logger = logging.getLogger(__name__)

CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN_WORD_RE = re.compile(r"[0-9]*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
SENTENCE_BOUNDARY_RE = re.compile(r"(?<=[。！？；!?;])|(?<=\.)\s+|\n+")
"""Where a text splits into sentences: after Chinese and English end marks, and at line breaks."""
ERROR_CODE_TOKEN_RE = re.compile(r"[a-z][a-z0-9]{1,11}-\d{3}")
"""A search token of a product error code such as AUTH-410, as `tokenize` lowers it. `tokenize`
also emits the code's parts ("auth", "410"), which other codes share."""
"""Unicode ranges of CJK ideographs, for character classes of regular expressions."""
_CJK_RE = re.compile(f"[{CJK_RANGES}]")
_NON_CJK_LETTER = f"(?:(?![{CJK_RANGES}])\\w)"
NON_CJK_WORD_RE = re.compile(f"{_NON_CJK_LETTER}+(?:['’.-]{_NON_CJK_LETTER}+)*")
"""A word of a script other than Chinese, with its inner apostrophes, dots and hyphens: "can't",
"v3.4", "INT-999", "Ганта"."""
_LATIN_RE = re.compile(r"[a-zA-Z]")
_LATIN_EXTENDED_RANGES = (
    "\u00c0-\u02af\u1d00-\u1dbf\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f"
)
"""Unicode ranges of Latin letters outside ASCII (accented letters, IPA, Latin Extended-A to -E).
No token contains them, so English tokens stay ASCII: "café" gives "caf"."""
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
    may might must shall anymore already yet ever always sometimes often usually really
    actually suddenly lately recently though although even ago
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
"""Texts whose tokens are kept; about 1 MB for sentence-sized texts."""
ANALYZER_VERSION = "4"
"""Version of how ingestion turns a file into indexed text. Bump it with every change to
normalization, stop words, stemming, segmentation or the lines left out: `assistant ingest`
then re-indexes the unchanged files of a KB."""

_TERMINAL_ESCAPE_RE = re.compile(
    # CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, one final byte 0x40-0x7E.
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    # OSC, DCS, SOS, PM and APC strings end at BEL or ST (ESC backslash, or 0x9C). An
    # unterminated string ends at the next control character, so a missing terminator cannot
    # remove the rest of a message.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?"
    # nF escapes (ESC, intermediate bytes, final byte) and two-character escapes (ESC 7, ESC c).
    r"|\x1b[ -/]*[0-~]"
    r"|\x1b"
)
"""ANSI (ECMA-48) terminal escape sequences, in their 7-bit and 8-bit forms."""

_DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
"""Unicode's Default_Ignorable_Code_Point characters (DerivedCoreProperties.txt, Unicode 14.0),
for a character class: zero-width spaces and joiners, the soft hyphen, bidirectional marks,
variation selectors, the byte order mark, tag characters and Hangul fillers. Renderers draw
none of them by default, so a word with one inside reads like the word without it."""
_DEFAULT_IGNORABLE_RE = re.compile(f"[{_DEFAULT_IGNORABLE}]")
_ESCAPE_INTRODUCERS = "\x1b\x90\x98\x9b\x9d\x9e\x9f"
"""ESC and the 8-bit (C1) controls that start a terminal escape sequence."""
_ESCAPE_INTRODUCER_RE = re.compile(f"[{_ESCAPE_INTRODUCERS}]")
_HIDDEN_CHARACTER_RE = re.compile(f"[{_ESCAPE_INTRODUCERS}{_DEFAULT_IGNORABLE}]")


_LOOK_ALIKE_LETTERS = "АВЕКМНОРСТХУЅІЈаеорсухѕіјԁһԛԝӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧο"
"""Cyrillic and Greek letters drawn like Latin ones."""
_LOOK_ALIKES = str.maketrans(_LOOK_ALIKE_LETTERS, "ABEKMHOPCTXYSIJaeopcyxsijdhqwlABEZHIKMNOPTYXo")
_LOOK_ALIKE_RE = re.compile(f"[{_LOOK_ALIKE_LETTERS}]")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_LATIN_AND_LOOK_ALIKES = frozenset(string.ascii_letters + _LOOK_ALIKE_LETTERS)


def _fold_look_alikes(text: str) -> str:
    """Read a word made only of Latin letters and letters drawn like them as Latin.

    "ЅЅО" (Cyrillic) and "Ноw" (Cyrillic Н and о) read as "SSO" and "How". A word with any
    other letter of its script, such as "привет", is a real word of that script and stays.
    """
    return _LETTERS_RE.sub(_fold_word, text)


def _fold_word(match: re.Match[str]) -> str:
    word = match.group()
    if _LOOK_ALIKE_RE.search(word) and _LATIN_AND_LOOK_ALIKES.issuperset(word):
        return word.translate(_LOOK_ALIKES)
    return word


def normalize(text: str) -> str:
    r"""Fold a text for matching: NFKC, lower case, no terminal escapes, no invisible characters.

    `ＡＰＩ`, `API` and `api` compare equal, and so do `S\u200bSO` (with a zero-width space)
    and `SSO`. Terminal escape sequences such as `\x1b[31m` (red text) leave no words behind.
    """
    if text.isascii():
        # NFKC leaves ASCII unchanged, and every invisible character is outside ASCII.
        if "\x1b" in text:
            text = _TERMINAL_ESCAPE_RE.sub("", text)
        return text.casefold()
    if _HIDDEN_CHARACTER_RE.search(text):
        text = _TERMINAL_ESCAPE_RE.sub("", _DEFAULT_IGNORABLE_RE.sub("", text))
    # NFKC turns no other character into a Default_Ignorable one, so removing them first is safe.
    text = unicodedata.normalize("NFKC", text)
    if _LOOK_ALIKE_RE.search(text):
        text = _fold_look_alikes(text)
    return text.casefold()


def strip_terminal_escapes(text: str) -> str:
    """Return `text` without ANSI terminal escape sequences (colors, cursor moves, titles)."""
    if _ESCAPE_INTRODUCER_RE.search(text) is None:
        return text
    return _TERMINAL_ESCAPE_RE.sub("", text)


def detect_language(text: str, default: Language = Language.EN) -> Language:
    """Return zh for Chinese sentences, en otherwise.

    A text with a Chinese function word (怎么, 的, 吗...) is Chinese even when most of its
    letters are English product terms ("怎么在 Gantt 里 export PDF"). Otherwise the share of
    CJK characters decides, so "How do I use the 甘特图" stays English.
    """
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if cjk == 0 and (latin == 0 or _only_codes_and_acronyms(text)):
        return default
    if cjk and _has_chinese_sentence_marker(text):
        return Language.ZH
    # A CJK character carries about one word, a Latin letter about a fifth of one.
    if cjk / (cjk + latin / 5) >= MIN_CJK_SHARE_FOR_CHINESE:
        return Language.ZH
    return Language.EN


def _only_codes_and_acronyms(text: str) -> bool:
    """Return whether every Latin word of `text` is an acronym or a code ("SSO", "2FA",
    "INT-404"), which both languages write the same way."""
    words = _LATIN_WORD_RE.findall(text)
    return bool(words) and all(word.isupper() or any(c.isdigit() for c in word) for word in words)


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
def _segment_re() -> re.Pattern[str]:
    """Compile the pattern of a token's text: a CJK run, an ASCII word, or a word of another script.

    A word of another script (Cyrillic, Greek, Arabic, Devanagari, kana, Hangul...) starts with
    a letter or digit that is neither ASCII, Latin nor CJK. It goes on through such letters,
    digits and combining marks, such as the vowel signs of Devanagari and Thai. Python's
    `re` has no class for marks, so the first call collects them from `unicodedata`, which takes
    a few milliseconds.
    """
    # NOTE: only marks of the Basic Multilingual Plane are collected, so a mark of a historic
    # script above U+FFFF splits its word in two.
    mark_codes = [
        code for code in range(0x300, 0x10000) if unicodedata.category(chr(code))[0] == "M"
    ]
    marks = "".join(
        f"{chr(first)}-{chr(last)}" if last > first else chr(first)
        for first, last in _ranges(mark_codes)
    )
    other_letter = f"[^\\W_0-9a-zA-Z{CJK_RANGES}{_LATIN_EXTENDED_RANGES}]"
    return re.compile(
        f"([{CJK_RANGES}]+)"
        "|([a-z0-9]+(?:[._+#-][a-z0-9]+)*)"
        f"|({other_letter}(?:{other_letter}|[{marks}])*)"
    )


def _ranges(codes: list[int]) -> list[tuple[int, int]]:
    """Group sorted code points into (first, last) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


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


def error_code_tokens(tokens: Iterable[str]) -> set[str]:
    """Return the tokens that are product error codes ("int-404")."""
    return {token for token in tokens if ERROR_CODE_TOKEN_RE.fullmatch(token)}


def without_code_parts(tokens: Iterable[str]) -> list[str]:
    """Return `tokens` without the parts of the error codes among them: "int" and "404" of
    "int-404" would match every INT code and every 404."""
    tokens = list(tokens)
    parts = {part for code in error_code_tokens(tokens) for part in code.split("-")}
    return [token for token in tokens if token not in parts]


def tokenize(text: str, *, keep_stop_words: bool = False, query: bool = False) -> list[str]:
    """Split a text into normalized search tokens: jieba words for Chinese, stems for English.

    Words of other scripts (Cyrillic, Greek, Arabic, kana...) are tokens as they are written,
    folded to lower case.

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
    for match in _segment_re().finditer(normalized):
        cjk_run, latin_word, other_word = match.groups()
        if other_word:
            # No stop words or stems exist for other scripts, so their words stay whole.
            tokens.append(other_word)
            continue
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
