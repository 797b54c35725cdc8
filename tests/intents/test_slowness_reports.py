"""A report that the product is slow or laggy is a support question, not out of scope."""

from __future__ import annotations

import json

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.intents.training import DEFAULT_DATA_PATH
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

SLOWNESS_REPORTS = [
    pytest.param("系统今天特别卡", id="zh-system-today"),
    pytest.param("网页很卡", id="zh-page"),
    pytest.param("页面一直转圈", id="zh-spinning"),
    pytest.param("the board is laggy", id="en-board"),
    pytest.param("everything is sluggish today", id="en-sluggish"),
]
"""Slowness reports in phrasings that the training data does not contain."""

UNRELATED = ["一根香蕉多少卡路里", "my old laptop is sluggish, should I buy a new one"]
"""Messages with the same words that have nothing to do with the product."""


def test_slowness_reports_are_not_training_data() -> None:
    with DEFAULT_DATA_PATH.open(encoding="utf-8") as file:
        training = {json.loads(line)["text"].casefold() for line in file if line.strip()}

    reports = [str(param.values[0]).casefold() for param in SLOWNESS_REPORTS]

    assert [report for report in reports if report in training] == []


@pytest.mark.parametrize("message", SLOWNESS_REPORTS)
def test_slowness_report_not_refused(sample_agent: SupportAgent, message: str) -> None:
    reply = sample_agent.ask(message, UserContext(id="u-slow", role="member")).to_json()

    assert reply["action"]["type"] != "refuse", reply["answer"]


@pytest.mark.parametrize("message", UNRELATED)
def test_unrelated_message_stays_out_of_scope(classifier: IntentClassifier, message: str) -> None:
    assert classifier.predict(message).intent is Intent.OUT_OF_SCOPE
