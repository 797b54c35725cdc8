"""A question about an error code is answered with the lines that explain that code."""

from __future__ import annotations

import pytest

from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-8", role="member", product_version="3.4")


@pytest.mark.parametrize(
    ("question", "explanation"),
    [
        # The code is in the text, on the line before its explanation.
        ("What does INT-404 mean?", "renamed, moved, deleted"),
        ("INT-429 是什么意思？", "大批量导入"),
        # The code is only in the heading above its explanation.
        ("What does GANTT-422 mean?", "already has 5 baselines"),
    ],
)
def test_code_question_quotes_its_explanation(
    sample_agent: SupportAgent, question: str, explanation: str
) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer"
    assert explanation in reply["answer"]


def test_sibling_codes_are_not_quoted(sample_agent: SupportAgent) -> None:
    reply = sample_agent.ask("INT-429 是什么意思？", MEMBER).to_json()

    assert "INT-401" not in reply["answer"]
    assert "INT-404" not in reply["answer"]


def test_bare_code_is_answered_in_the_locale_language(sample_agent: SupportAgent) -> None:
    user = UserContext(id="u-9", role="member", product_version="3.4", locale="zh-CN")

    reply = sample_agent.ask("INT-404", user).to_json()

    assert reply["language"] == "zh"
    assert "仓库被改名" in reply["answer"]


def test_chunks_without_the_code_are_not_quoted(sample_agent: SupportAgent) -> None:
    # The baseline page's steps rank high for "GANTT", but they do not name GANTT-422.
    reply = sample_agent.ask("What does GANTT-422 mean?", MEMBER).to_json()

    assert "Save baseline" not in reply["answer"]
    assert len(reply["citations"]) == 1
