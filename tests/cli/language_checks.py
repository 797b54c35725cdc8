"""Checks that a text shown under one locale contains no sentence of the other language."""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK_RE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
"""Han characters and CJK punctuation, such as "，" and "（"."""

LITERAL_PATTERNS = (
    r"\{[^}]*\}",  # choices, such as {zh,en}
    r"`[^`]*`",  # commands, such as `assistant keys list`
    r"'[^']*'",
    r"\"[^\"]*\"",
    r"“[^”]*”",
    r"(?<![A-Za-z0-9])--?[A-Za-z][A-Za-z0-9-]*",  # option names
    r"\b[A-Z][A-Z0-9_-]*\b",  # metavars and acronyms, such as TENANT, KB and JSON
    r"[A-Za-z0-9.*/_%()-]*[._/*%0-9][A-Za-z0-9.*/_%()-]*",  # paths, codes, ids, numbers
)
"""Parts of a text that stay as written in every language."""

ENGLISH_RUN_RE = re.compile(r"[A-Za-z]+(?:[ ,;:]+[A-Za-z]+){2,}")
"""Three or more English words in a row: a phrase or sentence, not a name."""


def english_runs(text: str, names: Iterable[str] = ()) -> list[str]:
    """Return the runs of three or more English words in a text meant to be in Chinese.

    Literal values (option names, metavars, codes, paths, quoted values) and the given names,
    such as subcommand names, are removed first.
    """
    for pattern in LITERAL_PATTERNS:
        text = re.sub(pattern, " ", text)
    for name in names:
        text = re.sub(rf"(?<![A-Za-z0-9_-]){re.escape(name)}(?![A-Za-z0-9_-])", " ", text)
    return ENGLISH_RUN_RE.findall(" ".join(text.split()))


def chinese_characters(text: str) -> list[str]:
    """Return the Han characters and CJK punctuation in a text meant to be in English."""
    return CJK_RE.findall(text)
