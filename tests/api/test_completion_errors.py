"""Errors of the OpenAI-compatible routes: OpenAI's shape, `type` and `param`, in two languages."""

from __future__ import annotations

from typing import Any, cast

import httpx
import openai
import pytest
from openai import OpenAI

from tests.api.conftest import Server

QUESTION = {"role": "user", "content": "How do I set up SSO?"}
OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}


def _client(server: Server, language: str = "en") -> OpenAI:
    return OpenAI(
        base_url=f"{server.base_url}/v1",
        api_key=server.keys["default-widget"],
        max_retries=0,
        default_headers={"Accept-Language": language},
    )


def _openai_error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, dict[str, Any]] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == OPENAI_ERROR_KEYS
    return body["error"]


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _body(**fields: object) -> dict[str, object]:
    """Return a valid request body with `fields` added or replaced."""
    return {"model": "assistant-default", "messages": [QUESTION]} | fields


BAD_BODIES = [
    # (body, expected param, expected code, test id)
    ({"model": "assistant-default"}, "messages", "invalid_request", "no-messages"),
    ({"messages": [QUESTION]}, "model", "invalid_request", "no-model"),
    (_body(messages=[]), "messages", "invalid_request", "empty-messages"),
    (
        _body(messages=[QUESTION, {"role": 5, "content": "x"}]),
        "messages[1].role",
        "invalid_request",
        "role-not-string",
    ),
    (
        _body(messages=[QUESTION, {"role": "bot", "content": "x"}]),
        "messages[1].role",
        "invalid_request",
        "unknown-role",
    ),
    (
        _body(messages=[{"role": "user", "content": 5}]),
        "messages[0].content",
        "invalid_request",
        "content-number",
    ),
    (
        _body(messages=[{"role": "user", "content": [{"type": "text", "text": 5}]}]),
        "messages[0].content[0].text",
        "invalid_request",
        "content-part-text-number",
    ),
    (
        _body(messages=[{"role": "system", "content": "Be brief."}]),
        "messages",
        "no_user_message",
        "no-user-message",
    ),
    (_body(temperature="hot"), "temperature", "invalid_request", "temperature-string"),
    (_body(n=2), "n", "unsupported_n", "n-2"),
    (_body(tools=[{"type": "function"}]), "tools", "unsupported_tools", "tools"),
    (
        _body(stream_options={}),
        "stream_options",
        "stream_options_without_stream",
        "stream-options-without-stream",
    ),
    (
        _body(stream=True, stream_options=1),
        "stream_options",
        "invalid_request",
        "stream-options-number",
    ),
    (_body(seed=2**63), "seed", "invalid_request", "seed-above-int64"),
    (_body(user="<b>evil</b>"), "user", "invalid_user_id", "invalid-user"),
    (
        _body(conversation_id="a b"),
        "conversation_id",
        "invalid_conversation_id",
        "invalid-conversation-id",
    ),
    (
        _body(conversation_id=""),
        "conversation_id",
        "invalid_conversation_id",
        "empty-conversation-id",
    ),
    (_body(model="assistant-../etc"), "model", "invalid_tenant_kb", "invalid-kb-name"),
    ([QUESTION], None, "invalid_request", "body-not-object"),
]


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [pytest.param(body, param, code, id=case_id) for body, param, code, case_id in BAD_BODIES],
)
def test_bad_completion_body_is_400_with_param(
    server: Server, body: object, param: str | None, code: str
) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = _openai_error(response)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code


def test_invalid_json_has_no_param(server: Server) -> None:
    headers = {"Content-Type": "application/json"}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", content=b'{"model": ', headers=headers)

    assert response.status_code == 400, response.text
    error = _openai_error(response)
    assert error["param"] is None
    assert "not valid JSON" in error["message"]


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        (
            b'{"model": ',
            "en",
            "not valid JSON: Expecting value at character 11; correct the syntax there",
        ),
        (
            b'{"model": ',
            "zh-CN",
            "请求体不是有效的 JSON：第 11 个字符处有语法错误，请修正后重新发送",
        ),
        (
            b'{"model": "\xff"}',
            "en",
            "not valid UTF-8: byte 12 (0xFF) does not belong to a UTF-8 character; "
            "encode the JSON text as UTF-8",
        ),
        (
            b'{"model": "\xff"}',
            "zh-CN",
            "请求体不是有效的 UTF-8 文本：第 12 个字节（0xFF）不属于任何 UTF-8 字符",
        ),
    ],
    ids=["invalid-json-english", "invalid-json-chinese", "not-utf8-english", "not-utf8-chinese"],
)
def test_unparsable_body_is_400_in_openai_shape(
    server: Server, body: bytes, language: str, expected: str
) -> None:
    headers = {"Content-Type": "application/json"}

    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat/completions", content=body, headers=headers)

    assert response.status_code == 400, response.text
    error = _openai_error(response)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_request"
    assert error["param"] is None
    assert expected in error["message"]


