"""The message catalog: every key once, in both languages."""

from __future__ import annotations

import pytest

from assistant.errors import ConfigurationError
from assistant.i18n import MESSAGES_PATH, load_catalog


def test_shipped_catalog_loads() -> None:
    catalog = load_catalog(MESSAGES_PATH.read_text(encoding="utf-8"))

    assert all(set(entry) >= {"en", "zh"} for entry in catalog.values())


def test_key_defined_twice_is_refused_with_its_line() -> None:
    text = 'hello:\n  en: "Hi"\n  zh: "你好"\nhello:\n  en: "Hello"\n  zh: "您好"\n'

    with pytest.raises(ConfigurationError, match="'hello' is defined twice \\(line 4\\)"):
        load_catalog(text)


def test_key_missing_a_language_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="lacks \\['zh'\\]"):
        load_catalog('hello:\n  en: "Hi"\n')
