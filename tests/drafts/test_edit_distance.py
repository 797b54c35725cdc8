"""Character-level Levenshtein distance: hand-computed values and a check against plain DP."""

from __future__ import annotations

import random

import pytest

from assistant.drafts.edit_distance import levenshtein


def _dynamic_programming(source: str, target: str) -> int:
    """The textbook O(n*m) table, as an independent reference."""
    previous = list(range(len(target) + 1))
    for row, source_char in enumerate(source, start=1):
        current = [row]
        for column, target_char in enumerate(target, start=1):
            current.append(
                min(
                    previous[column] + 1,
                    current[column - 1] + 1,
                    previous[column - 1] + (source_char != target_char),
                )
            )
        previous = current
    return previous[-1]


@pytest.mark.parametrize(
    ("source", "target", "distance"),
    [
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("same text", "same text", 0),
        # k->s, e->i, insert g
        ("kitten", "sitting", 3),
        # delete f, insert n
        ("flaw", "lawn", 2),
        # the textbook example: delete i, n->e, t->x, insert c, n->u
        ("intention", "execution", 5),
        # one substitution in the middle of a long shared prefix and suffix
        ("Reset your password in Settings.", "Reset your passcode in Settings.", 3),
        # a Chinese character is one code point: 们 inserted
        ("你好世界", "你们好世界", 1),
        # 请 -> 烦 and 您 -> 你
        ("请您稍候", "烦你稍候", 2),
        # appending " Kind regards" costs its 13 characters, the space included
        ("Thanks.", "Thanks. Kind regards", 13),
        ("ab", "ba", 2),
    ],
    ids=[
        "both-empty",
        "insert-all",
        "delete-all",
        "identical",
        "kitten-sitting",
        "flaw-lawn",
        "intention-execution",
        "inner-word",
        "chinese-insert",
        "chinese-substitute",
        "appended-sentence",
        "swap-is-two-edits",
    ],
)
def test_levenshtein_matches_hand_computed_distance(
    source: str, target: str, distance: int
) -> None:
    assert levenshtein(source, target) == distance
    assert levenshtein(target, source) == distance


def test_levenshtein_matches_reference_on_random_texts() -> None:
    generator = random.Random(20261201)
    alphabets = ["ab", "abcdef", "你好世界 a"]
    for _ in range(2000):
        alphabet = generator.choice(alphabets)
        source = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        target = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        assert levenshtein(source, target) == _dynamic_programming(source, target), (source, target)


def test_levenshtein_handles_patterns_beyond_machine_word() -> None:
    generator = random.Random(7)
    source = "".join(generator.choice("abcdefgh ") for _ in range(150))
    target = "".join(generator.choice("abcdefgh ") for _ in range(180))

    assert levenshtein(source, target) == _dynamic_programming(source, target)
