"""`SupportAgent.ask` records each answered message in the turn log, and a log failure stays
out of the user's turn."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.llm import LLMClient
from assistant.settings import Settings
from assistant.turns import TurnStore
from graphs.support.policy import MODEL_NO_ANSWER_REASON
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from insights.activity import ActivityReader
from insights.gaps import GapSignal, find_candidates
from insights.live import compute_turn_metrics
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB

MEMBER = UserContext(id="u-7", role="member", product_version="3.4", locale="en")
ASKED_AT = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
NO_ANSWER_QUESTION = "How do I set a due date and assignee on a task?"
ANSWERED_QUESTION = "How do I save a baseline in the Gantt chart?"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("turn-log-data")
    ingest_folder(KnowledgeBase(Settings(data_dir=folder), "default.default"), SAMPLE_KB)
    return folder


@pytest.fixture
def agent(data_dir: Path) -> Iterator[SupportAgent]:
    support_agent = SupportAgent(Settings(data_dir=data_dir), "default.default", channel="api")
    yield support_agent
    support_agent.close()


def test_answered_question_logged_with_decision(agent: SupportAgent) -> None:
    asked_at = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)

    reply = agent.ask("How do I save a baseline in the Gantt chart?", MEMBER, now=asked_at)
    [turn] = agent.turns.list_turns("default", conversation_id=reply.conversation_id)

    output = reply.output
    assert turn.question == "How do I save a baseline in the Gantt chart?"
    assert turn.created_at == asked_at
    assert (turn.kb, turn.channel) == ("default.default", "api")
    assert (turn.user_id, turn.user_role, turn.product_version) == ("u-7", "member", "3.4")
    assert turn.language == output["language"] == "en"
    assert turn.intent == output["intent"]["name"]
    assert turn.intent_confidence == output["intent"]["confidence"]
    assert turn.action == output["action"]["type"] == "answer"
    assert turn.ticket_id is None
    assert turn.module == "gantt"
    assert turn.retrieval_confidence >= agent.context.settings.answer_min_confidence
    assert turn.kb_unanswered is False
    assert list(turn.cited_docs) == list(dict.fromkeys(c["doc"] for c in output["citations"]))


def test_ticket_turn_logged_with_ticket_id(agent: SupportAgent) -> None:
    message = "Since 3.4.1 the Gantt PDF export crashes with error 500. Steps: open Gantt, export."

    reply = agent.ask(message, MEMBER)
    [turn] = agent.turns.list_turns("default", conversation_id=reply.conversation_id)

    ticket = reply.output["action"]["ticket"]
    assert ticket is not None
    assert turn.ticket_id == ticket["id"]
    assert turn.action == reply.output["action"]["type"]
    assert turn.module == "gantt"
    assert turn.kb_unanswered is False, "a bug report is not a question for the KB"


def _agent_with_model_reply(settings: Settings, reply: str) -> SupportAgent:
    """Return an agent whose LLM replies `reply` to the answer prompt. The offline classifier
    still recognizes intents."""
    support_agent = SupportAgent(settings, "default.default", channel="api")
    model_settings = Settings(llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used")
    llm = LLMClient(model_settings, extra={"mock_response": reply})
    support_agent.context = dataclasses.replace(support_agent.context, llm=llm)
    return support_agent


def test_model_no_answer_logged_as_kb_gap(data_dir: Path, database_url: str) -> None:
    settings = Settings(data_dir=data_dir, database_url=database_url)
    no_answer_agent = _agent_with_model_reply(settings, "NO_ANSWER")
    offline_agent = SupportAgent(settings, "default.default", channel="api")
    reader = ActivityReader(database_url)
    try:
        no_answer = no_answer_agent.ask(NO_ANSWER_QUESTION, MEMBER, now=ASKED_AT)
        answered = offline_agent.ask(ANSWERED_QUESTION, MEMBER, now=ASKED_AT + timedelta(seconds=1))
        no_answer_agent.turns.flush()
        offline_agent.turns.flush()
        activity = reader.load("default", ASKED_AT, ASKED_AT + timedelta(minutes=1))
        candidates = find_candidates(activity, settings.answer_min_confidence)
        metrics = compute_turn_metrics(
            reader,
            "default",
            now=ASKED_AT,
            timezone=ZoneInfo("UTC"),
            weeks=1,
            min_confidence=settings.answer_min_confidence,
        )
    finally:
        no_answer_agent.close()
        offline_agent.close()
        reader.close()

    assert no_answer.output["action"]["reason"] == MODEL_NO_ANSWER_REASON
    assert answered.output["action"]["type"] == "answer"
    turns = {turn.question: turn for turn in activity.turns}
    assert turns[NO_ANSWER_QUESTION].retrieval_confidence >= settings.answer_min_confidence
    assert turns[NO_ANSWER_QUESTION].kb_unanswered is True
    assert turns[ANSWERED_QUESTION].kb_unanswered is False
    assert [candidate.turn.question for candidate in candidates] == [NO_ANSWER_QUESTION]
    assert candidates[0].signals == {GapSignal.LOW_CONFIDENCE}
    assert [turn.question for turn in metrics.unanswered] == [NO_ANSWER_QUESTION]
    assert metrics.unanswered_count == 1


def test_log_failure_does_not_fail_turn(
    data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A folder where the database file should be: every write to it fails.
    unwritable = tmp_path / "not-a-file.db"
    unwritable.mkdir()
    broken_log = TurnStore(f"sqlite:///{unwritable}")
    agent = SupportAgent(Settings(data_dir=data_dir), "default.default", turns=broken_log)
    caplog.set_level(logging.ERROR, logger="assistant.turns")

    try:
        reply = agent.ask("How do I invite a guest?", MEMBER)
        broken_log.flush(timeout=30.0)
    finally:
        agent.close()
        broken_log.close()

    assert reply.output["answer"]
    assert f"conversation={reply.conversation_id}" in caplog.text
    assert "turn log write failed" in caplog.text
