"""`assistant ask --json` keeps its documented fields and explains the action in the reply's
language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.i18n import translate
from graphs.support.policy import ActionReason
from tests.cli.conftest import run_cli

QUESTIONS = {
    "转人工": ("zh", ActionReason.PERSON_REQUESTED),
    "talk to a human": ("en", ActionReason.PERSON_REQUESTED),
    "如何设置甘特图基线？": ("zh", ActionReason.KB_ANSWER_FOUND),
    "How do I set up SSO?": ("en", ActionReason.KB_ANSWER_FOUND),
}
"""Each question, with the language and the reason code of its reply."""


@pytest.fixture(scope="module")
def replies(data_dir: Path) -> list[dict[str, Any]]:
    """The replies of `ask - --json` to QUESTIONS, one per stdin line, in one process."""
    stdin = "\n".join(QUESTIONS).encode() + b"\n"
    result = run_cli(data_dir, "ask", "-", "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def test_ask_json_keeps_documented_fields(replies: list[dict[str, Any]]) -> None:
    assert len(replies) == len(QUESTIONS)
    for reply in replies:
        assert {"answer", "language", "intent", "action", "citations"} <= set(reply)
        assert set(reply["intent"]) == {"name", "confidence"}
        assert {"type", "ticket"} <= set(reply["action"])
        assert isinstance(reply["citations"], list)


def test_ask_json_reason_in_reply_language(replies: list[dict[str, Any]]) -> None:
    for (question, (language, code)), reply in zip(QUESTIONS.items(), replies, strict=True):
        action = reply["action"]
        assert reply["language"] == language, question
        assert action["reason_code"] == code.value, question
        assert action["reason"] == translate(f"action_reason_{code.value}", language), question


def test_bare_code_uses_terminal_language(data_dir: Path) -> None:
    result = run_cli(data_dir, "ask", "GANTT-422", "--json", lang="zh_CN.UTF-8")

    reply = json.loads(result.stdout)
    assert reply["language"] == "zh"
    assert "5 条基线" in reply["answer"]
