"""`response_format` of the OpenAI-compatible route, through the official OpenAI SDK."""

from __future__ import annotations

import json
from typing import Any, cast

import openai
import pytest
from openai import OpenAI

from tests.api.conftest import Server

QUESTION = "How do I set up SSO?"
ASK_JSON_KEYS = {
    "answer",
    "language",
    "intent",
    "action",
    "citations",
    "related",
    "conversation_id",
}
"""Keys of the object that `assistant ask --json` prints."""


def _client(server: Server, language: str = "en") -> OpenAI:
    return OpenAI(
        base_url=f"{server.base_url}/v1",
        api_key=server.keys["default-widget"],
        max_retries=0,
        default_headers={"Accept-Language": language},
    )


def _create(server: Server, response_format: object, language: str = "en") -> Any:
    """Send one non-streamed request; the SDK's types allow only valid formats, so any value
    is passed untyped."""
    with _client(server, language) as client:
        return client.chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": QUESTION}],
            response_format=cast(Any, response_format),
        )


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def test_text_format_returns_plain_answer(server: Server) -> None:
    completion = _create(server, {"type": "text"})

    content = completion.choices[0].message.content
    assert content
    assert not content.lstrip().startswith("{")
    assert (completion.model_extra or {})["assistant"]["citations"]


def test_json_object_content_is_ask_json(server: Server) -> None:
    completion = _create(server, {"type": "json_object"})

    reply = json.loads(completion.choices[0].message.content)
    extra = (completion.model_extra or {})["assistant"]
    assert set(reply) == ASK_JSON_KEYS
    assert reply["answer"]
    assert reply["language"] == "en"
    assert reply["action"]["type"] == "answer"
    assert reply["action"]["ticket"] is None
    assert reply["citations"] == extra["citations"]
    assert reply["conversation_id"] == extra["conversation_id"]
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0


def test_json_object_content_names_opened_ticket(server: Server) -> None:
    with _client(server, "zh-CN") as client:
        completion = client.chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "转人工"}],
            response_format={"type": "json_object"},
            user="json-format-user",
        )

    reply = json.loads(completion.choices[0].message.content or "")
    extra = (completion.model_extra or {})["assistant"]
    assert reply["language"] == "zh"
    assert _has_chinese(reply["answer"])
    assert reply["action"]["type"] == "handoff"
    assert reply["action"]["ticket"]["id"]
    assert reply["action"]["ticket"]["id"] == extra["action"]["ticket"]["id"]


def test_json_object_stream_joins_to_ask_json(server: Server) -> None:
    with _client(server) as client:
        stream = client.chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "如何给任务设置截止日期？"}],
            response_format={"type": "json_object"},
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)

    pieces = [chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices]
    assert len([piece for piece in pieces if piece]) > 1, "the content is streamed in pieces"
    reply = json.loads("".join(pieces))
    extra = (chunks[-2].model_extra or {})["assistant"]
    assert set(reply) == ASK_JSON_KEYS
    assert reply["language"] == "zh"
    assert reply["citations"] == extra["citations"]
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "json_schema", "json_schema": {"name": "reply", "schema": {"type": "object"}}},
        {"type": "xml"},
    ],
    ids=["json-schema", "unknown-type"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_unsupported_type_is_400_naming_it(
    server: Server, response_format: dict[str, Any], stream: bool
) -> None:
    with _client(server) as client, pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": QUESTION}],
            response_format=cast(Any, response_format),
            stream=stream,
        )

    error = caught.value
    assert error.status_code == 400
    assert error.type == "invalid_request_error"
    assert error.code == "unsupported_response_format"
    assert error.param == "response_format.type"
    assert f"response_format type '{response_format['type']}' is not supported" in error.message
    assert "the supported types are: text, json_object" in error.message


def test_unsupported_type_message_in_chinese(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _create(server, {"type": "json_schema"}, language="zh-CN")

    assert caught.value.code == "unsupported_response_format"
    assert "不支持 response_format 类型“json_schema”" in caught.value.message
    assert "支持的类型为：text、json_object" in caught.value.message


@pytest.mark.parametrize(
    ("response_format", "param", "shown"),
    [
        ("json_object", "response_format", '"json_object"'),
        (["json_object"], "response_format", '["json_object"]'),
        ({}, "response_format.type", "{}"),
        ({"json_schema": {}}, "response_format.type", '{"json_schema": {}}'),
        ({"type": 5}, "response_format.type", '{"type": 5}'),
    ],
    ids=["string", "list", "empty-object", "missing-type", "type-number"],
)
def test_malformed_format_is_400_naming_it(
    server: Server, response_format: object, param: str, shown: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _create(server, response_format)

    error = caught.value
    assert error.type == "invalid_request_error"
    assert error.code == "invalid_response_format"
    assert error.param == param
    assert f"got {shown}" in error.message
    assert "whose 'type' is one of: text, json_object" in error.message


def test_malformed_format_message_in_chinese(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _create(server, {"kind": "json_object"}, language="zh-CN")

    assert caught.value.code == "invalid_response_format"
    assert "“response_format”必须是 JSON 对象" in caught.value.message
    assert '收到的是 {"kind": "json_object"}' in caught.value.message


def test_unknown_format_field_is_400_with_hint(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _create(server, {"type": "json_object", "typ": "text"})

    assert caught.value.code == "unknown_parameter"
    assert caught.value.param == "response_format.typ"
    assert "did you mean 'type'?" in caught.value.message
