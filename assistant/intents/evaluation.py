"""Stratified k-fold cross-validation of the whole `IntentClassifier.predict` pipeline.

Each fold fits a model on the other folds and predicts the held-out utterances through
`IntentClassifier`, so the scores include the out-of-scope rules and not only the raw model.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from assistant.domain import Intent
from assistant.intents.classifier import DEFAULT_MIN_CONFIDENCE, IntentClassifier
from assistant.intents.features import FeaturizerConfig
from assistant.intents.training import TrainingConfig, Utterance, fit_model

DEFAULT_FOLDS = 5
DEFAULT_SEED = 0


class CrossValidationReport(BaseModel):
    """Scores of a cross-validation run, pooled over all held-out predictions."""

    model_config = ConfigDict(frozen=True)

    folds: int
    utterances: int
    accuracy: float
    macro_f1: float
    f1_by_intent: dict[str, float]
    """F1 of each intent that occurs in the data, by intent value."""

    errors: list[tuple[str, str, str]]
    """Misclassified utterances as (text, expected intent, predicted intent)."""


def cross_validate(
    utterances: Sequence[Utterance],
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = DEFAULT_SEED,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    featurizer_config: FeaturizerConfig | None = None,
    training_config: TrainingConfig | None = None,
) -> CrossValidationReport:
    """Return pooled accuracy and F1 scores of a stratified `folds`-fold cross-validation."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    featurizer_config = featurizer_config or FeaturizerConfig()
    training_config = training_config or TrainingConfig()
    labels = [utterance.intent.value for utterance in utterances]
    predicted = [""] * len(utterances)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_indices, test_indices in splitter.split(labels, labels):
        model = fit_model(
            [utterances[i] for i in train_indices], featurizer_config, training_config
        )
        classifier = IntentClassifier(model, min_confidence=min_confidence)
        for i in test_indices:
            predicted[i] = classifier.predict(utterances[i].text).intent.value

    intents = [intent.value for intent in Intent if intent.value in set(labels)]
    per_intent = f1_score(labels, predicted, labels=intents, average=None, zero_division=0.0)
    return CrossValidationReport(
        folds=folds,
        utterances=len(utterances),
        accuracy=float(accuracy_score(labels, predicted)),
        macro_f1=float(f1_score(labels, predicted, labels=intents, average="macro")),
        f1_by_intent={
            intent: float(score) for intent, score in zip(intents, per_intent, strict=True)
        },
        errors=[
            (utterance.text, expected, actual)
            for utterance, expected, actual in zip(utterances, labels, predicted, strict=True)
            if expected != actual
        ],
    )
