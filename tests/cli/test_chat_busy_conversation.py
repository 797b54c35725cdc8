"""`assistant chat --conversation ID` while another process runs a turn of that conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.concurrency import conversation_held_elsewhere

BUSY_ENV = {"ASSISTANT_CONVERSATION_LOCK_TIMEOUT_SECONDS": "0.5"}


@pytest.mark.parametrize(
    ("lang", "question", "expected"),
    [
        (
            "en_US.UTF-8",
            "How do I create a board?",
            "Error: conversation 'cli-busy-en' is busy: waiting for another message of it to be "
            "answered timed out after 0.5 s",
        ),
        ("zh_CN.UTF-8", "如何创建看板？", "错误：会话“cli-busy-zh”正忙"),
    ],
    ids=["en", "zh"],
)
def test_chat_on_busy_conversation_asks_to_retry(
    data_dir: Path, lang: str, question: str, expected: str
) -> None:
    conversation_id = f"cli-busy-{lang[:2]}"

    with conversation_held_elsewhere(data_dir, "default", conversation_id):
        result = run_cli(
            data_dir,
            "chat",
            "--conversation",
            conversation_id,
            stdin=question.encode() + b"\n",
            lang=lang,
            env=BUSY_ENV,
        )

    stdout = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert expected in stdout
