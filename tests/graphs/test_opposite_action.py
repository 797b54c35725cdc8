"""A reply says so when the best page describes the opposite of the action asked for."""

from __future__ import annotations

import pytest

from assistant.domain import Language
from graphs.support.opposite_action import OppositeAction, find_opposite_action
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-7", role="member", product_version="3.4")


@pytest.mark.parametrize(
    ("question", "passage", "language", "expected"),
    [
        (
            "两步验证怎么关？",
            "进入 账号安全 > 两步验证，点击 开启。",
            Language.ZH,
            OppositeAction(requested="关闭", described="开启"),
        ),
        (
            "How do I disable 2FA?",
            "Open Security and click **Enable**.",
            Language.EN,
            OppositeAction(requested="turning it off", described="turning it on"),
        ),
        (
            "How do I remove a guest from a project?",
            "Click **Invite** and add the guest's email address.",
            Language.EN,
            OppositeAction(requested="removing", described="adding"),
        ),
        (
            "How do I turn off quiet hours?",
            "Mentions cannot be turned off.\n1. In **Notifications**, turn on **Quiet hours**.",
            Language.EN,
            OppositeAction(requested="turning it off", described="turning it on"),
        ),
        (
            "怎么关闭免打扰时段？",
            "1. 在 **通知设置** 中打开 **免打扰时段**。",
            Language.ZH,
            OppositeAction(requested="关闭", described="开启"),
        ),
        (
            "怎么关闭免打扰时段？",
            "@ 提醒无法关闭。\n1. 在 **通知设置** 中开启 **免打扰时段**。",
            Language.ZH,
            OppositeAction(requested="关闭", described="开启"),
        ),
    ],
    ids=[
        "zh-off-vs-on",
        "en-off-vs-on",
        "en-remove-vs-add",
        "en-cannot-be-turned-off",
        "zh-opened-setting",
        "zh-cannot-be-turned-off",
    ],
)
def test_passage_about_the_other_action_is_reported(
    question: str, passage: str, language: Language, expected: OppositeAction
) -> None:
    assert find_opposite_action(question, passage, language) == expected


@pytest.mark.parametrize(
    ("question", "passage", "language"),
    [
        ("怎么关闭邮件通知？", "打开 设置 > 通知，关闭 邮件通知。", Language.ZH),
        ("How do I turn off email?", "Turn it on or off under Settings.", Language.EN),
        ("关于两步验证的说明在哪？", "点击 开启。", Language.ZH),
        ("怎么开发插件？", "关闭 插件 后重启。", Language.ZH),
        ("How do I export tasks?", "Click Enable export.", Language.EN),
        ("How do I turn off email?", "点击 开启。", Language.EN),
        ("怎么关闭免打扰时段？", "打开 **通知设置**，找到 免打扰时段。", Language.ZH),
    ],
    ids=[
        "passage-has-both",
        "en-both",
        "zh-guanyu-not-a-verb",
        "zh-kaifa-not-a-verb",
        "no-action",
        "other-language",
        "zh-opened-page-is-no-switch",
    ],
)
def test_matching_passage_gets_no_report(question: str, passage: str, language: Language) -> None:
    assert find_opposite_action(question, passage, language) is None


@pytest.fixture
def agent(sample_agent: SupportAgent) -> SupportAgent:
    return sample_agent


@pytest.mark.parametrize(
    ("question", "notice"),
    [
        ("两步验证怎么关？", "帮助中心没有写到“关闭”的方法"),
        ("How do I turn off two-factor authentication?", "does not describe turning it off"),
    ],
)
def test_turning_off_2fa_gets_notice(agent: SupportAgent, question: str, notice: str) -> None:
    # The sample KB explains how to turn 2FA on and how to recover it, never how to turn it off.
    reply = agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer"
    assert notice in reply["answer"]


@pytest.mark.parametrize(
    "question", ["怎么开启两步验证？", "How do I enable two-factor authentication?"]
)
def test_question_matching_the_steps_gets_no_notice(agent: SupportAgent, question: str) -> None:
    answer = agent.ask(question, MEMBER).to_json()["answer"]

    assert "帮助中心没有写到" not in answer
    assert "does not describe" not in answer


def test_actions_reported_as_done_are_no_request() -> None:
    passage_en = "To stop using SSO, click **Disable SSO**."
    passage_zh = "点击 **停用单点登录** 即可关闭。"

    done_en = "I turned on SSO, but users still sign in with passwords."
    assert find_opposite_action(done_en, passage_en, Language.EN) is None
    done_zh = "我开启了单点登录，但成员还是用密码登录。"
    assert find_opposite_action(done_zh, passage_zh, Language.ZH) is None
