"""`SupportAgent.ask` records each answered message in the turn log, and a log failure stays
out of the user's turn."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.turns import TurnStore
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB

MEMBER = UserContext(id="u-7", role="member", product_version="3.4", locale="en")


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
