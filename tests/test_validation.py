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
