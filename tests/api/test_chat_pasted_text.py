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
