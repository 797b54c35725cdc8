"""Questions on quiet hours and on money back that the classifier refused or read as greetings."""

from __future__ import annotations

import json

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.intents.training import DEFAULT_DATA_PATH

QUIET_HOURS_QUESTIONS = [
    "how do I stop getting emails at night",
    "晚上不想收到邮件怎么办",
    "can I turn off email reminders late in the evening",
]
"""Questions the quiet hours of the sample KB answer."""

MONEY_BACK_QUESTIONS = [
    "怎么把钱退回来",
    "怎么拿回我的钱",
    "我多付了钱，怎么要回来",
]
"""Refund questions without the word 退款."""

PERSONAL_MONEY_QUESTIONS = [
    "朋友欠我的钱不还怎么办",
    "怎么把借给朋友的钱要回来",
]
"""Questions about getting money back that have nothing to do with the product."""


def test_questions_are_not_training_data() -> None:
    with DEFAULT_DATA_PATH.open(encoding="utf-8") as file:
        training = {json.loads(line)["text"].casefold() for line in file if line.strip()}
    questions = QUIET_HOURS_QUESTIONS + MONEY_BACK_QUESTIONS + PERSONAL_MONEY_QUESTIONS

    assert [question for question in questions if question.casefold() in training] == []


@pytest.mark.parametrize("question", QUIET_HOURS_QUESTIONS)
def test_quiet_hours_question_is_how_to(classifier: IntentClassifier, question: str) -> None:
    prediction = classifier.predict(question)

    assert prediction.intent is Intent.HOW_TO, prediction


@pytest.mark.parametrize("question", MONEY_BACK_QUESTIONS)
def test_money_back_question_is_billing(classifier: IntentClassifier, question: str) -> None:
    prediction = classifier.predict(question)

    assert prediction.intent is Intent.BILLING, prediction


@pytest.mark.parametrize("question", PERSONAL_MONEY_QUESTIONS)
def test_personal_money_stays_out_of_scope(classifier: IntentClassifier, question: str) -> None:
    prediction = classifier.predict(question)

    assert prediction.intent is Intent.OUT_OF_SCOPE, prediction
