"""Weights of a trained multinomial logistic regression, applied with numpy alone.

scikit-learn takes about a second to import, so it is used only to fit (see `training.py`). The
fitted weights are stored in an `.npz` file and scored here with a few numpy operations.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assistant.domain import Intent
from assistant.intents.features import (
    FeaturizerConfig,
    HashedText,
    HashVocabulary,
)

CACHE_FORMAT_VERSION = 1
"""Version of the `.npz` layout; bump it when the stored arrays change."""


@dataclass(frozen=True)
class LinearIntentModel:
    """Weights of a softmax classifier over hashed TF-IDF features.

    Only hash columns seen in training are stored, because every other column has weight zero.
    """

    classes: tuple[Intent, ...]
    """Intent of each output, in the order of the weight matrix's columns."""

    vocabulary: HashVocabulary
    """Seen hash columns and their IDF."""

    weights: npt.NDArray[np.float32]
    """Weight matrix of shape (len(vocabulary.columns), len(classes))."""

    intercept: npt.NDArray[np.float32]
    """Bias of each class, shape (len(classes),)."""

    featurizer_config: FeaturizerConfig
    """Featurizer parameters that the weights were trained with."""

    def probabilities(self, text: HashedText) -> npt.NDArray[np.float64]:
        """Return the softmax probability of each class, in the order of `classes`."""
        features = self.vocabulary.vectorize(text, self.featurizer_config)
        logits = features.values @ self.weights[features.indices] + self.intercept
        logits -= logits.max()
        exponentials = np.exp(logits)
        probabilities: npt.NDArray[np.float64] = exponentials / exponentials.sum()
        return probabilities


def save_model(path: Path, model: LinearIntentModel, fingerprint: str) -> None:
    """Write `model` and the fingerprint of its training inputs to `path` atomically.

    The file is written under a temporary name and renamed, so a concurrent reader sees either
    the old file or the complete new one.

    Raises:
        OSError: when the folder cannot be created or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            np.savez(
                file,
                format_version=np.array(CACHE_FORMAT_VERSION),
                fingerprint=np.array(fingerprint),
                classes=np.array([intent.value for intent in model.classes]),
                columns=model.vocabulary.columns,
                idf=model.vocabulary.idf,
                weights=model.weights,
                intercept=model.intercept,
                featurizer_config=np.array(json.dumps(model.featurizer_config.to_dict())),
            )
        os.replace(temporary_name, path)
    except BaseException:
        Path(temporary_name).unlink(missing_ok=True)
        raise


def load_model(path: Path) -> tuple[LinearIntentModel, str]:
    """Read a model written by `save_model` and return it with its fingerprint.

    Raises:
        OSError: when the file cannot be read.
        ValueError: when the file is not a model cache of the current format; this includes
            corrupt archives, missing arrays and unknown intent names.
    """
    # Opening the file here closes it even when np.load rejects a corrupt archive.
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as archive:
            version = int(archive["format_version"])
            if version != CACHE_FORMAT_VERSION:
                raise ValueError(f"cache format version {version}, expected {CACHE_FORMAT_VERSION}")
            fingerprint = str(archive["fingerprint"])
            model = LinearIntentModel(
                classes=tuple(Intent(name) for name in archive["classes"].tolist()),
                vocabulary=HashVocabulary(
                    columns=archive["columns"].astype(np.int64),
                    idf=archive["idf"].astype(np.float64),
                ),
                weights=archive["weights"].astype(np.float32),
                intercept=archive["intercept"].astype(np.float32),
                featurizer_config=FeaturizerConfig(**json.loads(str(archive["featurizer_config"]))),
            )
    except (KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"invalid intent model cache {path}: {exc}") from exc
    return model, fingerprint
