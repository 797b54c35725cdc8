"""Questions that describe quiet hours by their effect, without naming the setting, are answered
from the quiet-hours section of the sample KB's notification settings page."""

from __future__ import annotations

import pytest

from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
SETTINGS_PAGE = "{language}/notifications/notification-settings.md"
QUIET_HOURS_STEP = {"en": "turn on **Quiet hours**", "zh": "打开 **免打扰时段**"}
"""First step of the quiet-hours section: a reply contains it only when it quotes the section."""
CHINESE_QUESTIONS = [
    "晚上不想收到邮件怎么办",
    "不要在晚上发邮件给我",
    "关闭夜间邮件提醒",
    "下班后不想收到通知",
    "晚上能不能别给我发通知",
]
ENGLISH_QUESTIONS = [
    "how do I stop getting emails at night",
    "how do I stop push notifications at night",
    "how can I pause notifications overnight",
    "no emails in the evening please, how do I set that up",
]


@pytest.mark.parametrize(
    ("question", "language"),
    [(question, "zh") for question in CHINESE_QUESTIONS]
    + [(question, "en") for question in ENGLISH_QUESTIONS],
)
def test_quiet_hours_paraphrase_answered_with_steps(
    sample_agent: SupportAgent, question: str, language: str
) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()
    cited = [citation["doc"] for citation in reply["citations"]]

    assert reply["language"] == language
    assert reply["action"]["type"] == "answer", reply["action"]
    assert SETTINGS_PAGE.format(language=language) in cited, cited
    assert QUIET_HOURS_STEP[language] in reply["answer"], reply["answer"]


@pytest.mark.parametrize("question", CHINESE_QUESTIONS)
def test_chinese_paraphrase_cites_settings_first(sample_agent: SupportAgent, question: str) -> None:
    # The SSO page was once cited first, because its text contains 收到…邮件 and its SAML
    # attribute `email` matches the English translation of 邮件.
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["citations"][0]["doc"] == SETTINGS_PAGE.format(language="zh"), reply["citations"]
