"""Chat messages pasted with terminal escape sequences or zero-width characters."""

from __future__ import annotations

import pytest

from tests.api.conftest import Server


@pytest.mark.parametrize(
    "message",
    ["\x1b[2J\x1b[31mHow do I set up SSO?", "How do I set up S\u200bS\u200bO?"],
    ids=["terminal-escapes", "zero-width-spaces"],
)
def test_chat_pasted_question_is_answered(server: Server, message: str) -> None:
    body = {"message": message, "user": {"id": "pasted-text"}}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)

    assert response.status_code == 200
    reply = response.json()
    assert reply["action"]["type"] == "answer", reply["answer"]
    assert reply["citations"][0]["doc"] == "en/admin/sso-saml.md"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/chat", {"message": "\x1b[2J\u200b", "user": {"id": "pasted-text"}}, 422),
        (
            "/v1/chat/completions",
            {"model": "assistant-default", "messages": [{"role": "user", "content": "\x1b[31m"}]},
            400,
        ),
    ],
    ids=["chat", "openai"],
)
def test_only_hidden_characters_is_empty(
    server: Server, path: str, body: dict[str, object], status: int
) -> None:
    with server.client("default-widget", "zh-CN") as client:
        response = client.post(path, params={"stream": "false"}, json=body)

    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] in {"empty_message", "no_user_message"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
