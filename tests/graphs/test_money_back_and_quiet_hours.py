"""Money-back questions are handed to billing, and quiet-hours questions are not refused."""

from __future__ import annotations

import pytest

from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")


@pytest.mark.parametrize("question", ["怎么把钱退回来", "怎么拿回我的钱", "我多付了钱，怎么要回来"])
def test_money_back_handed_to_billing(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["intent"]["name"] == "billing"
    assert reply["action"]["type"] == "handoff"
    assert reply["action"]["reason_code"] == "billing_needs_person"


@pytest.mark.parametrize(
    "question", ["how do I stop getting emails at night", "晚上不想收到邮件怎么办"]
)
def test_quiet_hours_question_not_refused(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["intent"]["name"] == "how_to"
    assert reply["action"]["type"] in {"answer", "clarify"}, reply["action"]
