"""L1 intent recognition: an offline classifier, and an LLM when one is configured."""

from assistant.intents.classifier import IntentClassifier, IntentPrediction
from assistant.intents.recognition import recognize_intent

__all__ = ["IntentClassifier", "IntentPrediction", "recognize_intent"]
