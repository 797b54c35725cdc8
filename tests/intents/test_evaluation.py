"""Stratified cross-validation of the classifier on the shipped utterances."""

from __future__ import annotations

from assistant.domain import Intent
from assistant.intents.evaluation import cross_validate
from assistant.intents.training import DEFAULT_DATA_PATH, parse_utterances, read_training_data

MIN_ACCURACY = 0.85
MIN_MACRO_F1 = 0.85
MIN_UTTERANCES_PER_INTENT = 60


def test_shipped_data_is_large_and_bilingual() -> None:
    utterances = parse_utterances(read_training_data(DEFAULT_DATA_PATH), DEFAULT_DATA_PATH)

    for intent in Intent:
        of_intent = [utterance for utterance in utterances if utterance.intent is intent]
        chinese = [utterance for utterance in of_intent if utterance.language.value == "zh"]
        assert len(of_intent) >= MIN_UTTERANCES_PER_INTENT, intent
        assert abs(2 * len(chinese) - len(of_intent)) <= len(of_intent) // 5, intent


def test_cross_validation_above_floor() -> None:
    utterances = parse_utterances(read_training_data(DEFAULT_DATA_PATH), DEFAULT_DATA_PATH)

    report = cross_validate(utterances)
    summary = (
        f"5-fold accuracy={report.accuracy:.3f} macro-F1={report.macro_f1:.3f} "
        f"F1 by intent={ {name: round(f1, 3) for name, f1 in report.f1_by_intent.items()} }"
    )

    assert report.accuracy >= MIN_ACCURACY, summary
    assert report.macro_f1 >= MIN_MACRO_F1, summary
    assert set(report.f1_by_intent) == {intent.value for intent in Intent}, summary
