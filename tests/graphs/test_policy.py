"""The routing policy table, independent of the classifier's scores."""

from __future__ import annotations

import pytest

from assistant.domain import ActionType, Intent, Language
from graphs.support.module_detection import detect_module
from graphs.support.policy import (
    TICKET_PLANS,
    ActionReason,
    decide,
    is_unsolved_follow_up,
    leaves_kb_unanswered,
    names_topic,
    reason_text,
)
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MIN = 0.35


@pytest.mark.parametrize(
    ("intent", "intent_confidence", "retrieval", "clarifications", "tokens", "expected"),
    [
        (Intent.HOW_TO, 0.9, 0.8, 0, 5, ActionType.ANSWER),
        (Intent.TROUBLESHOOTING, 0.9, 0.1, 0, 3, ActionType.CLARIFY),
        (Intent.TROUBLESHOOTING, 0.9, 0.1, 0, 12, ActionType.OPEN_TICKET),
        (Intent.PERMISSIONS, 0.9, 0.1, 1, 3, ActionType.OPEN_TICKET),
        (Intent.BUG_REPORT, 0.9, 0.9, 0, 9, ActionType.OPEN_TICKET),
        (Intent.OUTAGE, 0.9, 0.0, 0, 4, ActionType.ESCALATE),
        (Intent.DATA_LOSS_SECURITY, 0.9, 0.0, 0, 4, ActionType.ESCALATE),
        (Intent.BILLING, 0.9, 0.9, 0, 4, ActionType.HANDOFF),
        (Intent.HUMAN_HANDOFF, 0.9, 0.0, 0, 1, ActionType.HANDOFF),
        (Intent.FEATURE_REQUEST, 0.9, 0.9, 0, 6, ActionType.OPEN_TICKET),
        (Intent.OUT_OF_SCOPE, 0.95, 0.0, 0, 3, ActionType.REFUSE),
        (Intent.OUT_OF_SCOPE, 0.4, 0.0, 0, 3, ActionType.CLARIFY),
        (Intent.OUT_OF_SCOPE, 0.4, 0.0, 1, 3, ActionType.OPEN_TICKET),
        (Intent.GREETING, 0.9, 0.0, 0, 1, ActionType.ANSWER),
        (Intent.FEEDBACK, 0.9, 0.0, 0, 5, ActionType.ANSWER),
    ],
    ids=lambda value: value.value if isinstance(value, Intent | ActionType) else None,
)
def test_decide_routes_each_case(
    intent: Intent,
    intent_confidence: float,
    retrieval: float,
    clarifications: int,
    tokens: int,
    expected: ActionType,
) -> None:
    action, reason, detail = decide(
        intent, intent_confidence, retrieval, MIN, clarifications, tokens
    )

    assert action is expected, detail
    assert reason in ActionReason
    assert detail


@pytest.mark.parametrize(
    ("message", "unsolved"),
    [
        ("It still does not work", True),
        ("还是不行", True),
        ("没有解决", True),
        ("thanks, that worked", False),
        ("怎么导出甘特图", False),
    ],
)
def test_unsolved_follow_up_markers(message: str, unsolved: bool) -> None:
    assert is_unsolved_follow_up(message) is unsolved


@pytest.mark.parametrize(
    ("message", "module"),
    [
        ("The Gantt export crashes with error 500 since 3.4", "gantt"),
        ("看板拖拽卡片失败", "boards"),
        ("I was charged twice this month", "billing"),
        ("Webhook deliveries to our endpoint fail", "integrations"),
        ("转人工", None),
    ],
)
def test_detect_module_from_message_terms(message: str, module: str | None) -> None:
    assert detect_module(message) == module


