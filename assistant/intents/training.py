"""Labelled utterances and the scikit-learn fit of the intent model.

scikit-learn and scipy are imported inside `fit_model`, so importing this module stays cheap and
a classifier loaded from its cache never imports them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.domain import Intent, Language
from assistant.errors import ConfigurationError
from assistant.intents.features import FeaturizerConfig, HashingFeaturizer, HashVocabulary
from assistant.intents.model import CACHE_FORMAT_VERSION, LinearIntentModel
from assistant.intents.vocabulary import Lexicon

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

DEFAULT_DATA_PATH = Path(__file__).parent / "data" / "utterances.jsonl"
"""Labelled utterances shipped with the package."""

MIN_INTENTS = 2
"""A classifier needs examples of at least this many intents."""


class Utterance(BaseModel):
    """One labelled training message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1)
    """Message as a user would type it."""

    intent: Intent
    """Intent a support agent would assign."""

    language: Language
    """Language the user writes in; a Chinese message quoting an English error is zh."""


@dataclass(frozen=True)
class TrainingConfig:
    """Hyperparameters of the logistic regression."""

    inverse_regularization: float = 30.0
    """scikit-learn's `C`; 10, 30 and 100 scored within half a point in 5-fold CV."""

    solver: str = "saga"
    """scikit-learn solver; on the shipped data saga fitted in 1.7 s where lbfgs took 15 s."""

    max_iterations: int = 1000
    """Iteration limit of the solver."""

    random_state: int = 0
    """Seed of saga's sampling order. Without it each fit differed slightly, so a fresh
    checkout's model could classify an eval case differently from a cached one."""


def parse_utterances(data: bytes, source: Path) -> list[Utterance]:
    """Parse JSON Lines of utterances; blank lines are skipped.

    Raises:
        ConfigurationError: when a line is not a valid utterance; the message names the line.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(f"{source} is not UTF-8 text: {exc}") from exc
    utterances: list[Utterance] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            utterances.append(Utterance.model_validate_json(line))
        except ValidationError as exc:
            raise ConfigurationError(
                f"invalid utterance at {source}:{number}: {exc.errors()[:1]}. Each line must be "
                '{"text": ..., "intent": <one of the Intent values>, "language": "zh" or "en"}'
            ) from exc
    if len({utterance.intent for utterance in utterances}) < MIN_INTENTS:
        raise ConfigurationError(f"{source} must contain utterances of at least two intents")
    return utterances


def read_training_data(path: Path) -> bytes:
    """Return the raw bytes of a training or lexicon file.

    Raises:
        ConfigurationError: when the file does not exist or cannot be read.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read intent classifier file {path}: {exc}") from exc


def compute_fingerprint(
    files: Sequence[bytes], featurizer_config: FeaturizerConfig, training_config: TrainingConfig
) -> str:
    """Return a SHA-256 digest of the input files and parameters that determine the weights."""
    digest = hashlib.sha256()
    settings = {
        "format": CACHE_FORMAT_VERSION,
        "featurizer": featurizer_config.to_dict(),
        "training": asdict(training_config),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
    for data in files:
        # The length prefix keeps the boundary between files from shifting unnoticed.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def fit_model(
    utterances: Sequence[Utterance],
    featurizer_config: FeaturizerConfig,
    training_config: TrainingConfig,
    lexicon: Lexicon | None = None,
) -> LinearIntentModel:
    """Fit a multinomial logistic regression on `utterances` and return its weights."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    featurizer = HashingFeaturizer(featurizer_config, lexicon)
    hashed = [featurizer.hash_text(utterance.text) for utterance in utterances]
    vocabulary = HashVocabulary.fit(hashed)
    rows = [vocabulary.vectorize(text, featurizer_config) for text in hashed]
    matrix = csr_matrix(
        (
            np.concatenate([row.values for row in rows]),
            np.concatenate([row.indices for row in rows]),
            np.concatenate([[0], np.cumsum([len(row.indices) for row in rows])]),
        ),
        shape=(len(rows), len(vocabulary.columns)),
    )
    matrix.sum_duplicates()
    labels = [utterance.intent.value for utterance in utterances]
    estimator = LogisticRegression(
        C=training_config.inverse_regularization,
        solver=training_config.solver,
        max_iter=training_config.max_iterations,
        random_state=training_config.random_state,
    )
    estimator.fit(matrix, labels)

    model = _extract_weights(estimator, vocabulary, featurizer_config)
    logger.info(
        "intent model fitted utterances=%d columns=%d seconds=%.2f",
        len(utterances),
        len(vocabulary.columns),
        time.perf_counter() - started,
    )
    return model


def _extract_weights(
    estimator: LogisticRegression,
    vocabulary: HashVocabulary,
    featurizer_config: FeaturizerConfig,
) -> LinearIntentModel:
    coefficients = np.asarray(estimator.coef_)
    intercept = np.asarray(estimator.intercept_)
    classes = tuple(Intent(name) for name in estimator.classes_)
    if len(classes) == 2:
        # A binary fit stores one row w for class 1; softmax over logits (0, w.x) is the same
        # probability, so the zero row keeps one scoring path for any number of classes.
        coefficients = np.vstack([np.zeros_like(coefficients), coefficients])
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    return LinearIntentModel(
        classes=classes,
        vocabulary=vocabulary,
        weights=np.ascontiguousarray(coefficients.T, dtype=np.float32),
        intercept=intercept.astype(np.float32),
        featurizer_config=featurizer_config,
    )
