"""Questions in words the KB never uses get a clarifying question that names the words."""

from __future__ import annotations

import pytest

from assistant.domain import ActionType, Intent, Language
from assistant.i18n import translate
from graphs.support.compose import compose_clarify
from graphs.support.policy import (
    MIN_SURE_INTENT_CONFIDENCE,
    VAGUE_MESSAGE_MAX_TOKENS,
    ActionReason,
    decide,
)
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
MIN_CONFIDENCE = 0.35


@pytest.fixture
def agent(sample_agent: SupportAgent) -> SupportAgent:
    return sample_agent


@pytest.mark.parametrize(
    ("question", "language", "named"),
    [
        ("量子通量电容器怎么和木星集成？", "zh", "“量子通量电容器”、“木星”"),
        (
            "请问怎么把量子纠缠态的叠加系数和薛定谔方程导入进来？",
            "zh",
            "“量子纠缠”、“叠加系数”、“薛定谔方程”",
        ),
        (
            "How do I configure the quantum flux capacitor integration for Jupiter?",
            "en",
            '"quantum", "flux", "capacitor", "Jupiter"',
        ),
    ],
    ids=["zh-short", "zh-long", "en"],
)
def test_unknown_words_question_gets_clarifying_question(
    agent: SupportAgent, question: str, language: str, named: str
) -> None:
    reply = agent.ask(question, MEMBER).to_json()

    assert reply["language"] == language
    assert reply["action"]["type"] == "clarify"
    assert reply["action"]["reason_code"] == "unknown_terms"
    assert reply["action"]["reason"] == translate("action_reason_unknown_terms", language)
    assert reply["action"]["ticket"] is None
    assert reply["citations"] == []
    assert reply["answer"] == translate("clarify_unknown_terms", language, words=named)


def test_long_unknown_words_question_gets_no_ticket(agent: SupportAgent) -> None:
    # More search tokens than a vague question has, so before unknown words were a reason of
    # their own, it went to an L2 ticket.
    question = "How do I configure the quantum flux capacitor integration for Jupiter and Saturn?"

    reply = agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "clarify"
    assert reply["action"]["reason_code"] == "unknown_terms"
    assert '"Saturn"' in reply["answer"]


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("头像最大多大？", "zh/account/profile-language-timezone.md"),
        ("怎么导出任务？", "zh/admin/workspace-export-and-deletion.md"),
        ("两步验证怎么关？", "zh/account/sign-in-password-2fa.md"),
        ("审计日志保存多长时间", "zh/admin/audit-log.md"),
        ("经典看板最多能有几列？", "zh/boards/kanban-boards.md"),
        ("基线能存几个", "zh/gantt/gantt-baselines.md"),
    ],
)
def test_real_short_chinese_questions_are_answered(
    agent: SupportAgent, question: str, page: str
) -> None:
    reply = agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert page in [citation["doc"] for citation in reply["citations"]]


def test_unknown_words_clarify_whatever_the_length() -> None:
    decision = decide(
        Intent.HOW_TO, 0.9, 0.0, MIN_CONFIDENCE, 0, VAGUE_MESSAGE_MAX_TOKENS + 5, unknown_terms=3
    )

    assert decision.action is ActionType.CLARIFY
    assert decision.reason is ActionReason.UNKNOWN_TERMS


def test_unknown_words_outrank_unsure_intent() -> None:
    unsure = MIN_SURE_INTENT_CONFIDENCE / 2

    decision = decide(Intent.OUT_OF_SCOPE, unsure, 0.0, MIN_CONFIDENCE, 0, 4, unknown_terms=4)

    assert decision.action is ActionType.CLARIFY
    assert decision.reason is ActionReason.UNKNOWN_TERMS


def test_unknown_words_after_clarifying_open_ticket() -> None:
    decision = decide(Intent.HOW_TO, 0.9, 0.0, MIN_CONFIDENCE, 1, 4, unknown_terms=2)

    assert decision.action is ActionType.OPEN_TICKET
    assert decision.reason is ActionReason.KB_ANSWER_NOT_FOUND


def test_short_question_without_unknown_words_is_too_vague() -> None:
    decision = decide(Intent.HOW_TO, 0.9, 0.1, MIN_CONFIDENCE, 0, 3)

    assert decision.reason is ActionReason.QUESTION_TOO_VAGUE


@pytest.mark.parametrize(
    ("language", "terms", "words"),
    [
        (Language.ZH, ["冰箱", "量子计算机"], "“冰箱”、“量子计算机”"),
        (Language.EN, ["fridge", "quantum"], '"fridge", "quantum"'),
    ],
)
def test_clarify_quotes_unknown_words_in_user_language(
    language: Language, terms: list[str], words: str
) -> None:
    text = compose_clarify(language, terms)

    assert text == translate("clarify_unknown_terms", language, words=words)


def test_clarify_without_unknown_words_is_generic() -> None:
    assert compose_clarify(Language.ZH) == translate("clarify", Language.ZH)
