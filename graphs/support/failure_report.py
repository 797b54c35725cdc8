"""Tell a report of a failure from the pages that only describe the feature that failed.

"I turned on the weekly digest, but no digest arrived." retrieves the page on turning it on: the
user did that already, so quoting it does not help. When a message reports that something went
wrong without asking how or why, and no passage of the confident hits speaks of anything going
wrong, the help center describes the feature but not this failure. The agent then opens an L2
ticket for people to look into it as a possible bug.

A message that asks ("How do I share the board?", "为什么…？", "I can't add a guest") is still
answered from the feature's page: it asks for the steps or the requirements, which that page has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.intents.vocabulary import ERROR_CODE_CONCEPT, load_lexicon
from assistant.text import SENTENCE_BOUNDARY_RE, normalize, tokenize
from graphs.support.evidence import select_evidence
from graphs.support.state import Hit

FAILURE_CONCEPTS = frozenset({"not_working", "error", ERROR_CODE_CONCEPT})
"""Lexicon concepts that indicate a failure ("never", "收不到", "error", "TASK-403")."""

ASKING_CONCEPTS = frozenset({"how", "why"})
"""Lexicon concepts of a question for steps or for a cause."""

_NEGATIVE_OUTCOME = re.compile(
    r"\b(?:but|however|yet)\b[^.!?;]*?"
    r"\b(?:no|not|never|nothing|nobody|none|still|didn't|did not|wasn't|weren't)\b"
    r"|(?:但是?|可是|然而|却)[^。！？；]*?(?:没|不|无|仍|依然|还是)",
    re.IGNORECASE,
)
"""A contrast whose outcome is missing or unchanged: "..., but no email arrived",
"..., but they still get English", "…，但对方没有收到"."""

_FAILED = re.compile(r"\bfail(?:s|ed|ing|ure)?\b", re.IGNORECASE)
"""An English "fails": the lexicon's cue lists leave it out, but it reports a failure."""

_STATUS_SHOWN = re.compile(r"(?:出现|显示|报|返回|提示|弹出)\s*[“\"'「]?\s*[45]\d\d(?!\d)")
"""An HTTP status a page showed, in a Chinese sentence: 页面显示“404 未找到”, 返回 500."""

_IMPLICIT_ASK = re.compile(
    r"\bwhat(?:'s| is) (?:wrong|the (?:problem|cause))\b|\bwhat (?:should|can|do) (?:i|we) do\b"
    r"|\bhow come\b|\b(?:can't|cannot|can not|unable to|not able to)\b|无法|不能|没法|没办法",
    re.IGNORECASE,
)
"""Requests for a cause or a remedy without the `how` and `why` cues: "what's wrong?", and "I
can't add a guest", a request to become able to. The feature's pages cover these with its
requirements and permissions."""

_REMEDY_FAILED_TOO = re.compile(
    r"\b(?:fails|failed|doesn't work|didn't work|does not work|did not work|no luck)"
    r"(?: \w+)? (?:too|either|as well)\b|\balready tried\b"
    r"|\b(?:already|as the (?:article|docs?|documentation|help center) says|as documented"
    r"|followed the (?:steps|article|docs?|documentation|instructions))\b[^.?!]*\bstill\b"
    r"|也(?:失败|不行|没用|没有用|无效)|都试过|试过了"
    r"|(?:已经|按(?:照)?(?:文档|帮助中心|文章|说明))[^。！？?!]*(?:还是|仍然|依然)",
)
"""A remedy the user tried failed too: "reconnecting it fails too", "I already reconnected, but
it still fails", "重新授权也失败", "我已经按文档重新连接了，还是失败"."""

_FAILURE_WORDS = re.compile(
    r"\b(?:troubleshoot\w*|problems?|fix(?:es|ed)?|resolv\w*|workaround|not working|doesn't"
    r"|does not|don't|didn't|did not|won't|never|fail(?:s|ed|ing|ure)?|errors?|missing"
    r"|do not (?:appear|arrive|show|work|load|open|receive|get|see|sync|move|update|change)"
    r"|stuck"
    r"|wrong)\b"
    r"|故障|排查|解决|原因|怎么办|收不到|没收到|不显示|看不到|找不到|失败|报错|错误|不生效|没生效"
    r"|没反应|不触发|没触发|不同步|没有?(?:收到|显示|出现|生效|同步|生成|创建|更新|触发|变化)",
    re.IGNORECASE,
)
"""Words of a passage written for something that went wrong. Words of a limit ("guests cannot
edit", "访客无法编辑") are left out: a limit of the feature is not a failure of it. A bare "do
not" is left out too, because instructions use it ("Do not share the token")."""

_QUOTED = re.compile(
    r"(?:^|(?<=[\s(:：]))'([^'\n]{3,80})'(?=[\s.,;:!?)]|$)"
    r"|\"([^\"\n]{3,80})\"|“([^”\n]{2,80})”|「([^」\n]{2,80})」"
)
"""A phrase in quotes. Single quotes count only around words, so "can't" opens nothing."""


