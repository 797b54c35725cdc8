"""User-facing sentences in Simplified Chinese and English, from `messages.yaml`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from assistant.domain import Language
from assistant.errors import ConfigurationError

MESSAGES_PATH = Path(__file__).with_name("messages.yaml")


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    for key, entry in data.items():
        missing = [lang.value for lang in Language if lang.value not in entry]
        if missing:
            raise ConfigurationError(f"{MESSAGES_PATH}: message {key!r} lacks {missing}")
    return dict(data)


def translate(key: str, language: Language | str, **values: object) -> str:
    """Return the sentence `key` in a language, with its placeholders filled.

    Raises:
        KeyError: when no message has that key.
    """
    return _catalog()[key][str(language)].format(**values)
