"""User-facing sentences in Simplified Chinese and English, from `messages.yaml`."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.domain import Language
from assistant.errors import ConfigurationError

MESSAGES_PATH = Path(__file__).with_name("messages.yaml")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice, where plain YAML keeps the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigurationError(
                    f"{MESSAGES_PATH}: message {key!r} is defined twice (line "
                    f"{key_node.start_mark.line + 1}); keep one"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_catalog(text: str) -> dict[str, dict[str, str]]:
    """Parse and check a message catalog: unique keys, each with every language.

    Raises:
        ConfigurationError: a key is defined twice or lacks a language.
    """
    data = yaml.load(text, Loader=_UniqueKeyLoader)
    for key, entry in data.items():
        missing = [lang.value for lang in Language if lang.value not in entry]
        if missing:
            raise ConfigurationError(f"{MESSAGES_PATH}: message {key!r} lacks {missing}")
    return dict(data)


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    return load_catalog(MESSAGES_PATH.read_text(encoding="utf-8"))


def translate(key: str, language: Language | str, /, **values: object) -> str:
    """Return the sentence `key` in a language, with its placeholders filled.

    `key` and `language` are positional-only, so a placeholder may be named `language` too.

    A value that is a function, such as `SkippedFile.reason_in`, is called with the language,
    so a translated part of the sentence is in the sentence's language. A list or tuple, such
    as the valid choices of an error, is joined as the language writes a list (`join_items`).

    Raises:
        KeyError: when no message has that key.
    """
    filled = {name: _fill_value(value, language) for name, value in values.items()}
    return _catalog()[key][str(language)].format(**filled)


def _fill_value(value: object, language: Language | str) -> object:
    if callable(value):
        return value(language)
    if isinstance(value, list | tuple):
        return join_items(map(str, value), language)
    return value


def join_items(items: Iterable[str], language: Language | str) -> str:
    """Join list items as the language writes a list: "a, b" in English, "a、b" in Chinese."""
    return ("、" if str(language) == Language.ZH.value else ", ").join(items)


class Cause(StrEnum):
    """Base of the enums that name why something cannot be used. Each value `v` of a subclass
    has the message `{message_prefix()}v` in `messages.yaml`."""

    @classmethod
    def message_prefix(cls) -> str:
        """Return the prefix of the members' message keys."""
        raise NotImplementedError

    def describe(self, language: Language | str) -> str:
        """Return the cause as a phrase in a language."""
        return translate(f"{self.message_prefix()}{self.value}", language)
