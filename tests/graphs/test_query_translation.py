"""LLM query translation in the agent's retrieval, for a KB with documents in one language."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.domain import Language
from assistant.llm import LLMClient, Message
from assistant.settings import Settings
from graphs.support.query_translation import (
    PROMPT_NAME,
    clear_translation_cache,
    translation_target,
)
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import write_kb
from tests.retrieval.test_search_translated_query import (
    ENGLISH_DOCS,
    FONT_QUESTION,
    FONT_TRANSLATION,
)

MEMBER = UserContext(id="u-1", role="member")
FONT_DOC = "en/account/font-size.md"
EXPORT_QUESTION = "怎么导出任务？"
"""A question whose glossary terms (导出, 任务) find the English export page without a model."""
CLASSIFY_REPLY = json.dumps({"intent": "how_to", "confidence": 0.9, "language": "zh"})
UNCITED_ANSWER = "Open Preferences."
"""A model reply without citations, which the agent replaces with its extractive answer."""
CHINESE_FONT_DOC = """---
title: 调整字体大小
module: account
language: zh
---
# 调整字体大小

打开偏好设置，拖动文字大小滑块，把字体调大或调小。
"""


class ScriptedLLM(LLMClient):
    """LLM client whose litellm mock reply depends on the prompt id; records the prompt ids."""

    def __init__(self, settings: Settings, replies: dict[str, str]) -> None:
        super().__init__(settings)
        self.settings = settings
        self.replies = replies
        self.prompt_ids: list[str | None] = []

    def complete(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        prompt_id: str | None = None,
    ) -> str:
        self.prompt_ids.append(prompt_id)
        mocked = LLMClient(self.settings, extra={"mock_response": self.replies[prompt_id or ""]})
        return mocked.complete(messages, temperature=temperature, prompt_id=prompt_id)


@pytest.fixture(autouse=True)
def empty_translation_cache() -> Iterator[None]:
    clear_translation_cache()
    yield
    clear_translation_cache()


def _data_dir(tmp_path_factory: pytest.TempPathFactory, docs: dict[str, str]) -> Path:
    folder = tmp_path_factory.mktemp("translation-data")
    kb_folder = write_kb(folder / "kb", docs)
    ingest_folder(KnowledgeBase(Settings(data_dir=folder / "data"), "default"), kb_folder)
    return folder / "data"


@pytest.fixture(scope="module")
def english_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _data_dir(tmp_path_factory, ENGLISH_DOCS)


@pytest.fixture(scope="module")
def bilingual_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _data_dir(tmp_path_factory, ENGLISH_DOCS | {"zh/account/font-size.md": CHINESE_FONT_DOC})


def _model_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used"
    )


@pytest.fixture
def offline_agent(english_data_dir: Path) -> Iterator[SupportAgent]:
    agent = SupportAgent(Settings(data_dir=english_data_dir), "default")
    yield agent
    agent.close()


def _agent_with_llm(data_dir: Path, translation: str) -> tuple[SupportAgent, ScriptedLLM]:
    settings = _model_settings(data_dir)
    agent = SupportAgent(settings, "default")
    llm = ScriptedLLM(
        settings,
        {"classify_intent": CLASSIFY_REPLY, PROMPT_NAME: translation, "answer": UNCITED_ANSWER},
    )
    agent.context = dataclasses.replace(agent.context, llm=llm)
    return agent, llm


def _cited_docs(agent: SupportAgent, question: str) -> list[str]:
    return [c["doc"] for c in agent.ask(question, MEMBER).output["citations"]]


def test_offline_agent_misses_english_page(offline_agent: SupportAgent) -> None:
    assert FONT_DOC not in _cited_docs(offline_agent, FONT_QUESTION)


def test_translation_finds_english_page(english_data_dir: Path) -> None:
    agent, llm = _agent_with_llm(english_data_dir, FONT_TRANSLATION)
    try:
        reply = agent.ask(FONT_QUESTION, MEMBER)
    finally:
        agent.close()

    assert llm.prompt_ids.count(PROMPT_NAME) == 1
    assert reply.output["action"]["type"] == "answer"
    assert reply.output["citations"][0]["doc"] == FONT_DOC
    assert "Text size" in reply.output["answer"]


def test_bilingual_kb_makes_no_translation_call(bilingual_data_dir: Path) -> None:
    agent, llm = _agent_with_llm(bilingual_data_dir, FONT_TRANSLATION)
    try:
        cited = _cited_docs(agent, FONT_QUESTION)
    finally:
        agent.close()

    assert PROMPT_NAME not in llm.prompt_ids
    assert "classify_intent" in llm.prompt_ids
    assert cited[0] == "zh/account/font-size.md"


def test_translation_failure_falls_back_to_glossary_search(
    english_data_dir: Path, offline_agent: SupportAgent, caplog: pytest.LogCaptureFixture
) -> None:
    agent, llm = _agent_with_llm(english_data_dir, "litellm.InternalServerError")
    caplog.set_level(logging.WARNING, logger="graphs.support.query_translation")
    try:
        reply = agent.ask(EXPORT_QUESTION, MEMBER)
    finally:
        agent.close()

    assert llm.prompt_ids.count(PROMPT_NAME) == 1
    glossary_only = offline_agent.ask(EXPORT_QUESTION, MEMBER).output
    assert reply.output["citations"] == glossary_only["citations"]
    assert reply.output["citations"][0]["doc"] == "en/tasks/export-csv.md"
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "graphs.support.query_translation" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1
    assert f"conversation={reply.conversation_id}" in warnings[0]
    assert "tenant=default" in warnings[0]
    assert EXPORT_QUESTION not in warnings[0]


def test_repeated_question_reuses_cached_translation(english_data_dir: Path) -> None:
    agent, llm = _agent_with_llm(english_data_dir, FONT_TRANSLATION)
    try:
        first = _cited_docs(agent, FONT_QUESTION)
        second = _cited_docs(agent, FONT_QUESTION)
    finally:
        agent.close()

    assert llm.prompt_ids.count(PROMPT_NAME) == 1
    assert first[0] == FONT_DOC
    assert second[0] == FONT_DOC


@pytest.mark.parametrize(
    "translation",
    ["   ", "How do I make the font bigger? " * 10],
    ids=["empty", "over-four-times-question"],
)
def test_unusable_translation_is_ignored(english_data_dir: Path, translation: str) -> None:
    agent, llm = _agent_with_llm(english_data_dir, translation)
    try:
        cited = _cited_docs(agent, FONT_QUESTION)
        _cited_docs(agent, FONT_QUESTION)
    finally:
        agent.close()

    assert FONT_DOC not in cited
    assert llm.prompt_ids.count(PROMPT_NAME) == 1


@pytest.mark.parametrize(
    ("query", "kb_languages", "expected"),
    [
        (FONT_QUESTION, frozenset({"en"}), Language.EN),
        ("How do I change the font size?", frozenset({"zh"}), Language.ZH),
        (FONT_QUESTION, frozenset({"en", "zh"}), None),
        (FONT_QUESTION, frozenset({"zh"}), None),
        (FONT_QUESTION, frozenset(), None),
    ],
    ids=["zh-to-en", "en-to-zh", "bilingual", "same-language", "empty-kb"],
)
def test_translation_target_by_kb_languages(
    query: str, kb_languages: frozenset[str], expected: Language | None
) -> None:
    assert translation_target(query, kb_languages) is expected
