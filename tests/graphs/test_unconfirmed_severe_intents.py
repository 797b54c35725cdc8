"""How-to questions that the classifier only guesses are severe get answered or clarified,
while real outage, data loss and handoff messages still reach people."""

from __future__ import annotations

import pytest

from assistant.domain import Intent
from graphs.support.policy import (
    SEVERE_MIN_INTENT_CONFIDENCE,
    SEVERE_QUESTION_MIN_INTENT_CONFIDENCE,
    is_unconfirmed_severe,
)
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
PAGING_ACTIONS = {"escalate", "handoff"}


@pytest.mark.parametrize(
    "question",
    [
        "how do I delete my account",
        "does it work offline",
        "can I get notified on my phone?",
        "How can I erase my profile for good?",
        "is it possible to use the app while offline",
    ],
)
def test_unsure_severe_question_not_paged(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] not in PAGING_ACTIONS, reply["action"]
    assert reply["action"]["type"] in {"answer", "clarify"}, reply["action"]
    assert reply["action"]["ticket"] is None
    assert reply["intent"]["name"] == Intent.HOW_TO.value


@pytest.mark.parametrize(
    ("message", "action", "reason_code"),
    [
        ("The whole site is down, nobody can log in", "escalate", "outage_escalated"),
        ("we lost all our tasks after the import", "escalate", "security_escalated"),
        ("someone accessed our account", "escalate", "security_escalated"),
        ("talk to a human", "handoff", "person_requested"),
        (
            "Our whole workspace is unreachable, every page times out",
            "escalate",
            "outage_escalated",
        ),
        ("I need a real person, please", "handoff", "person_requested"),
    ],
)
def test_real_severe_report_still_routed(
    sample_agent: SupportAgent, message: str, action: str, reason_code: str
) -> None:
    reply = sample_agent.ask(message, MEMBER).to_json()

    assert reply["action"]["type"] == action
    assert reply["action"]["reason_code"] == reason_code
    assert reply["action"]["ticket"] is not None


@pytest.mark.parametrize(
    ("intent", "confidence", "message", "unconfirmed"),
    [
        (Intent.OUTAGE, SEVERE_QUESTION_MIN_INTENT_CONFIDENCE, "is the site down?", False),
        (Intent.OUTAGE, 0.7, "does it work offline", True),
        (Intent.DATA_LOSS_SECURITY, 0.35, "how do I delete my account", True),
        (Intent.DATA_LOSS_SECURITY, 0.35, "all tasks gone after the sync", False),
        (Intent.DATA_LOSS_SECURITY, SEVERE_MIN_INTENT_CONFIDENCE, "someone got in", False),
        (Intent.HUMAN_HANDOFF, 0.3, "what is the budget of project X", True),
        (Intent.HOW_TO, 0.1, "how do I delete my account", False),
    ],
)
def test_unconfirmed_severe_rule(
    intent: Intent, confidence: float, message: str, unconfirmed: bool
) -> None:
    assert is_unconfirmed_severe(intent, confidence, message) is unconfirmed


def test_unconfirmed_report_opens_ordinary_ticket(sample_agent: SupportAgent) -> None:
    # The classifier guesses a handoff with low confidence for this tenant-data question.
    message = "What is the budget of the Acme Gantt migration project PROJECT-KESTREL-4471?"

    reply = sample_agent.ask(message, MEMBER).to_json()

    assert reply["action"]["type"] == "open_ticket", reply["action"]
    assert reply["action"]["reason_code"] == "unconfirmed_severe_intent"
