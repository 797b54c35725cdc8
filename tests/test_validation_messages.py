"""Catalog checks of the validation and skip-reason messages, without a server."""

from __future__ import annotations

import string

import pytest
import yaml

from assistant.domain import Language
from assistant.i18n import MESSAGES_PATH
from assistant.validation_messages import (
    KNOWN_VALUE_ERRORS,
    MAPPED_TYPES,
    TYPE_ALIASES,
    describe_validation_error,
)
from retrieval.documents import SkippedFile

CATALOG: dict[str, dict[str, str]] = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
PLACEHOLDERS_ONLY_IN_ENGLISH = {"validation_json_invalid": {"error"}}
"""The JSON parser's English error text is left out of the Chinese message."""


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _keys_with_prefixes(*prefixes: str) -> list[str]:
    return sorted(key for key in CATALOG if key.startswith(prefixes))


@pytest.mark.parametrize(
    "error_type", sorted({*MAPPED_TYPES, "other", *KNOWN_VALUE_ERRORS.values()})
)
def test_mapped_type_has_both_languages(error_type: str) -> None:
    entry = CATALOG[f"validation_{error_type}"]

    assert entry["en"].strip()
    assert entry["zh"].strip()
    assert any("\u4e00" <= char <= "\u9fff" for char in entry["zh"])


@pytest.mark.parametrize("alias", sorted(TYPE_ALIASES))
def test_alias_points_to_mapped_type(alias: str) -> None:
    assert TYPE_ALIASES[alias] in MAPPED_TYPES


@pytest.mark.parametrize("key", _keys_with_prefixes("validation_", "skip_", "ingest_skipped"))
def test_placeholders_match_across_languages(key: str) -> None:
    english = _placeholders(CATALOG[key]["en"])
    chinese = _placeholders(CATALOG[key]["zh"])

    assert chinese == english - PLACEHOLDERS_ONLY_IN_ENGLISH.get(key, set())


@pytest.mark.parametrize("language", list(Language))
def test_unmapped_type_quotes_pydantic_text(language: Language) -> None:
    error = {"type": "uuid_parsing", "loc": ("body", "id"), "msg": "Input should be a UUID"}

    message = describe_validation_error(error, language)

    assert "Input should be a UUID" in message
    assert "id" in message


def test_unknown_value_error_keeps_its_text() -> None:
    error = {
        "type": "value_error",
        "loc": ("body", "when"),
        "msg": "Value error, too early",
        "ctx": {"error": ValueError("too early")},
    }

    assert describe_validation_error(error, Language.ZH) == "字段“when”无效：too early"


def test_skip_reason_without_message_keeps_english() -> None:
    skipped = SkippedFile("a.md", "some new reason", "no_such_code", {})

    assert skipped.reason_in(Language.ZH) == "some new reason"
