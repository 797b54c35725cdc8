"""Intent recognition entry point: the LLM when one is configured, else the offline classifier."""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.domain import Intent, Language
from assistant.errors import ModelOutputError, UpstreamError
from assistant.intents.classifier import (
    MAX_INPUT_CHARS,
    IntentClassifier,
    IntentPrediction,
    has_content,
)
from assistant.llm import LLMClient, Message
from assistant.prompts import render_prompt
from assistant.settings import Settings

logger = logging.getLogger(__name__)

PROMPT_NAME = "classify_intent"

_LANGUAGE_PREFIXES = {
    "zh": Language.ZH,
    "chinese": Language.ZH,
    "中文": Language.ZH,
    "en": Language.EN,
    "英文": Language.EN,
}
"""Prefixes of the language names models return ("zh-CN", "Chinese", "english"...)."""


class LLMIntentOutput(BaseModel):
    """JSON object that the `classify_intent` prompt requests from the model."""

    model_config = ConfigDict(frozen=True)

    intent: Intent
    """One of the intent values; anything else fails validation."""

    confidence: float = Field(ge=0.0, le=1.0)
    """The model's own estimate; models are often overconfident, so treat it as a hint."""

    language: Language | None = None
    """Language of the message; None when the model omitted it or named another language."""

    @field_validator("intent", mode="before")
    @classmethod
    def _fold_intent(cls, value: object) -> object:
        # Models sometimes return "How-To" or "bug report" for how_to and bug_report.
        if isinstance(value, str):
            return value.strip().lower().replace("-", "_").replace(" ", "_")
        return value

    @field_validator("language", mode="before")
    @classmethod
    def _fold_language(cls, value: object) -> Language | None:
        if not isinstance(value, str):
            return None
        folded = value.strip().lower()
        for prefix, language in _LANGUAGE_PREFIXES.items():
            if folded.startswith(prefix):
                return language
        return None


def recognize_intent(
    text: str, settings: Settings, classifier: IntentClassifier, llm: LLMClient | None
) -> IntentPrediction:
    """Recognize the intent of one user message.

    With an LLM configured (`settings.llm_model` set and `llm` given), the LLM classifies the
    message through the `classify_intent` prompt. When that call fails or the output breaks the
    JSON contract, including an unknown intent, the offline classifier decides and a WARNING is
    logged. Messages without any letter, digit or symbol never reach the LLM.
    """
    if llm is None or not settings.llm_model or not has_content(text):
        return classifier.predict(text)

    messages: list[Message] = [
        {"role": "system", "content": render_prompt(PROMPT_NAME)},
        {"role": "user", "content": text[:MAX_INPUT_CHARS]},
    ]
    try:
        output = llm.complete_structured(messages, LLMIntentOutput, prompt_id=PROMPT_NAME)
    except (UpstreamError, ModelOutputError) as exc:
        # A contract error quotes the completion, which may echo user text.
        quotes_output = isinstance(exc, ModelOutputError) and not settings.log_model_data
        detail = type(exc).__name__ if quotes_output else str(exc)
        logger.warning(
            "LLM intent classification failed model=%s error=%s; using the offline classifier",
            llm.model,
            detail,
        )
        return classifier.predict(text)

    return IntentPrediction(
        intent=output.intent,
        confidence=output.confidence,
        scores={output.intent.value: output.confidence},
        source="llm",
    )
