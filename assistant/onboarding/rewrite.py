"""Optional LLM rewriting of tip texts for one user's role and persona.

The catalog text is always the fallback: without a configured model, or when the model call
fails or returns an unusable text, the tip keeps its catalog wording.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from assistant.domain import Language, Role
from assistant.errors import AssistantError
from assistant.llm import LLMClient
from assistant.prompts import render_prompt

logger = logging.getLogger(__name__)

PROMPT_NAME = "onboarding_tip"
MAX_REWRITE_CHARS = 300
"""Maximum length of a rewritten tip, in characters. A longer reply is dropped, so the tip
keeps its catalog text."""
RETRY_AFTER_FAILURE_SECONDS = 300.0
"""After a failed rewrite, the same tip keeps its catalog text this long before a new try."""
LANGUAGE_NAMES = {Language.EN: "English", Language.ZH: "Simplified Chinese"}


@dataclass(frozen=True)
class RewriteRequest:
    """One tip text and the user it is rewritten for."""

    tip_id: str
    text: str
    article_title: str
    language: Language
    role: Role
    persona: str | None


class TipRewriter:
    """Rewrite tip texts with an LLM, caching each result per tip, language, role and persona.

    Args:
        llm: The model client, or None to keep every catalog text.
    """

    def __init__(self, llm: LLMClient | None) -> None:
        self._llm = llm
        self._cache: dict[RewriteRequest, str] = {}
        self._failed_until: dict[RewriteRequest, float] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether a model is configured."""
        return self._llm is not None

    def rewrite(self, request: RewriteRequest) -> str | None:
        """Return the rewritten text, or None to keep the catalog text."""
        if self._llm is None:
            return None
        with self._lock:
            cached = self._cache.get(request)
            if cached is not None:
                return cached
            if self._failed_until.get(request, 0.0) > time.monotonic():
                return None
        text = self._call_model(self._llm, request)
        with self._lock:
            if text is None:
                self._failed_until[request] = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
            else:
                self._cache[request] = text
        return text

    @staticmethod
    def _call_model(llm: LLMClient, request: RewriteRequest) -> str | None:
        prompt = render_prompt(
            PROMPT_NAME,
            language_name=LANGUAGE_NAMES[request.language],
            max_chars=MAX_REWRITE_CHARS,
            role=request.role.value,
            persona=(request.persona or "").replace("_", " "),
            article_title=request.article_title,
        )
        messages = [
            {"role": "system", "content": prompt},
            {"role": "user", "content": request.text},
        ]
        try:
            reply = llm.complete(messages, prompt_id=PROMPT_NAME)
        except AssistantError as error:
            logger.warning(
                "tip rewrite failed tip=%s model=%s; keeping the catalog text: %s",
                request.tip_id,
                llm.model,
                error,
            )
            return None
        text = reply.strip().strip('"“”').strip()
        if not text or len(text) > MAX_REWRITE_CHARS:
            logger.warning(
                "tip rewrite of tip=%s returned %d characters, outside 1-%d; keeping the "
                "catalog text",
                request.tip_id,
                len(text),
                MAX_REWRITE_CHARS,
            )
            return None
        return text
