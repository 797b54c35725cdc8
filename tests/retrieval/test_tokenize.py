"""Search tokenization: stop words, English contractions and the query cut of Chinese."""

from __future__ import annotations

import pytest

from assistant.text import tokenize


@pytest.mark.parametrize("word", ["where", "does", "these", "those", "there", "have", "please"])
def test_tokenize_drops_stop_word_whose_stem_differs(word: str) -> None:
    assert tokenize(f"{word} export") == ["export"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the export doesn't start", ["export", "start"]),
        ("I can't export", ["export"]),
        ("the task's owner", ["task", "owner"]),
        ("we're exporting, I'll retry", ["export", "retry"]),
        ("it’s exported", ["export"]),
    ],
    ids=["n't", "can't", "possessive", "re-ll", "curly-apostrophe"],
)
def test_tokenize_drops_contraction_fragments(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_tokenize_keeping_stop_words_keeps_contractions() -> None:
    # The intent classifier learns from "doesn't"-style negations, so they stay.
    assert tokenize("it doesn't work", keep_stop_words=True) == ["it", "doesn", "t", "work"]


def test_tokenize_keeps_quoted_words() -> None:
    assert tokenize("open 'settings' and 'sharing'") == ["open", "set", "shar"]


def test_tokenize_document_adds_search_mode_subwords() -> None:
    tokens = tokenize("身份验证")

    assert "身份验证" in tokens
    assert "身份" in tokens
    assert "验证" in tokens


def test_tokenize_query_counts_compound_once() -> None:
    assert tokenize("身份验证", query=True) == ["身份验证"]


def test_tokenize_query_keeps_standalone_word_beside_compound() -> None:
    # 银行 is a word of its own in the second clause, so it is kept although 银行卡 contains it.
    assert tokenize("银行卡，银行转账", query=True) == ["银行卡", "银行", "转账"]
