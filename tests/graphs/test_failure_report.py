"""A reported failure that the KB only describes as a working feature goes to L2 as a ticket."""

from __future__ import annotations

import pytest

from graphs.support.failure_report import (
    asks_for_remedy,
    failure_not_documented,
    quoted_errors,
    remedy_already_tried,
    reports_failure,
    speaks_of_failure,
)
from graphs.support.service import SupportAgent
from graphs.support.state import Hit, UserContext
from tests.factories import make_hit

MEMBER = UserContext(id="u-7", role="member", product_version="3.4")


@pytest.mark.parametrize(
    "message",
    [
        "I turned on email notifications for the series, but no email arrived.",
        "I set the default role to Editor, but invited people still join as Viewer.",
        "They never received the reminder.",
        "The board page shows 404 Not Found. Is that normal?",
        "我为会议开启了邮件通知，但没有收到任何邮件。",
        "打开看板时页面显示“404 未找到”。这正常吗？",
    ],
)
def test_failure_messages_are_detected(message: str) -> None:
    assert reports_failure(message)


@pytest.mark.parametrize(
    "message",
    ["I set the default role to Editor for new members.", "我开启了会议的邮件通知。"],
)
def test_plain_statements_report_no_failure(message: str) -> None:
    assert not reports_failure(message)


@pytest.mark.parametrize(
    "message",
    [
        "Outside contributors get a 404. How do we make the project visible to them?",
        "The sync stopped. What's wrong?",
        "I can't add a guest to the board.",
        "I\u2019m unable to add a guest, and the invitation does nothing.",
        "议题无法设置里程碑，为什么？",
    ],
)
def test_questions_about_failures_request_remedy(message: str) -> None:
    assert asks_for_remedy(message)


def test_remedy_that_failed_too_is_no_request() -> None:
    message = "The GitHub sync fails, and reconnecting it fails too. What now?"

    assert reports_failure(message)
    assert not asks_for_remedy(message)
    assert not asks_for_remedy("GitHub 同步失败，重新授权也失败。我该怎么处理？")


@pytest.mark.parametrize(
    ("message", "tried"),
    [
        ("Reconnecting fails too, the sync log still shows INT-401.", True),
        ("重新授权也失败了，同步日志里还是 INT-401。", True),
        ("I already tried reconnecting, but the sync still fails.", True),
        ("I already reconnected GitHub but the sync still fails", True),
        ("I checked the spam folder as the article says but I still don't get emails", True),
        ("我已经重新授权 GitHub 了，但是同步还是失败", True),
        ("我已经按文档点了重新连接，还是失败", True),
        # Asks a question, reports no failure.
        ("我已经开启了两步验证，还是每次都要输入验证码吗？", False),
        # Tried and it worked: no failure left.
        ("试过了，现在可以了，谢谢", False),
        ("The GitHub sync fails with INT-401.", False),
    ],
    ids=[
        "en-fails-too",
        "zh-fails-too",
        "en-already-tried",
        "en-already-still",
        "en-as-the-article-says",
        "zh-already-still",
        "zh-per-the-docs",
        "zh-already-asks",
        "zh-tried-and-works",
        "en-no-try",
    ],
)
def test_failure_after_the_usual_fix_is_detected(message: str, tried: bool) -> None:
    assert remedy_already_tried(message) is tried


@pytest.mark.parametrize(
    "message",
    [
        "Reconnecting fails too, the sync log still shows INT-401.",
        "重新授权也失败了，同步日志里还是 INT-401。",
    ],
    ids=["en", "zh"],
)
def test_failure_after_the_documented_fix_opens_l2_ticket(
    sample_agent: SupportAgent, message: str
) -> None:
    # The KB documents INT-401, and its fix is the reconnecting the user already tried.
    reply = sample_agent.ask(message, MEMBER).to_json()

    assert reply["action"]["type"] == "open_ticket", reply["answer"]
    assert reply["action"]["reason_code"] == "remedy_already_tried"
    ticket = reply["action"]["ticket"]
    assert ticket is not None
    assert ticket["tier"] == "L2"
    assert ticket["id"] in reply["answer"]
    assert "steps to reproduce" in reply["answer"] or "复现步骤" in reply["answer"]


