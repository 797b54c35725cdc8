"""Offline intent classifier: hashed TF-IDF features and a cached logistic regression.

Decision rules of `IntentClassifier.predict`, in order:

1. A message with no letter, digit or symbol (empty, blank or punctuation only) is out of scope
   with confidence 1.0 (source "rule"). Emoji count as symbols, so "👍" reaches the model.
2. The model's best intent is returned when it is out_of_scope, or when its probability reaches
   `min_confidence` (source "classifier").
3. Below `min_confidence`, a message whose lexicon scope is product or support (it names a
   product term, or greets, requests a person, praises or complains, see `vocabulary.py`) keeps
   the best intent with its low probability, so the caller can ask a clarifying question
   instead of refusing (source "classifier").
4. Otherwise the message is out of scope (source "rule"), with confidence 1 - p(best intent).
"""

from __future__ import annotations

import logging
import time
import unicodedata
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import Intent
from assistant.intents.features import FeaturizerConfig, HashingFeaturizer
from assistant.intents.model import LinearIntentModel, load_model, save_model
from assistant.intents.training import (
    DEFAULT_DATA_PATH,
    TrainingConfig,
    compute_fingerprint,
    fit_model,
    parse_utterances,
    read_training_data,
)
from assistant.intents.vocabulary import DEFAULT_LEXICON_PATH, Lexicon, Scope, parse_lexicon
from assistant.settings import Settings

logger = logging.getLogger(__name__)

PredictionSource = Literal["classifier", "llm", "rule"]

CACHE_FILE_NAME = "intent_classifier.npz"
FEATURE_CODE_FILES = (
    Path(__file__).parent / "features.py",
    Path(__file__).parent / "vocabulary.py",
    Path(__file__).parent.parent / "text.py",
)
"""Modules that turn a message into features. Their source is part of the cache fingerprint,
so weights trained with other features (an older release) are never reused."""
TOP_SCORES = 3
"""Number of intents reported in `IntentPrediction.scores`."""

MAX_INPUT_CHARS = 2000
"""Only the first characters of a longer message are classified, to bound the time per call."""

DEFAULT_MIN_CONFIDENCE: float = Settings.model_fields["intent_min_confidence"].default
"""Default of `settings.intent_min_confidence`, for callers without settings."""

_CONTENT_CATEGORIES = ("L", "N", "S")
"""Unicode category prefixes of letters, digits and symbols (emoji are symbols)."""


class IntentPrediction(BaseModel):
    """Recognized intent of one message."""

    model_config = ConfigDict(frozen=True)

    intent: Intent
    """Recognized intent."""

    confidence: float = Field(ge=0.0, le=1.0)
    """Probability of `intent`, or the certainty of the rule that decided it."""

    scores: dict[str, float]
    """Probabilities of the top intents by intent value, highest first (at most three)."""

    source: PredictionSource
    """Component that decided the intent: the trained classifier, the LLM or a fixed rule."""


