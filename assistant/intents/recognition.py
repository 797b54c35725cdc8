"""Intent recognition entry point: the LLM when one is configured, else the offline classifier."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from assistant.domain import Intent
from assistant.errors import ModelOutputError, UpstreamError
from assistant.intents.classifier import IntentClassifier, IntentPrediction
from assistant.llm import LLMClient
from assistant.prompts import render_prompt
from assistant.settings import Settings

logger = logging.getLogger(__name__)


class LLMIntent(BaseModel):
    """Structured output the LLM must return."""

    intent: str
    confidence: float = Field(ge=0.0, le=1.0)
    language: Literal["zh", "en"]


def recognize_intent(
    text: str, settings: Settings, classifier: IntentClassifier, llm: LLMClient | None
) -> IntentPrediction:
    """Recognize a message's intent; LLM failures fall back to the classifier with a warning."""
    if llm is None or not settings.llm_model:
        return classifier.predict(text)
    prompt = render_prompt("classify_intent", message=text)
    try:
        output = llm.complete_structured([{"role": "user", "content": prompt}], LLMIntent)
        intent = Intent(output.intent)
    except (UpstreamError, ModelOutputError, ValidationError, ValueError) as exc:
        logger.warning("llm intent classification failed, using the classifier: %s", exc)
        return classifier.predict(text)
    return IntentPrediction(
        intent=intent,
        confidence=output.confidence,
        scores={intent.value: output.confidence},
        source="llm",
    )
