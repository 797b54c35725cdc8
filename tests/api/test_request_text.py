"""Text that no store accepts (unpaired surrogates, NUL) and deeply nested JSON in request bodies.

The bodies are sent as raw bytes, because the JSON escape `\\ud800` is how a client sends an
unpaired surrogate: UTF-8 cannot encode one.
"""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Server

JSON_HEADERS = {"Content-Type": "application/json"}
SURROGATE = "\\ud800"
NUL = "\\u0000"


def _post_raw(
    server: Server, key_name: str, path: str, body: str, language: str = "en"
) -> httpx.Response:
    with server.client(key_name, language) as client:
        return client.post(path, content=body.encode("utf-8"), headers=JSON_HEADERS)


def _open_ticket(server: Server) -> str:
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json={"message": "转人工"})
    ticket_id: str = reply.json()["action"]["ticket"]["id"]
    return ticket_id


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "field 'message' contains an unpaired surrogate (U+D800) at character 4"),
        ("zh-CN", "字段“message”的第 4 个字符是不成对的代理字符（U+D800）"),
    ],
)
def test_chat_surrogate_is_422_naming_position(
    server: Server, language: str, expected: str
) -> None:
    body = '{"message": "hi ' + SURROGATE + '"}'

    response = _post_raw(server, "default-widget", "/v1/chat?stream=false", body, language)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert expected in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "field 'message' contains a NUL character (U+0000) at character 6"),
        ("zh-CN", "字段“message”的第 6 个字符是 NUL 字符（U+0000）"),
    ],
)
def test_chat_nul_is_422_naming_position(server: Server, language: str, expected: str) -> None:
    body = '{"message": "转人工, ' + NUL + 'crash log"}'

    response = _post_raw(server, "default-widget", "/v1/chat?stream=false", body, language)

    assert response.status_code == 422, response.text
    assert expected in response.json()["error"]["message"]


def test_stream_surrogate_is_400_before_stream(server: Server) -> None:
    body = (
        '{"model": "assistant-default", "stream": true, "messages": '
        '[{"role": "user", "content": [{"type": "text", "text": "hi ' + SURROGATE + '"}]}]}'
    )

    response = _post_raw(server, "default-widget", "/v1/chat/completions", body)

    # 400, not 422, because the OpenAI-compatible routes reject an invalid body as OpenAI does.
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert "field 'messages[0].content[0].text' contains an unpaired surrogate" in error["message"]
    assert error["param"] == "messages[0].content[0].text"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/chat", '{"message": "hi", "conversation_id": "a%s"}', "conversation_id"),
        ("/v1/feedback", '{"conversation_id": "c", "rating": "up", "reason": "%s"}', "reason"),
        ("/v1/surveys", '{"conversation_id": "c", "comment": "ok%s"}', "comment"),
        ("/v1/chat", '{"message": "hi", "user": {"id": "%s"}}', "user.id"),
    ],
    ids=["chat-conversation-id", "feedback-reason", "survey-comment", "nested-user-id"],
)
def test_surrogate_rejected_in_any_field(server: Server, path: str, body: str, field: str) -> None:
    response = _post_raw(server, "default-widget", path, body % SURROGATE)

    assert response.status_code == 422, response.text
    assert f"field '{field}' contains an unpaired surrogate" in response.json()["error"]["message"]


def test_ticket_comment_nul_is_422(server: Server) -> None:
    ticket_id = _open_ticket(server)

    response = _post_raw(
        server, "default-agent", f"/v1/tickets/{ticket_id}/comments", '{"text": "a' + NUL + '"}'
    )

    assert response.status_code == 422, response.text
    assert "field 'text' contains a NUL character" in response.json()["error"]["message"]


def test_surrogate_in_object_key_is_named_escaped(server: Server) -> None:
    body = '{"message": "hi", "' + SURROGATE + '": 1}'

    response = _post_raw(server, "default-widget", "/v1/chat?stream=false", body)

    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert r"field '\ud800' contains an unpaired surrogate (U+D800) at character 1" in message


def test_surrogate_pair_escape_is_accepted(server: Server) -> None:
    body = '{"message": "How do I set up SSO? \\ud83d\\ude00"}'

    response = _post_raw(server, "default-widget", "/v1/chat?stream=false", body)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "the request body is JSON nested more than 64 levels deep"),
        ("zh-CN", "请求体中的 JSON 嵌套超过 64 层"),
    ],
)
@pytest.mark.parametrize("depth", [100, 5000], ids=["below-recursion-limit", "5000-levels"])
def test_deep_json_is_400_naming_nesting(
    server: Server, depth: int, language: str, expected: str
) -> None:
    body = '{"message": "hi", "user": ' + "[" * depth + "]" * depth + "}"

    response = _post_raw(server, "default-widget", "/v1/chat?stream=false", body, language)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert expected in response.json()["error"]["message"]