class IntentClassifier:
    """Recognize intents with a linear model over hashed features, using numpy only.

    Args:
        model: Trained weights.
        lexicon: The lexicon the model was trained with; defaults to the shipped one.
        min_confidence: Probability below which a prediction stands only for product or support
            messages (decision rule 3).
        from_cache: Whether the weights were read from the cache instead of trained.
    """

    def __init__(
        self,
        model: LinearIntentModel,
        *,
        lexicon: Lexicon | None = None,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        from_cache: bool = False,
    ) -> None:
        self.model = model
        self.min_confidence = min_confidence
        self.from_cache = from_cache
        self._featurizer = HashingFeaturizer(model.featurizer_config, lexicon)

    @classmethod
    def load_or_train(
        cls,
        cache_dir: Path,
        data_path: Path | None = None,
        *,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> IntentClassifier:
        """Load the cached weights, training and caching them first when the data changed.

        The cache file `cache_dir/intent_classifier.npz` is valid while the SHA-256 fingerprint
        of the training file, the lexicon, and the featurizer and training parameters is
        unchanged. A cache that cannot be read is replaced, and one that cannot be written is
        logged and skipped, so the classifier still works.

        Args:
            cache_dir: Folder of the cache file; callers pass `settings.data_dir / "models"`.
            data_path: JSON Lines training file; defaults to the utterances shipped here.
            min_confidence: Threshold of decision rule 3 (`settings.intent_min_confidence`).

        Raises:
            ConfigurationError: when the training file or the lexicon is missing or invalid.
        """
        data_path = data_path or DEFAULT_DATA_PATH
        data = read_training_data(data_path)
        lexicon_data = read_training_data(DEFAULT_LEXICON_PATH)
        lexicon = parse_lexicon(lexicon_data, DEFAULT_LEXICON_PATH)
        featurizer_config = FeaturizerConfig()
        training_config = TrainingConfig()
        fingerprint = compute_fingerprint(
            [data, lexicon_data, *_feature_code()], featurizer_config, training_config
        )
        cache_path = cache_dir / CACHE_FILE_NAME

        cached = _read_cache(cache_path, fingerprint)
        if cached is not None:
            return cls(cached, lexicon=lexicon, min_confidence=min_confidence, from_cache=True)

        utterances = parse_utterances(data, source=data_path)
        model = fit_model(utterances, featurizer_config, training_config, lexicon)
        _write_cache(cache_path, model, fingerprint)
        return cls(model, lexicon=lexicon, min_confidence=min_confidence, from_cache=False)

    def predict(self, text: str) -> IntentPrediction:
        """Return the intent of `text`, applying the decision rules in the module docstring."""
        text = text[:MAX_INPUT_CHARS]
        if not has_content(text):
            return IntentPrediction(
                intent=Intent.OUT_OF_SCOPE,
                confidence=1.0,
                scores={Intent.OUT_OF_SCOPE.value: 1.0},
                source="rule",
            )

        probabilities = self.model.probabilities(self._featurizer.hash_text(text))
        ranking = np.argsort(probabilities)[::-1]
        scores = {
            self.model.classes[index].value: float(probabilities[index])
            for index in ranking[:TOP_SCORES]
        }
        best = self.model.classes[ranking[0]]
        confidence = float(probabilities[ranking[0]])
        if self._is_accepted(text, best, confidence):
            return IntentPrediction(
                intent=best, confidence=confidence, scores=scores, source="classifier"
            )
        return IntentPrediction(
            intent=Intent.OUT_OF_SCOPE, confidence=1.0 - confidence, scores=scores, source="rule"
        )

    def _is_accepted(self, text: str, best: Intent, confidence: float) -> bool:
        if best is Intent.OUT_OF_SCOPE or confidence >= self.min_confidence:
            return True
        return self._featurizer.lexicon.analyze(text).scope is not Scope.GENERAL


def has_content(text: str) -> bool:
    """Return whether `text` contains a letter, a digit or a symbol such as an emoji."""
    return any(unicodedata.category(char).startswith(_CONTENT_CATEGORIES) for char in text)


def _read_cache(path: Path, fingerprint: str) -> LinearIntentModel | None:
    if not path.exists():
        logger.info("intent model cache not found path=%s, training a new model", path)
        return None
    started = time.perf_counter()
    try:
        model, cached_fingerprint = load_model(path)
    except (OSError, ValueError) as exc:
        logger.warning("intent model cache is invalid path=%s error=%s, retraining", path, exc)
        return None
    if cached_fingerprint != fingerprint:
        logger.info("intent model cache is stale path=%s, retraining", path)
        return None
    logger.info(
        "intent model loaded from cache path=%s seconds=%.3f", path, time.perf_counter() - started
    )
    return model


def _write_cache(path: Path, model: LinearIntentModel, fingerprint: str) -> None:
    try:
        save_model(path, model, fingerprint)
    except OSError as exc:
        logger.warning(
            "intent model cache not written path=%s error=%s, so the next start trains again",
            path,
            exc,
        )


def _feature_code() -> list[bytes]:
    return [path.read_bytes() for path in FEATURE_CODE_FILES]