@pytest.mark.parametrize(
    ("intent", "intent_confidence", "retrieval", "clarifications", "tokens", "unanswered"),
    [
        (Intent.HOW_TO, 0.9, 0.8, 0, 5, False),
        (Intent.TROUBLESHOOTING, 0.9, 0.1, 0, 3, True),
        (Intent.TROUBLESHOOTING, 0.9, 0.1, 0, 12, True),
        (Intent.PERMISSIONS, 0.9, 0.1, 1, 3, True),
        (Intent.BUG_REPORT, 0.9, 0.1, 0, 9, False),
        (Intent.BILLING, 0.9, 0.1, 0, 4, False),
        (Intent.OUT_OF_SCOPE, 0.4, 0.0, 0, 3, False),
        (Intent.OUT_OF_SCOPE, 0.4, 0.0, 1, 3, False),
        (Intent.GREETING, 0.9, 0.0, 0, 1, False),
    ],
    ids=[
        "confident-answer",
        "clarify-low-confidence",
        "ticket-low-confidence",
        "ticket-after-clarifying",
        "bug-report",
        "billing",
        "unsure-out-of-scope",
        "still-unclear",
        "greeting",
    ],
)
def test_kb_unanswered_follows_decision(
    intent: Intent,
    intent_confidence: float,
    retrieval: float,
    clarifications: int,
    tokens: int,
    unanswered: bool,
) -> None:
    action, reason, _ = decide(intent, intent_confidence, retrieval, MIN, clarifications, tokens)

    assert leaves_kb_unanswered(intent.value, action.value, reason.value) is unanswered


@pytest.mark.parametrize(
    ("intent", "reason", "unanswered"),
    [
        (Intent.HOW_TO, ActionReason.MODEL_FOUND_NO_ANSWER, True),
        (Intent.TROUBLESHOOTING, ActionReason.PREVIOUS_ANSWER_UNSOLVED, False),
        (Intent.HOW_TO, ActionReason.DETAILS_ADDED, False),
    ],
    ids=["model-no-answer", "did-not-help", "details-added"],
)
def test_kb_unanswered_on_ticket_after_decision(
    intent: Intent, reason: ActionReason, unanswered: bool
) -> None:
    action = ActionType.OPEN_TICKET.value

    assert leaves_kb_unanswered(intent.value, action, reason.value) is unanswered


@pytest.mark.parametrize("reason", list(ActionReason), ids=str)
def test_reason_text_in_both_languages(reason: ActionReason) -> None:
    english = reason_text(reason, Language.EN)
    chinese = reason_text(reason.value, Language.ZH)

    assert english.isascii(), english
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese), chinese


def test_reason_text_rejects_unknown_code() -> None:
    with pytest.raises(ValueError, match="not_a_reason"):
        reason_text("not_a_reason", Language.EN)


def test_ticket_plans_have_distinct_reasons() -> None:
    reasons = [plan.reason for plan in TICKET_PLANS.values()]

    assert len(set(reasons)) == len(reasons)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("转人工", False),
        ("人工客服", False),
        ("talk to a human", False),
        ("agent please", False),
        ("在吗？转人工客服，谢谢", False),
        ("还是不行，请转人工。", False),
        ("hi", False),
        ("How do I set up SSO?", True),
        ("I can't log in, talk to a human", True),
        ("I was charged twice, agent please", True),
        ("帮我转人工，甘特图导不出来", True),
    ],
)
def test_names_topic(message: str, expected: bool) -> None:
    assert names_topic(message) is expected


@pytest.mark.parametrize(
    "intent", [Intent.DATA_LOSS_SECURITY, Intent.OUTAGE, Intent.BUG_REPORT, Intent.BILLING]
)
def test_message_without_words_is_clarified_not_routed(intent: Intent) -> None:
    first = decide(intent, 0.4, 0.0, MIN, clarifications=0, tokens=0)
    second = decide(intent, 0.4, 0.0, MIN, clarifications=1, tokens=0)

    assert (first.action, first.reason) == (ActionType.CLARIFY, ActionReason.QUESTION_TOO_VAGUE)
    assert (second.action, second.reason) == (ActionType.OPEN_TICKET, ActionReason.STILL_UNCLEAR)


def test_wordless_handoff_still_handed_off() -> None:
    decision = decide(Intent.HUMAN_HANDOFF, 0.9, 0.0, MIN, clarifications=0, tokens=0)

    assert decision.action is ActionType.HANDOFF


def test_filler_words_do_not_page_security(sample_agent: SupportAgent) -> None:
    reply = sample_agent.ask("的 了 吗", UserContext(id="u-1", role="member")).to_json()

    assert reply["action"]["type"] == "clarify", reply["answer"]
    assert reply["action"]["ticket"] is None
