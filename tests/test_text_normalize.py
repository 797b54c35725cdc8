"""Text folded for matching: terminal escape sequences and invisible characters are removed."""

from __future__ import annotations

import pytest

from assistant.domain import Language
from assistant.text import detect_language, normalize, strip_terminal_escapes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mSSO", "sso"),
        ("\x1b[2J\x1b[31mHow do I set up SSO?", "how do i set up sso?"),
        ("\x1b[1;38;5;208mbold\x1b[0m text", "bold text"),
        ("\x1b[?25lhidden cursor\x1b[?25h", "hidden cursor"),
        ("\x1b]0;window title\x07Export", "export"),
        ("\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ text", "link text"),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "sixel"),
        ("\x1b(Bcharset \x1bcreset \x1b7saved", "charset reset saved"),
        ("\x9b31m8-bit CSI", "8-bit csi"),
        ("dangling escape\x1b", "dangling escape"),
    ],
    ids=[
        "one-csi",
        "csi-sequence-run",
        "csi-many-parameters",
        "private-csi",
        "osc-bel",
        "osc-hyperlink-st",
        "dcs",
        "nf-and-two-character",
        "c1-csi",
        "lone-esc",
    ],
)
def test_normalize_removes_terminal_escapes(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_unterminated_osc_ends_at_line_break() -> None:
    assert normalize("\x1b]0;title without end\nHow do I export?") == "\nhow do i export?"


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2066", "\U000e0041"],
    ids=[
        "zero-width-space",
        "zwnj",
        "zwj",
        "word-joiner",
        "bom",
        "soft-hyphen",
        "lrm",
        "isolate",
        "tag-letter",
    ],
)
def test_normalize_removes_invisible_character(invisible: str) -> None:
    assert normalize(f"S{invisible}S{invisible}O") == "sso"
    assert normalize(f"甘{invisible}特图") == "甘特图"


def test_normalize_keeps_nfkc_folding() -> None:
    assert normalize("ＡＰＩ　Ｔｏｋｅｎ ２．３") == "api token 2.3"


def test_normalize_keeps_visible_format_characters() -> None:
    # U+0600 (ARABIC NUMBER SIGN) is a format character that is drawn, so it stays.
    assert normalize("\u0600١٢") == "\u0600١٢"


def test_strip_terminal_escapes_keeps_other_text() -> None:
    text = "\x1b[1m导出\x1b[0m S\u200bSO café"

    assert strip_terminal_escapes(text) == "导出 S\u200bSO café"


def test_strip_terminal_escapes_returns_clean_text_unchanged() -> None:
    text = "How do I set up SSO? 怎么设置单点登录？"

    assert strip_terminal_escapes(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ЅЅО", "sso"),
        ("Ноw dо I", "how do i"),
        ("привет мир", "привет мир"),
        ("Москва SSO", "москва sso"),
    ],
    ids=["all-look-alikes", "mixed-with-latin", "russian-words", "russian-beside-latin"],
)
def test_look_alikes_fold_in_latin_words(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("message", ["INT-404", "GANTT-422", "SSO", "2FA", "SSO INT-404?"])
def test_codes_and_acronyms_take_the_default_language(message: str) -> None:
    assert detect_language(message, Language.ZH) is Language.ZH
    assert detect_language(message, Language.EN) is Language.EN


def test_detect_language_lowercase_word_is_english() -> None:
    assert detect_language("What does INT-404 mean?", Language.ZH) is Language.EN