_ERROR_CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,11}-\d{3}\b|(?<![\d.,-])[45]\d\d(?![\d.,])")
"""A product error code such as AUTH-410, or an HTTP status such as 429."""


def reports_failure(message: str) -> bool:
    """Return whether `message` reports that something went wrong or did not happen."""
    concepts = set(load_lexicon().analyze(message).concepts)
    if concepts & FAILURE_CONCEPTS:
        return True
    patterns = (_NEGATIVE_OUTCOME, _STATUS_SHOWN, _FAILED)
    return any(pattern.search(message) for pattern in patterns)


def asks_for_remedy(message: str) -> bool:
    """Return whether `message` requests steps, a cause, or a way to become able to do
    something.

    "What now?" after "reconnecting the integration fails too" is no such request, because
    the user already tried the remedy that the feature's page gives.
    """
    folded = normalize(message).replace("\u2019", "'")
    if _REMEDY_FAILED_TOO.search(folded):
        return False
    concepts = set(load_lexicon().analyze(message).concepts)
    return bool(concepts & ASKING_CONCEPTS) or _IMPLICIT_ASK.search(folded) is not None


def remedy_already_tried(message: str) -> bool:
    """Return whether `message` reports a failure that persists after the user tried the
    usual fix: "reconnecting fails too, still INT-401", "重新授权也失败了"."""
    folded = normalize(message).replace("\u2019", "'")
    return _REMEDY_FAILED_TOO.search(folded) is not None and reports_failure(message)


def speaks_of_failure(passage: str) -> bool:
    """Return whether a passage is about something going wrong rather than the feature alone."""
    return _FAILURE_WORDS.search(passage.replace("\u2019", "'")) is not None


def quoted_errors(message: str) -> tuple[set[str], list[list[str]]]:
    """Return the error codes of `message` and the search tokens of each phrase it quotes.

    Only phrases of two words or more count: a quoted single word is usually a button name.
    """
    quoted = [
        next(group for group in match.groups() if group) for match in _QUOTED.finditer(message)
    ]
    phrases = [tokenize(text) for text in quoted]
    return set(_ERROR_CODE.findall(message)), [tokens for tokens in phrases if len(tokens) > 1]


def failure_not_documented(
    message: str, hits: Sequence[Hit], language: str, terms: Sequence[str] = ()
) -> bool:
    """Return whether `message` only reports a failure that none of the confident `hits` covers.

    A quoted error ("410 Gone", 'Account is locked') is looked up the way support
    engineers do, by its code or its words in the chunks. Other reports need a passage that
    speaks of a failure (see `passages_to_check`).

    Args:
        message: The user's message.
        hits: The retrieved chunks that reach the answer confidence.
        language: The message's language.
        terms: The glossary's translations of the message's terms, for chunks in the other
            language.
    """
    if not hits or not reports_failure(message) or asks_for_remedy(message):
        return False
    codes, phrases = quoted_errors(message)
    # Chunks in the other language cannot contain the quoted words, but they can the codes.
    same_language = [hit for hit in hits if hit["language"] == language]
    if codes or (phrases and same_language):
        return not any(_contains_error(hit, codes, phrases) for hit in hits)
    passages: list[str] = []
    for hit in hits:
        other_language = hit["language"] != language and bool(terms)
        passages += passages_to_check(message, hit, terms if other_language else None)
    return not any(speaks_of_failure(passage) for passage in passages)


def _contains_error(hit: Hit, codes: set[str], phrases: list[list[str]]) -> bool:
    """Return whether a chunk has one of the error codes, or a sentence with every word of a
    quoted phrase."""
    if codes & set(_ERROR_CODE.findall(hit["text"])):
        return True
    sentences = [set(tokenize(sentence)) for sentence in SENTENCE_BOUNDARY_RE.split(hit["text"])]
    return any(words.issuperset(phrase) for phrase in phrases for words in sentences)


def passages_to_check(message: str, hit: Hit, terms: Sequence[str] | None = None) -> list[str]:
    """Return the passages of a hit that show whether it is written for a failure: its
    sentences that share words with `message`, and its page title and headings that do.

    A heading tells what the sentences under it are for ("A task did not move when its
    predecessor moved"), but only on the message's subject: a "Common errors" section of the
    same page is about other errors.

    Args:
        message: The user's message.
        hit: A retrieved chunk.
        terms: Search tokens to look for instead of the message's own, for a chunk in another
            language: the glossary's translations of the message's terms.
    """
    words = set(terms) if terms is not None else set(tokenize(message))
    headings = [
        text for text in (hit["title"], *hit["heading_path"]) if words & set(tokenize(text))
    ]
    return headings + [unit.text for unit in select_evidence(message, hit["text"], terms)]
