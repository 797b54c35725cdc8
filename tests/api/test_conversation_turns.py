"""Chat requests of one conversation run one after another, on one server and across two.

A request that cannot get its conversation in time gets 409 `conversation_busy`, while requests
of other conversations are answered meanwhile.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.i18n import translate
from assistant.settings import Settings
from graphs.support.checkpoints import open_checkpoints
from tests.api.conftest import Server, _start_server, _stop_server
from tests.concurrency import conversation_held_elsewhere, raise_first_error, run_at_once

FIRST_QUESTION = "How do I set a due date and assignee on a task?"
RACE_QUESTIONS = (
    "How do I start a timer to track time on a task?",
    "How do I invite a guest to a project?",
)
"""Two questions that the KB answers, so neither request opens a ticket."""
ROUNDS = 3
BUSY_TIMEOUT_SECONDS = 3.0
"""Lock timeout of `busy_server`: much longer than a warm turn, short enough for a test."""


@pytest.fixture(scope="module")
def busy_server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """A second server on the same data that waits BUSY_TIMEOUT_SECONDS for a conversation."""
    env = {
        "ASSISTANT_API_RATE_BURST": "1000",
        "ASSISTANT_API_RATE_PER_SECOND": "1000",
        "ASSISTANT_CONVERSATION_LOCK_TIMEOUT_SECONDS": str(BUSY_TIMEOUT_SECONDS),
    }
    process, base_url = _start_server(api_data_dir, env)
    server = Server(base_url=base_url, keys=api_keys)
    # The first request builds the agent, which takes seconds; the tests time warm turns.
    _chat(server, FIRST_QUESTION, f"warm-up-{uuid.uuid4().hex[:8]}").raise_for_status()
    yield server
    _stop_server(process)


def _chat(server: Server, message: str, conversation_id: str, language: str = "en") -> Any:
    body = {"message": message, "conversation_id": conversation_id, "user": {"id": "turns-user"}}
    with server.client("default-widget", language) as client:
        return client.post("/v1/chat", params={"stream": "false"}, json=body)


def _answer(server: Server, message: str, conversation_id: str) -> str:
    response: httpx.Response = _chat(server, message, conversation_id)
    response.raise_for_status()
    answer: str = response.json()["answer"]
    return answer


def _transcript(data_dir: Path, conversation_id: str) -> list[dict[str, str]]:
    connection, saver = open_checkpoints(Settings(data_dir=data_dir).checkpoint_path)
    with closing(connection):
        saved = saver.get_tuple({"configurable": {"thread_id": f"default/{conversation_id}"}})
    assert saved is not None, f"conversation {conversation_id} was not saved"
    transcript: list[dict[str, str]] = saved.checkpoint["channel_values"]["transcript"]
    return transcript


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_parallel_requests_keep_both_turns(
    server: Server, twin_server: Server, api_data_dir: Path, round_number: int
) -> None:
    conversation_id = f"parallel-turns-{round_number}-{uuid.uuid4().hex[:8]}"
    _answer(server, FIRST_QUESTION, conversation_id)
    calls = [
        partial(_answer, target, question, conversation_id)
        for target, question in zip([server, twin_server], RACE_QUESTIONS, strict=True)
    ]

    answers = raise_first_error(run_at_once(calls))

    transcript = _transcript(api_data_dir, conversation_id)
    assert [turn["role"] for turn in transcript] == ["user", "assistant"] * 3
    assert transcript[0]["content"] == FIRST_QUESTION
    by_question = dict(zip(RACE_QUESTIONS, answers, strict=True))
    later = transcript[2:]
    assert sorted(turn["content"] for turn in later[::2]) == sorted(RACE_QUESTIONS)
    for question_turn, answer_turn in zip(later[::2], later[1::2], strict=True):
        assert answer_turn["content"] == by_question[question_turn["content"]]


@pytest.mark.parametrize(
    ("language", "retry"), [("en", "send it again"), ("zh", "请稍后重新发送")], ids=["en", "zh"]
)
def test_busy_conversation_returns_conflict(
    busy_server: Server, api_data_dir: Path, language: str, retry: str
) -> None:
    conversation_id = f"busy-{language}-{uuid.uuid4().hex[:8]}"

    with conversation_held_elsewhere(api_data_dir, "default", conversation_id):
        response = _chat(busy_server, FIRST_QUESTION, conversation_id, language)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conversation_busy"
    expected = translate(
        "error_conversation_busy",
        language,
        conversation_id=conversation_id,
        seconds=f"{BUSY_TIMEOUT_SECONDS:g}",
    )
    assert error["message"] == expected
    assert retry in error["message"]


def test_other_conversation_answers_while_one_waits(
    busy_server: Server, api_data_dir: Path
) -> None:
    waiting_id = f"waiting-{uuid.uuid4().hex[:8]}"
    finished: dict[str, float] = {}

    def post_waiting() -> None:
        _chat(busy_server, FIRST_QUESTION, waiting_id)
        finished["waiting"] = time.monotonic()

    with conversation_held_elsewhere(api_data_dir, "default", waiting_id):
        waiting = threading.Thread(target=post_waiting)
        started = time.monotonic()
        waiting.start()
        # Long enough for the waiting request to reach the conversation lock.
        time.sleep(BUSY_TIMEOUT_SECONDS / 4)
        answer = _answer(busy_server, RACE_QUESTIONS[0], f"free-{uuid.uuid4().hex[:8]}")
        answered = time.monotonic()
        waiting.join(timeout=BUSY_TIMEOUT_SECONDS * 10)

    assert answer
    assert answered - started < BUSY_TIMEOUT_SECONDS, "the free conversation did not wait"
    assert finished["waiting"] - started >= BUSY_TIMEOUT_SECONDS
