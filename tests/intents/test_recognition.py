"""Intent recognition through the classifier and through litellm's offline mock responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier, recognize_intent
from assistant.llm import LLMClient
from assistant.settings import Settings


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> IntentClassifier:
    return IntentClassifier.load_or_train(tmp_path_factory.mktemp("models"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("How can I move a task to another project?", Intent.HOW_TO),
        ("怎么把看板导出成 Excel？", Intent.HOW_TO),
        (
            "Notifications stopped arriving in my inbox, what should I check?",
            Intent.TROUBLESHOOTING,
        ),
        (
            "After the update, saving a time entry throws error 500. Expected it to save.",
            Intent.BUG_REPORT,
        ),
        ("整个系统打不开了，全公司都访问不了", Intent.OUTAGE),
        ("I lost my phone and can't get past two-factor login", Intent.ACCOUNT_ACCESS),
        ("为什么我看不到这个项目？是不是没有权限", Intent.PERMISSIONS),
        ("请帮我开一张增值税专用发票", Intent.BILLING),
        ("Please add support for recurring subtasks", Intent.FEATURE_REQUEST),
        ("有人删掉了我们所有的任务，能恢复吗", Intent.DATA_LOSS_SECURITY),
        ("I want to talk to a real person", Intent.HUMAN_HANDOFF),
        ("谢谢，你们的新版界面好用多了", Intent.FEEDBACK),
        ("hello there", Intent.GREETING),
        ("Who won the football match yesterday?", Intent.OUT_OF_SCOPE),
    ],
    ids=lambda value: value if isinstance(value, Intent) else None,
)
def test_classifier_recognizes_held_out_phrasings(
    classifier: IntentClassifier, text: str, intent: Intent
) -> None:
    prediction = classifier.predict(text)

    assert prediction.intent is intent, prediction
    assert 0.0 <= prediction.confidence <= 1.0


def test_second_load_reuses_the_cached_weights(tmp_path: Path) -> None:
    IntentClassifier.load_or_train(tmp_path)

    again = IntentClassifier.load_or_train(tmp_path)

    assert again.from_cache


def _llm_settings() -> Settings:
    return Settings(llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used")


def test_llm_path_returns_the_model_intent(classifier: IntentClassifier) -> None:
    settings = _llm_settings()
    mock = json.dumps({"intent": "billing", "confidence": 0.8, "language": "en"})
    llm = LLMClient(settings, extra={"mock_response": mock})

    prediction = recognize_intent("hello", settings, classifier, llm)

    assert prediction.intent is Intent.BILLING
    assert prediction.source == "llm"


@pytest.mark.parametrize(
    "mock",
    ["not json at all", '{"intent": "make_coffee", "confidence": 0.9, "language": "en"}'],
    ids=["garbage", "unknown-intent"],
)
def test_llm_path_falls_back_to_the_classifier(classifier: IntentClassifier, mock: str) -> None:
    settings = _llm_settings()
    llm = LLMClient(settings, extra={"mock_response": mock})

    prediction = recognize_intent("转人工", settings, classifier, llm)

    assert prediction.intent is Intent.HUMAN_HANDOFF
    assert prediction.source == "classifier"
