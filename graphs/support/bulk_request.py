"""Tell a request to do something to many items at once that the KB never describes.

"Can I assign one task to several people at the same time?" and "有没有办法一次性转移所有议题？"
retrieve the pages that do it for one item. Quoting them as the answer claims a capability the
help center never mentions. A question that asks for doing it at once, when none of the pages
found mentions doing anything at once, is a capability the product may lack: the agent logs it
as product feedback instead of answering, and lists the pages for the one-item case.
"""

from __future__ import annotations

import re

from assistant.domain import Language
from assistant.text import SENTENCE_BOUNDARY_RE, stem_english, tokenize

_ASKS_AT_ONCE: dict[Language, re.Pattern[str]] = {
    Language.EN: re.compile(
        r"\b(?:at once|at the same time|all together|in one go|in bulk|bulk|simultaneously)\b",
        re.IGNORECASE,
    ),
    # 同时 also means "meanwhile" (同时也, 同时还); 一次 is a count unless a verb follows it.
    Language.ZH: re.compile(r"一次性|批量|同时(?![也还])|一次(?=[选加添转导设分给把移删改归关])"),
}
"""The question asks for one action on many items at once."""

_DESCRIBES_AT_ONCE: dict[Language, re.Pattern[str]] = {
    Language.EN: re.compile(
        r"\b(?:at once|at the same time|in one go|in bulk|bulk|simultaneously|batch|"
        r"several|multiple|more than one|select all|only one|one \w+ per)\b",
        re.IGNORECASE,
    ),
    Language.ZH: re.compile(
        r"一次性|批量|多选|全选|多个|多名|多人|多张|多条|几个|只支持一|只能选一|仅支持一|只能有一"
        r"|一次(?=[选加添转导设分给把移删改归关])"
    ),
}
"""Words of a sentence on many items: how to act on them at once, or that one is the limit
("one assignee per task; when several people share the work...")."""

_QUANTITY_TOKENS = frozenset(
    [*(stem_english(word) for word in ("one", "two", "single")), "两个", "单个", "每个"]
)
"""Words of how many, not of what: "one task" and "the ones you select" share no subject."""


def asks_for_bulk_action(question: str, language: Language) -> bool:
    """Return whether `question` asks to act on many items at once."""
    return bool(_ASKS_AT_ONCE[language].search(question))


def describes_bulk_action(question: str, page: str) -> bool:
    """Return whether a sentence of `page` speaks of many items and shares a word with
    `question`.

    Pages use "several" and 多个 in passing ("large exports take several hours"), so only a
    sentence on the question's own subject counts: "To move several cards, hold Shift" does for
    a question on moving cards at once, "每位用户都要先执行一次" does not.
    """
    subject = set(tokenize(_without_bulk_words(question))) - _QUANTITY_TOKENS
    for sentence in SENTENCE_BOUNDARY_RE.split(page):
        if not any(pattern.search(sentence) for pattern in _DESCRIBES_AT_ONCE.values()):
            continue
        if subject & set(tokenize(_without_bulk_words(sentence))):
            return True
    return False


def _without_bulk_words(text: str) -> str:
    for pattern in (*_ASKS_AT_ONCE.values(), *_DESCRIBES_AT_ONCE.values()):
        text = pattern.sub(" ", text)
    return text
