"""The action of a chat reply has a stable reason code and a reason in the reply's language."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.i18n import translate
from graphs.support.policy import ActionReason
from tests.api.conftest import Server
from tests.api.sse import parse_events
from tests.conftest import BARE_HANDOFFS, LOCALES


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _chat(server: Server, message: str, locale: str, accept_language: str) -> dict[str, Any]:
    body = {"message": message, "user": {"id": "reason-user", "locale": locale}}
    with server.client("default-widget", accept_language) as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


@pytest.mark.parametrize(("message", "language"), BARE_HANDOFFS)
def test_handoff_reason_in_reply_language(server: Server, message: str, language: str) -> None:
    reply = _chat(server, message, LOCALES[language], language)

    action = reply["action"]
    assert reply["language"] == language
    assert action["type"] == "handoff"
    assert action["reason_code"] == ActionReason.PERSON_REQUESTED.value
    assert action["reason"] == translate("action_reason_person_requested", language)
    assert _has_chinese(action["reason"]) is (language == "zh")
    assert action["ticket"]["id"]


def test_answer_reason_in_chinese(server: Server) -> None:
    reply = _chat(server, "如何给任务设置截止日期？", "zh-CN", "zh")

    action = reply["action"]
    assert action["type"] == "answer"
    assert action["reason_code"] == ActionReason.KB_ANSWER_FOUND.value
    assert action["reason"] == translate("action_reason_kb_answer_found", "zh")
    assert "retrieval confidence" not in action["reason"], "the numbers are for the logs"


def test_reason_follows_message_not_page(server: Server) -> None:
    reply = _chat(server, "How do I set up SSO?", "zh-CN", "zh")

    assert reply["language"] == "en"
    assert reply["action"]["reason"] == translate("action_reason_kb_answer_found", "en")


def test_sse_action_event_reason_in_chinese(server: Server) -> None:
    body = {"message": "转人工", "user": {"id": "reason-user", "locale": "zh-CN"}}

    with server.client("default-widget", "zh") as client:
        events = parse_events(client.post("/v1/chat", json=body).text)

    actions = [data for name, data in events if name == "action"]
    assert len(actions) == 1
    assert actions[0]["reason_code"] == ActionReason.PERSON_REQUESTED.value
    assert actions[0]["reason"] == translate("action_reason_person_requested", "zh")
    assert set(actions[0]) == {"type", "reason", "reason_code", "ticket"}
