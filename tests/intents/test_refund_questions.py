"""Refund questions reach billing, which hands them to the billing team, instead of a refusal."""

from __future__ import annotations

import json

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.intents.training import DEFAULT_DATA_PATH
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

REFUND_QUESTIONS = [
    pytest.param("how can I get my money back", id="en-money-back"),
    pytest.param("can I get a refund for the unused months", id="en-unused-months"),
    pytest.param("Is it possible to be reimbursed for the rest of the year?", id="en-reimbursed"),
    pytest.param(
        "Can you give us our money back? We stopped using the tool in March", id="en-stopped"
    ),
    pytest.param("我想退款，钱怎么退回来", id="zh-how-returned"),
    pytest.param("我要退钱", id="zh-want-money-back"),
    pytest.param("多扣的钱可以退回来吗", id="zh-overcharged"),
]
"""Refund questions in phrasings that the training data does not contain."""

PERSONAL_MONEY_QUESTIONS = [
    "my friend owes me money, how do I get it back",
    "怎么把借给朋友的钱要回来",
    "房东不退押金怎么办",
]
"""Questions about getting money back that have nothing to do with the product."""

BILLING_TEAM = "l2-accounts-billing"


def _training_texts() -> set[str]:
    with DEFAULT_DATA_PATH.open(encoding="utf-8") as file:
        return {json.loads(line)["text"].casefold() for line in file if line.strip()}


def test_refund_questions_are_not_training_data() -> None:
    questions = [param.values[0] for param in REFUND_QUESTIONS] + PERSONAL_MONEY_QUESTIONS
    training = _training_texts()

    leaked = [question for question in questions if str(question).casefold() in training]

    assert leaked == []


@pytest.mark.parametrize("question", REFUND_QUESTIONS)
def test_refund_question_classified_billing(classifier: IntentClassifier, question: str) -> None:
    prediction = classifier.predict(question)

    assert prediction.intent is Intent.BILLING, prediction
    assert prediction.source == "classifier"


@pytest.mark.parametrize("question", PERSONAL_MONEY_QUESTIONS)
def test_personal_money_question_stays_out_of_scope(
    classifier: IntentClassifier, question: str
) -> None:
    assert classifier.predict(question).intent is Intent.OUT_OF_SCOPE


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("how can I get my money back", id="en"),
        pytest.param("我想退款，钱怎么退回来", id="zh"),
    ],
)
def test_refund_question_handed_to_billing_team(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, UserContext(id="u-refund", role="member")).to_json()

    assert reply["intent"]["name"] == Intent.BILLING.value, reply["answer"]
    assert reply["action"]["type"] == "handoff", reply["answer"]
    assert reply["action"]["ticket"]["team"] == BILLING_TEAM
