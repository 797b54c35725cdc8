"""Checks on user messages shared by the CLI, the evals and the API."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.validation import find_unstorable_character, validate_message


@pytest.mark.parametrize(
    ("text", "kind", "position", "code_point"),
    [
        ("hi \ud800", "surrogate", 4, "U+D800"),
        ("a\x00b", "nul", 2, "U+0000"),
        ("x\udfff\x00", "surrogate", 2, "U+DFFF"),
    ],
    ids=["lone-high-surrogate", "nul", "first-of-two"],
)
def test_find_unstorable_character_names_first(
    text: str, kind: str, position: int, code_point: str
) -> None:
    found = find_unstorable_character(text)

    assert found is not None
    assert found.kind == kind
    assert found.position == position
    assert found.code_point == code_point


@pytest.mark.parametrize("text", ["plain", "emoji \U0001f600", "tab\tand\x01control"])
def test_find_unstorable_character_accepts_storable(text: str) -> None:
    assert find_unstorable_character(text) is None


def test_validate_message_nul_counts_leading_blanks() -> None:
    with pytest.raises(InputError) as caught:
        validate_message("  crash\x00log")

    assert caught.value.code == "message_nul"
    assert caught.value.params["position"] == 8


def test_validate_message_removes_terminal_escapes() -> None:
    message = "\x1b[2J\x1b[31mHow do I set up SSO?\x1b[0m "

    assert validate_message(message) == "How do I set up SSO?"


def test_validate_message_keeps_invisible_characters() -> None:
    # Zero-width characters are ignored only for matching, so the message keeps what was sent.
    assert validate_message("S\u200bSO \u00adlogin") == "S\u200bSO \u00adlogin"


def test_validate_message_only_escapes_is_empty() -> None:
    with pytest.raises(InputError) as caught:
        validate_message("\x1b[2J\x1b[H ")

    assert caught.value.code == "empty_message"


def test_validate_message_nul_counts_escape_characters() -> None:
    with pytest.raises(InputError) as caught:
        validate_message("\x1b[31mred\x00")

    assert caught.value.params["position"] == 9
