"""Fixtures of the intent tests: a classifier trained on the shipped data and a tiny data set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.text import detect_language

SMALL_DATA = {
    Intent.HOW_TO: ["how do I create a task", "怎么新建任务", "where is the board setting"],
    Intent.BILLING: ["send me the invoice", "发票怎么开", "how much is one seat"],
    Intent.GREETING: ["hello", "你好", "thanks, bye"],
}
"""A tiny training set that trains in milliseconds, for cache and training tests."""


@pytest.fixture(scope="session")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> IntentClassifier:
    """Classifier trained once per session on the shipped utterances."""
    return IntentClassifier.load_or_train(tmp_path_factory.mktemp("models"))


def write_utterances(path: Path, data: dict[Intent, list[str]]) -> Path:
    """Write `data` as a JSON Lines training file at `path` and return the path."""
    lines = [
        json.dumps(
            {"text": text, "intent": intent.value, "language": detect_language(text).value},
            ensure_ascii=False,
        )
        for intent, texts in data.items()
        for text in texts
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_data_path(tmp_path: Path) -> Path:
    """Path of a freshly written copy of `SMALL_DATA`."""
    return write_utterances(tmp_path / "utterances.jsonl", SMALL_DATA)