@pytest.mark.parametrize("language", ["en", "zh-CN"], ids=["english", "chinese"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(
    ("model", "code"),
    [("gpt-4o", "model_not_found"), ("assistant-nope", "tenant_kb_not_found")],
    ids=["not-assistant-model", "unknown-kb"],
)
def test_unknown_model_is_404_naming_model(
    server: Server, model: str, code: str, stream: bool, language: str
) -> None:
    body = {"model": model, "messages": [QUESTION], "stream": stream}

    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 404, response.text
    error = _openai_error(response)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "model"
    assert error["code"] == code
    assert _is_chinese(error["message"]) is language.startswith("zh")


def test_other_tenants_kb_is_404(server: Server) -> None:
    body = {"model": "assistant-docs", "messages": [QUESTION]}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 404, response.text
    assert _openai_error(response)["param"] == "model"


def test_long_question_names_its_message(server: Server) -> None:
    messages = [
        {"role": "user", "content": "x" * 5000},
        {"role": "assistant", "content": "An earlier answer."},
        {"role": "user", "content": "y" * 5000},
    ]

    with server.client("default-widget") as client:
        response = client.post(
            "/v1/chat/completions", json={"model": "assistant-default", "messages": messages}
        )

    assert response.status_code == 413, response.text
    error = _openai_error(response)
    assert error["code"] == "message_too_long"
    assert error["param"] == "messages[2].content"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "field 'seed' must be an integer from -9223372036854775808 to"),
        ("zh-CN", "字段“seed”必须是 -9223372036854775808 到 9223372036854775807 之间的整数"),
    ],
    ids=["english", "chinese"],
)
def test_seed_error_follows_accept_language(server: Server, language: str, expected: str) -> None:
    body = {"model": "assistant-default", "messages": [QUESTION], "seed": -(2**63) - 1}

    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    assert expected in _openai_error(response)["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/models"), ("POST", "/v1/chat/completions")],
)
def test_missing_key_on_openai_route_has_openai_shape(
    server: Server, method: str, path: str
) -> None:
    with server.client(None) as client:
        response = client.request(method, path, json={})

    assert response.status_code == 401
    error = _openai_error(response)
    assert error["code"] == "missing_api_key"
    assert error["type"] == "invalid_request_error"
    assert error["param"] is None


def test_wrong_method_on_openai_route_has_openai_shape(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.get("/v1/chat/completions")

    assert response.status_code == 405
    assert _openai_error(response)["code"] == "method_not_allowed"


def test_other_routes_keep_plain_error_shape(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", json={"message": 5})

    assert response.status_code == 422
    assert set(response.json()["error"]) == {"code", "message"}


def test_sdk_invalid_role_raises_bad_request(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server, "zh-CN").chat.completions.create(
            model="assistant-default",
            # The SDK's types allow only valid roles, so the invalid one is sent untyped.
            messages=cast(Any, [QUESTION, {"role": "robot", "content": "hi"}]),
        )

    assert caught.value.param == "messages[1].role"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.code == "invalid_request"
    assert "字段“messages[1].role”的可选值为" in caught.value.message


def test_sdk_unknown_kb_raises_not_found_naming_model(server: Server) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        _client(server).chat.completions.create(
            model="assistant-nope", messages=[{"role": "user", "content": "How do I set up SSO?"}]
        )

    assert caught.value.param == "model"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.code == "tenant_kb_not_found"
    assert isinstance(caught.value.body, dict)
    assert "knowledge base 'nope' does not exist" in caught.value.body["message"]


def test_oversized_body_gets_the_openai_error_shape(server: Server) -> None:
    body = b'{"model": "assistant-default", "messages": [{"role": "user", "content": "'
    body += b"x" * 2_000_000 + b'"}]}'
    with server.client("default-widget") as client:
        response = client.post(
            "/v1/chat/completions", content=body, headers={"Content-Type": "application/json"}
        )

    assert response.status_code == 413, response.text
    error = _openai_error(response)
    assert error["code"] == "request_too_large"
    assert error["type"] == "invalid_request_error"
    assert error["param"] is None
