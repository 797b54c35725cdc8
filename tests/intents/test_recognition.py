"""recognize_intent through litellm's offline mock responses, and its fallback to the classifier."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from assistant.domain import Intent, Language
from assistant.intents import IntentClassifier, recognize_intent
from assistant.intents.recognition import PROMPT_NAME, LLMIntentOutput
from assistant.llm import LLMClient
from assistant.prompts import render_prompt
from assistant.settings import Settings


@pytest.fixture
def llm_settings(tmp_path: Path) -> Settings:
    """Settings with an LLM model configured; the mock responses never use the key."""
    return Settings(
        data_dir=tmp_path, llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used"
    )


def _mock_llm(settings: Settings, response: str) -> LLMClient:
    return LLMClient(settings, extra={"mock_response": response})


def test_recognize_intent_returns_llm_intent(
    classifier: IntentClassifier, llm_settings: Settings
) -> None:
    reply = json.dumps({"intent": "billing", "confidence": 0.8, "language": "en"})

    prediction = recognize_intent("hello", llm_settings, classifier, _mock_llm(llm_settings, reply))

    assert prediction.intent is Intent.BILLING
    assert prediction.confidence == 0.8
    assert prediction.scores == {"billing": 0.8}
    assert prediction.source == "llm"


def test_recognize_intent_accepts_fenced_json(
    classifier: IntentClassifier, llm_settings: Settings
) -> None:
    reply = '```json\n{"intent": "outage", "confidence": 0.9, "language": "zh"}\n```'
    llm = _mock_llm(llm_settings, reply)

    prediction = recognize_intent("全挂了", llm_settings, classifier, llm)

    assert prediction.intent is Intent.OUTAGE
    assert prediction.source == "llm"


@pytest.mark.parametrize(
    "reply",
    [
        "not json at all",
        '{"intent": "make_coffee", "confidence": 0.9, "language": "en"}',
        '{"intent": "billing", "confidence": 1.7, "language": "en"}',
        '{"confidence": 0.9}',
        "litellm.InternalServerError",
    ],
    ids=["garbage", "unknown-intent", "confidence-out-of-range", "missing-intent", "server-error"],
)
def test_recognize_intent_falls_back_to_classifier(
    classifier: IntentClassifier,
    llm_settings: Settings,
    caplog: pytest.LogCaptureFixture,
    reply: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="assistant.intents.recognition"):
        prediction = recognize_intent(
            "转人工", llm_settings, classifier, _mock_llm(llm_settings, reply)
        )

    assert prediction.intent is Intent.HUMAN_HANDOFF
    assert prediction.source == "classifier"
    assert "using the offline classifier" in caplog.text


def test_recognize_intent_keeps_model_output_out_of_logs(
    classifier: IntentClassifier, llm_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    reply = '{"intent": "secret-user-words", "confidence": 0.9}'

    with caplog.at_level(logging.WARNING, logger="assistant.intents.recognition"):
        recognize_intent("hi", llm_settings, classifier, _mock_llm(llm_settings, reply))

    assert "ModelOutputError" in caplog.text
    assert "secret-user-words" not in caplog.text


def test_recognize_intent_without_llm_uses_classifier(
    classifier: IntentClassifier, settings: Settings
) -> None:
    prediction = recognize_intent("请帮我开一张发票", settings, classifier, None)

    assert prediction.intent is Intent.BILLING
    assert prediction.source == "classifier"


def test_recognize_intent_blank_message_skips_llm(
    classifier: IntentClassifier, llm_settings: Settings
) -> None:
    reply = json.dumps({"intent": "billing", "confidence": 0.8, "language": "en"})

    prediction = recognize_intent("  ?! ", llm_settings, classifier, _mock_llm(llm_settings, reply))

    assert prediction.intent is Intent.OUT_OF_SCOPE
    assert prediction.source == "rule"


@pytest.mark.parametrize(
    ("raw", "intent", "language"),
    [
        ({"intent": "How-To", "confidence": 0.5, "language": "zh-CN"}, Intent.HOW_TO, Language.ZH),
        (
            {"intent": "bug report", "confidence": 0.5, "language": "English"},
            Intent.BUG_REPORT,
            Language.EN,
        ),
        ({"intent": "greeting", "confidence": 0.5, "language": "fr"}, Intent.GREETING, None),
        ({"intent": "greeting", "confidence": 0.5}, Intent.GREETING, None),
    ],
)
def test_llm_output_folds_intent_and_language_spellings(
    raw: dict[str, object], intent: Intent, language: Language | None
) -> None:
    output = LLMIntentOutput.model_validate(raw)

    assert output.intent is intent
    assert output.language is language


def test_classify_prompt_defines_every_intent() -> None:
    prompt = render_prompt(PROMPT_NAME)

    missing = [intent.value for intent in Intent if f"- {intent.value}:" not in prompt]

    assert missing == []
