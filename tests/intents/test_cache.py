"""IntentClassifier.load_or_train: training, the weight cache and its invalidation."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.domain import Intent
from assistant.errors import ConfigurationError
from assistant.intents import IntentClassifier, classifier
from assistant.intents.classifier import CACHE_FILE_NAME
from assistant.intents.features import FeaturizerConfig
from assistant.intents.training import (
    DEFAULT_DATA_PATH,
    TrainingConfig,
    fit_model,
    parse_utterances,
    read_training_data,
)
from assistant.intents.vocabulary import DEFAULT_LEXICON_PATH, parse_lexicon
from tests.intents.conftest import SMALL_DATA, write_utterances


def test_first_load_trains_and_writes_cache(tmp_path: Path, small_data_path: Path) -> None:
    loaded = IntentClassifier.load_or_train(tmp_path / "models", small_data_path)

    assert not loaded.from_cache
    assert (tmp_path / "models" / CACHE_FILE_NAME).is_file()


def test_second_load_reuses_cache(tmp_path: Path, small_data_path: Path) -> None:
    first = IntentClassifier.load_or_train(tmp_path, small_data_path)
    written = (tmp_path / CACHE_FILE_NAME).stat().st_mtime_ns

    second = IntentClassifier.load_or_train(tmp_path, small_data_path)

    assert not first.from_cache
    assert second.from_cache
    assert (tmp_path / CACHE_FILE_NAME).stat().st_mtime_ns == written


def test_cached_classifier_matches_trained_one(tmp_path: Path, small_data_path: Path) -> None:
    trained = IntentClassifier.load_or_train(tmp_path, small_data_path)
    cached = IntentClassifier.load_or_train(tmp_path, small_data_path)

    for text in ("where do I create a board", "发票", "hi there"):
        expected = trained.predict(text)
        actual = cached.predict(text)
        assert actual.intent is expected.intent
        assert actual.confidence == pytest.approx(expected.confidence, abs=1e-6)


def test_load_retrains_after_data_change(tmp_path: Path, small_data_path: Path) -> None:
    IntentClassifier.load_or_train(tmp_path, small_data_path)
    changed = {**SMALL_DATA, Intent.BILLING: [*SMALL_DATA[Intent.BILLING], "refund my plan"]}
    write_utterances(small_data_path, changed)

    reloaded = IntentClassifier.load_or_train(tmp_path, small_data_path)
    again = IntentClassifier.load_or_train(tmp_path, small_data_path)

    assert not reloaded.from_cache
    assert again.from_cache


def test_load_retrains_after_feature_code_change(
    tmp_path: Path, small_data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    IntentClassifier.load_or_train(tmp_path, small_data_path)
    # A release that changes how messages become features, with the same training data.
    changed_features = tmp_path / "features.py"
    changed_features.write_text("# another featurizer\n", encoding="utf-8")
    monkeypatch.setattr(classifier, "FEATURE_CODE_FILES", (changed_features,))

    reloaded = IntentClassifier.load_or_train(tmp_path, small_data_path)

    assert not reloaded.from_cache


def test_load_replaces_corrupt_cache(
    tmp_path: Path, small_data_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / CACHE_FILE_NAME).write_bytes(b"PK\x03\x04 not really a zip archive")

    with caplog.at_level(logging.WARNING, logger="assistant.intents.classifier"):
        loaded = IntentClassifier.load_or_train(tmp_path, small_data_path)

    assert not loaded.from_cache
    assert "cache is invalid" in caplog.text
    assert IntentClassifier.load_or_train(tmp_path, small_data_path).from_cache


def test_load_survives_unwritable_cache_dir(
    tmp_path: Path, small_data_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="assistant.intents.classifier"):
        loaded = IntentClassifier.load_or_train(blocked, small_data_path)

    assert loaded.predict("你好").intent is Intent.GREETING
    assert "not written" in caplog.text


def test_load_trains_two_intent_data(tmp_path: Path) -> None:
    data = {intent: SMALL_DATA[intent] for intent in (Intent.BILLING, Intent.GREETING)}
    path = write_utterances(tmp_path / "two.jsonl", data)

    loaded = IntentClassifier.load_or_train(tmp_path / "models", path, min_confidence=0.0)

    assert loaded.model.classes == (Intent.BILLING, Intent.GREETING)
    assert loaded.predict("send the invoice").intent is Intent.BILLING
    assert loaded.predict("hello").intent is Intent.GREETING


def test_load_rejects_invalid_line(tmp_path: Path, small_data_path: Path) -> None:
    with small_data_path.open("a", encoding="utf-8") as file:
        file.write('{"text": "make coffee", "intent": "coffee", "language": "en"}\n')

    with pytest.raises(ConfigurationError, match=r"utterances\.jsonl:10"):
        IntentClassifier.load_or_train(tmp_path / "models", small_data_path)


def test_load_rejects_missing_data_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="missing.jsonl"):
        IntentClassifier.load_or_train(tmp_path, tmp_path / "missing.jsonl")


def test_cached_predict_skips_sklearn_import(tmp_path: Path, small_data_path: Path) -> None:
    IntentClassifier.load_or_train(tmp_path, small_data_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.intents import IntentClassifier\n"
        f"loaded = IntentClassifier.load_or_train(Path({str(tmp_path)!r}), "
        f"Path({str(small_data_path)!r}))\n"
        "loaded.predict('hello')\n"
        "assert loaded.from_cache\n"
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'\n"
        "assert 'scipy.sparse' not in sys.modules, 'scipy.sparse was imported'\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr


def test_cache_stores_only_seen_columns(tmp_path: Path, small_data_path: Path) -> None:
    loaded = IntentClassifier.load_or_train(tmp_path, small_data_path)
    vocabulary = loaded.model.vocabulary

    assert loaded.model.weights.shape == (len(vocabulary.columns), len(loaded.model.classes))
    assert np.all(np.diff(vocabulary.columns) > 0)


def test_training_twice_gives_identical_weights() -> None:
    # A fresh checkout trains its own model. It must equal every other checkout's model, or eval
    # results differ between a cached and a new one.
    lexicon = parse_lexicon(read_training_data(DEFAULT_LEXICON_PATH), DEFAULT_LEXICON_PATH)
    utterances = parse_utterances(read_training_data(DEFAULT_DATA_PATH), DEFAULT_DATA_PATH)

    first = fit_model(utterances, FeaturizerConfig(), TrainingConfig(), lexicon)
    second = fit_model(utterances, FeaturizerConfig(), TrainingConfig(), lexicon)

    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.intercept, second.intercept)
