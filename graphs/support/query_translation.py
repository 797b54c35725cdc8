"""LLM translation of a search query for a KB whose documents are all in the other language.

The glossary translates known PM terms offline. With an LLM configured, the whole question is
translated as well, so words missing from the glossary still reach the other language's
documents. The retriever stays LLM-free: it receives the translation as an argument.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from langgraph.config import get_config

from assistant.domain import Language
from assistant.errors import UpstreamError
from assistant.llm import LLMClient
from assistant.prompts import render_prompt
from assistant.text import detect_language
from graphs.support.context import AgentContext

logger = logging.getLogger(__name__)

PROMPT_NAME = "translate_query"
LANGUAGE_NAMES = {Language.EN: "English", Language.ZH: "Simplified Chinese"}
MAX_LENGTH_RATIO = 4
"""A translation longer than this many times the question is ignored: the model answered or
explained instead of translating."""
CACHE_SIZE = 512
"""Translations kept in process. Chat retries and eval repeats ask the same question again."""

CacheKey = tuple[str, Language, str]


class TranslationCache:
    """Thread-safe LRU of translations keyed by model, target language and question text.

    An empty string records a reply that was rejected, so the same question is not sent again.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[CacheKey, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> str | None:
        """Return the stored translation, or None when the key is not cached."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: CacheKey, value: str) -> None:
        """Store a translation, dropping the least recently used one when the cache is full."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Drop every stored translation."""
        with self._lock:
            self._entries.clear()


_cache = TranslationCache(CACHE_SIZE)


def clear_translation_cache() -> None:
    """Drop the process's cached translations (tests that change the model's replies need it)."""
    _cache.clear()


def translation_target(query: str, kb_languages: frozenset[str]) -> Language | None:
    """Return the language to translate the query into, or None when no translation helps.

    A translation helps only when the KB has no document in the query's language and has
    documents in the other one. A bilingual KB already has documents in the user's language.
    """
    language = detect_language(query)
    other = Language.EN if language is Language.ZH else Language.ZH
    if language.value in kb_languages or other.value not in kb_languages:
        return None
    return other


def translate_for_kb(context: AgentContext, query: str) -> str | None:
    """Return the query translated into the language of the KB's documents, when that helps.

    Returns None without an LLM, when `translation_target` finds no need, when the model call
    fails (after one WARNING) or when its reply is empty or too long.
    """
    if context.llm is None or not context.settings.llm_model:
        return None
    target = translation_target(query, context.kb.languages())
    if target is None:
        return None
    return translate_query(
        context.llm, query, target, tenant=context.tenant, conversation=_conversation_id(context)
    )


def translate_query(
    llm: LLMClient, query: str, target: Language, *, tenant: str, conversation: str
) -> str | None:
    """Translate the query with the `translate_query` prompt, using the process cache.

    `tenant` and `conversation` only name the request in the logs.
    """
    key: CacheKey = (llm.model, target, query)
    cached = _cache.get(key)
    if cached is not None:
        logger.info("query translation target=%s chars=%d cached=true", target.value, len(cached))
        return cached or None

    prompt = render_prompt(PROMPT_NAME, language_name=LANGUAGE_NAMES[target])
    messages = [{"role": "system", "content": prompt}, {"role": "user", "content": query}]
    try:
        reply = llm.complete(messages, prompt_id=PROMPT_NAME)
    except UpstreamError as error:
        # Not cached: a timeout may pass, so the next message with this text tries again.
        logger.warning(
            "query translation failed tenant=%s conversation=%s model=%s target=%s; "
            "searching with the glossary only: %s",
            tenant,
            conversation,
            llm.model,
            target.value,
            error,
        )
        return None

    translation = reply.strip()
    if not translation or len(translation) > MAX_LENGTH_RATIO * len(query):
        logger.warning(
            "query translation ignored tenant=%s conversation=%s model=%s target=%s: "
            "%d characters for a %d-character question, expected 1-%d",
            tenant,
            conversation,
            llm.model,
            target.value,
            len(translation),
            len(query),
            MAX_LENGTH_RATIO * len(query),
        )
        _cache.put(key, "")
        return None
    logger.info("query translation target=%s chars=%d cached=false", target.value, len(translation))
    _cache.put(key, translation)
    return translation


def _conversation_id(context: AgentContext) -> str:
    """Return the conversation id of the running graph, or "" outside a graph run."""
    try:
        thread_id = str(get_config()["configurable"].get("thread_id", ""))
    except RuntimeError:
        return ""
    # `assistant.tenants.conversation_thread_id` writes thread ids as "<tenant>/<conversation>".
    return thread_id.removeprefix(f"{context.tenant}/")
