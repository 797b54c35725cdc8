"""Turns of one conversation run one after another, in one process and across processes.

Two agents on one data dir stand for two server workers or CLI processes: each has its own
checkpoint connection, and they share the checkpoint file and the conversation locks.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from functools import partial
from pathlib import Path

import pytest

from assistant.domain import Language
from assistant.i18n import translate
from assistant.settings import Settings
from graphs.support.checkpoints import open_checkpoints
from graphs.support.conversation_locks import ConversationBusyError, ConversationLocks
from graphs.support.service import SupportAgent
from graphs.support.state import Turn, UserContext
from tests.concurrency import (
    HOLDER_SCRIPT,
    conversation_held_elsewhere,
    raise_first_error,
    run_at_once,
)
from tests.conftest import REPO_ROOT

FIRST_QUESTION = "How do I set a due date and assignee on a task?"
RACE_QUESTIONS = (
    "How do I start a timer to track time on a task?",
    "How do I invite a guest to a project?",
)
"""Two questions that the KB answers, so neither turn opens a ticket."""
RACE_ROUNDS = 3
BUSY_TIMEOUT_SECONDS = 0.5
"""Lock timeout of the impatient agent: long enough for a free lock, short for a test."""
USER = UserContext(id="turns-user", role="member")


@pytest.fixture
def impatient_agent(data_dir: Path) -> Iterator[SupportAgent]:
    """An agent on the module's data dir that waits BUSY_TIMEOUT_SECONDS for a conversation."""
    settings = Settings(data_dir=data_dir, conversation_lock_timeout_seconds=BUSY_TIMEOUT_SECONDS)
    with closing(SupportAgent(settings, "default")) as agent:
        yield agent


def _transcript(data_dir: Path, conversation_id: str) -> list[Turn]:
    """Read the conversation's transcript from the checkpoint file, as the next turn would."""
    connection, saver = open_checkpoints(Settings(data_dir=data_dir).checkpoint_path)
    with closing(connection):
        saved = saver.get_tuple({"configurable": {"thread_id": f"default/{conversation_id}"}})
    assert saved is not None, f"conversation {conversation_id} was not saved"
    transcript: list[Turn] = saved.checkpoint["channel_values"]["transcript"]
    return transcript


def _questions(data_dir: Path, conversation_id: str) -> list[str]:
    return [
        turn["content"] for turn in _transcript(data_dir, conversation_id) if turn["role"] == "user"
    ]


@pytest.mark.parametrize("round_number", range(RACE_ROUNDS))
def test_turns_at_once_are_both_kept(
    agents: list[SupportAgent], data_dir: Path, round_number: int
) -> None:
    conversation_id = f"turns-at-once-{round_number}"
    agents[0].ask(FIRST_QUESTION, USER, conversation_id)
    calls = [
        partial(agent.ask, question, USER, conversation_id)
        for agent, question in zip(agents, RACE_QUESTIONS, strict=True)
    ]

    replies = raise_first_error(run_at_once(calls))

    transcript = _transcript(data_dir, conversation_id)
    questions = _questions(data_dir, conversation_id)
    assert questions[0] == FIRST_QUESTION
    assert sorted(questions[1:]) == sorted(RACE_QUESTIONS)
    assert [turn["role"] for turn in transcript] == ["user", "assistant"] * 3
    answers = {
        question: reply.output["answer"]
        for question, reply in zip(RACE_QUESTIONS, replies, strict=True)
    }
    for question_turn, answer_turn in zip(transcript[2::2], transcript[3::2], strict=True):
        assert answer_turn["content"] == answers[question_turn["content"]]


def test_busy_conversation_fails_after_timeout(
    impatient_agent: SupportAgent, data_dir: Path
) -> None:
    conversation_id = "turns-busy"
    impatient_agent.ask(FIRST_QUESTION, USER, conversation_id)

    with conversation_held_elsewhere(data_dir, "default", conversation_id):
        started = time.monotonic()
        with pytest.raises(ConversationBusyError) as caught:
            impatient_agent.ask(RACE_QUESTIONS[0], USER, conversation_id)
        waited = time.monotonic() - started

    assert caught.value.code == "conversation_busy"
    assert caught.value.params["conversation_id"] == conversation_id
    assert waited >= BUSY_TIMEOUT_SECONDS
    assert _questions(data_dir, conversation_id) == [FIRST_QUESTION], "the turn saved nothing"


def test_conversation_answers_again_once_released(
    impatient_agent: SupportAgent, data_dir: Path
) -> None:
    conversation_id = "turns-released"
    with conversation_held_elsewhere(data_dir, "default", conversation_id):
        with pytest.raises(ConversationBusyError):
            impatient_agent.ask(FIRST_QUESTION, USER, conversation_id)

    reply = impatient_agent.ask(FIRST_QUESTION, USER, conversation_id)

    assert reply.output["action"]["type"] == "answer"
    assert _questions(data_dir, conversation_id) == [FIRST_QUESTION]


def test_other_conversation_runs_while_one_is_held(
    impatient_agent: SupportAgent, data_dir: Path
) -> None:
    with conversation_held_elsewhere(data_dir, "default", "turns-held"):
        reply = impatient_agent.ask(FIRST_QUESTION, USER, "turns-not-held")

    assert reply.conversation_id == "turns-not-held"
    assert reply.output["action"]["type"] == "answer"


def test_conversation_of_killed_process_is_free(
    impatient_agent: SupportAgent, data_dir: Path
) -> None:
    conversation_id = "turns-killed-holder"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_SCRIPT, str(data_dir), "default", conversation_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == b"held\n"
    holder.kill()
    holder.wait(timeout=10)
    holder.stdin.close()
    holder.stdout.close()

    reply = impatient_agent.ask(FIRST_QUESTION, USER, conversation_id)

    assert reply.output["action"]["type"] == "answer"


@pytest.mark.parametrize(
    ("language", "retry"),
    [(Language.EN, "send it again"), (Language.ZH, "请稍后重新发送")],
)
def test_busy_error_message_names_conversation(
    impatient_agent: SupportAgent, data_dir: Path, language: Language, retry: str
) -> None:
    with conversation_held_elsewhere(data_dir, "default", "turns-busy-message"):
        with pytest.raises(ConversationBusyError) as caught:
            impatient_agent.ask(FIRST_QUESTION, USER, "turns-busy-message")

    message = translate(f"error_{caught.value.code}", language, **caught.value.params)
    assert "turns-busy-message" in message
    assert retry in message


def test_nested_hold_in_one_thread_does_not_wait(tmp_path: Path) -> None:
    locks = ConversationLocks(tmp_path / "locks", timeout_seconds=BUSY_TIMEOUT_SECONDS)

    with locks.hold("default", "nested"), locks.hold("default", "nested"):
        held_files = list((tmp_path / "locks").iterdir())

    assert len(held_files) == 1
    assert list((tmp_path / "locks").iterdir()) == [], "the lock file is removed on release"


def test_hold_in_other_thread_times_out(tmp_path: Path) -> None:
    locks = ConversationLocks(tmp_path / "locks", timeout_seconds=BUSY_TIMEOUT_SECONDS)

    def hold_again() -> None:
        with locks.hold("default", "threads"):
            pass

    with locks.hold("default", "threads"):
        [result] = run_at_once([hold_again])

    assert isinstance(result, ConversationBusyError)
    with locks.hold("default", "threads"):
        pass