def test_failure_words_make_a_passage_about_a_failure() -> None:
    assert speaks_of_failure("If the email does not arrive, check the spam folder.")
    assert speaks_of_failure("收不到通知怎么办")
    assert not speaks_of_failure("Guests can view tasks but cannot edit them.")
    assert not speaks_of_failure("访客无法编辑任务。")


def test_quoted_errors_codes_and_phrases() -> None:
    codes, phrases = quoted_errors("Sign-in fails with 'Account is locked' (AUTH-423).")

    assert codes == {"AUTH-423"}
    assert phrases == [["account", "lock"]]
    # Apostrophes of "can't" and "what's" open no quote, and a quoted button name is no error.
    assert quoted_errors("I can't find what's wrong, and 'Save' does nothing.") == (set(), [])


def _hit(text: str, title: str = "Notifications") -> Hit:
    return make_hit("en/notifications.md", text, title=title, heading_path=[title])


def test_undocumented_failure_has_no_covering_passage() -> None:
    message = "I turned on the weekly digest, but no digest arrived."
    feature = _hit("Turn on the weekly digest in Project settings. The digest lists all events.")
    remedy = _hit("If a digest does not arrive, check the quiet hours.")

    assert failure_not_documented(message, [feature], "en")
    assert not failure_not_documented(message, [feature, remedy], "en")
    assert not failure_not_documented("How do I turn on the weekly digest?", [feature], "en")


def test_quoted_error_needs_a_chunk_that_mentions_it() -> None:
    message = "Sign-in fails with 'Session token rejected' since yesterday."
    other_failure = _hit("Sign-in fails after 5 attempts: wait 15 minutes.", title="Sign in")
    same_error = _hit('"Session token rejected" means your session ended: sign in again.')

    assert failure_not_documented(message, [other_failure], "en")
    assert not failure_not_documented(message, [other_failure, same_error], "en")
    coded = "The sync log shows INT-404 since the repository moved."
    assert not failure_not_documented(coded, [_hit("INT-404: the repository was renamed.")], "en")


@pytest.mark.parametrize(
    "message",
    [
        "I set the default role of new members to Editor, but invitees still join as Viewer.",
        "我在 IP 白名单里加了办公室的地址，但审计日志里没有这条变更记录。",
    ],
)
def test_undocumented_failure_opens_l2_ticket(sample_agent: SupportAgent, message: str) -> None:
    reply = sample_agent.ask(message, MEMBER).to_json()

    assert reply["action"]["type"] == "open_ticket"
    assert reply["action"]["reason_code"] == "failure_not_documented"
    ticket = reply["action"]["ticket"]
    assert ticket is not None
    assert ticket["tier"] == "L2"
    assert ticket["id"] in reply["answer"]
    assert reply["citations"] == []
    # The reply asks for what a specialist needs to reproduce it.
    assert "steps to reproduce" in reply["answer"] or "复现步骤" in reply["answer"]


def test_failure_the_kb_troubleshoots_is_answered(sample_agent: SupportAgent) -> None:
    # The Gantt troubleshooting page has a section for exactly this.
    reply = sample_agent.ask(
        "When I move a predecessor task the dependent task does not move", MEMBER
    ).to_json()

    assert reply["action"]["type"] == "answer"
    assert any("gantt-troubleshooting" in c["doc"] for c in reply["citations"])


def test_failure_with_a_how_question_is_answered(sample_agent: SupportAgent) -> None:
    reply = sample_agent.ask(
        "I set my profile language to Chinese, but the menus are still in English. "
        "How do I change the language?",
        MEMBER,
    ).to_json()

    assert reply["action"]["type"] == "answer"
