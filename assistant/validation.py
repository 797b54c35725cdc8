"""Checks on user messages shared by every entry point (CLI, HTTP API)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.domain import Language
from assistant.errors import InputError
from assistant.i18n import translate
from assistant.text import normalize, strip_terminal_escapes

MAX_MESSAGE_CHARS = 4000
"""Longest user message accepted; longer text is usually a pasted log that belongs in a ticket."""

MAX_SHOWN_VALUE_CHARS = 80
"""Longer values are cut to this many characters when an error message quotes them, so a
5,000-character id does not fill the message."""

_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
"""NUL, which PostgreSQL text columns reject, and unpaired UTF-16 surrogates, which have no
UTF-8 encoding, so neither SQLite nor PostgreSQL nor a JSON response can hold them."""


@dataclass(frozen=True)
class UnstorableCharacter:
    """A character in a text that no store of the assistant accepts."""

    kind: Literal["nul", "surrogate"]
    position: int
    """1-based index of the character in the text, counted in code points."""

    code_point: str
    """The character as `U+XXXX`."""


def find_unstorable_character(text: str) -> UnstorableCharacter | None:
    """Return the first NUL or unpaired surrogate in `text`, or None when it has neither."""
    match = _UNSTORABLE_RE.search(text)
    if match is None:
        return None
    character = match.group()
    return UnstorableCharacter(
        kind="nul" if character == "\x00" else "surrogate",
        position=match.start() + 1,
        code_point=f"U+{ord(character):04X}",
    )


def validate_message(message: str) -> str:
    """Return the message without terminal escape sequences and surrounding blanks.

    Escape sequences (colors, screen clears pasted from a terminal) would otherwise reach
    tickets, and a terminal that shows the ticket would run them.

    Raises:
        InputError: when the message is empty, longer than MAX_MESSAGE_CHARS, or contains a
            character that no store accepts (see `find_unstorable_character`).
    """
    stripped = strip_terminal_escapes(message).strip()
    if not normalize(stripped).strip():
        raise InputError(
            "the message is empty; type a question or describe the problem",
            code="empty_message",
        )
    if len(stripped) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"the message has {len(stripped)} characters, more than the limit of "
            f"{MAX_MESSAGE_CHARS}; shorten it or attach long logs to a ticket",
            code="message_too_long",
            length=len(stripped),
            limit=MAX_MESSAGE_CHARS,
        )
    # The position counts from the start of the text as typed, before stripping.
    unstorable = find_unstorable_character(message)
    if unstorable is not None:
        raise InputError(
            f"the message contains the character {unstorable.code_point} at character "
            f"{unstorable.position}, which cannot be stored; remove it and try again",
            code=f"message_{unstorable.kind}",
            position=unstorable.position,
            code_point=unstorable.code_point,
        )
    return stripped


def shorten_for_message(text: str, language: Language | str) -> str:
    """Return `text` as an error message quotes it: unchanged up to MAX_SHOWN_VALUE_CHARS
    characters, else its start, "…" and its length, e.g. `aaaa… (5000 characters)`."""
    if len(text) <= MAX_SHOWN_VALUE_CHARS:
        return text
    start = text[:MAX_SHOWN_VALUE_CHARS]
    return translate("value_shortened", language, start=start, length=len(text))


def shorten_message_values(
    values: dict[str, object], language: Language | str
) -> dict[str, object]:
    """Return the placeholder values of an error message with long strings shortened."""
    return {
        name: shorten_for_message(value, language) if isinstance(value, str) else value
        for name, value in values.items()
    }


def output_folder(value: str) -> Path:
    """Return the folder of an output option such as `--out`, as an argparse `type`.

    `Path("")` is the current folder, so a blank value is rejected before it becomes one: an
    unset shell variable would otherwise write the files into whatever folder the shell is in.

    Raises:
        InputError: when `value` is empty or only spaces.
    """
    if not value.strip():
        raise InputError(
            f"output folder path {value!r} is blank; pass the folder to write the files into, "
            "or '.' for the current folder",
            code="output_path_blank",
            path=value,
        )
    return Path(value)


def positive_int(value: str, option: str) -> int:
    """Return the value of a count option such as `--workers` as an int.

    Raises:
        InputError: when `value` is not a whole number of at least 1; the message names
            `option`.
    """
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise InputError(
            f"invalid value {value!r} for {option}: pass a whole number of at least 1",
            code="count_below_one",
            option=option,
            value=value,
        )
    return count


def positive_count(option: str) -> Callable[[str], int]:
    """Return the argparse `type` of the count option `option`; see `positive_int`."""
    return functools.partial(positive_int, option=option)
