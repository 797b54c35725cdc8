"""Unknown fields of `/v1/chat/completions`: 400 naming the field, while every parameter of the
OpenAI SDK is still accepted."""

from __future__ import annotations

import typing

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam, completion_create_params
from openai.types.chat.chat_completion_stream_options_param import (
    ChatCompletionStreamOptionsParam,
)

from api.routes.completions import (
    OPENAI_UNDECLARED_MESSAGE_FIELDS,
    OPENAI_UNDECLARED_PARAMETERS,
    OPENAI_UNDECLARED_STREAM_OPTIONS,
)
from api.schemas import ChatCompletionRequest, CompletionMessage, StreamOptions
from tests.api.conftest import Server

QUESTION = "How do I set up SSO?"
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]


def _client(server: Server) -> OpenAI:
    return OpenAI(
        base_url=f"{server.base_url}/v1", api_key=server.keys["default-widget"], max_retries=0
    )


def _typed_dict_keys(typed_dict: typing.Any) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


@pytest.mark.parametrize(
    ("extra_body", "param", "suggestion"),
    [
        ({"temprature": 0.2}, "temprature", "temperature"),
        ({"strem": True}, "strem", "stream"),
        ({"max_token": 50}, "max_token", "max_tokens"),
    ],
    ids=["temprature", "strem", "max_token"],
)
def test_sdk_misspelled_parameter_is_rejected(
    server: Server, extra_body: dict[str, object], param: str, suggestion: str
) -> None:
    with _client(server) as client, pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="assistant-default", messages=MESSAGES, extra_body=extra_body
        )

    error = caught.value
    assert error.status_code == 400
    assert error.param == param
    assert error.type == "invalid_request_error"
    assert error.code == "unknown_parameter"
    assert f"parameter '{param}' is not supported" in error.message
    assert f"did you mean '{suggestion}'?" in error.message


def test_sdk_stream_with_unknown_parameter_is_rejected(server: Server) -> None:
    with _client(server) as client, pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="assistant-default",
            messages=MESSAGES,
            stream=True,
            extra_body={"temprature": 0.2},
        )

    assert caught.value.param == "temprature"
    assert caught.value.code == "unknown_parameter"


def test_sdk_call_with_known_parameters_succeeds(server: Server) -> None:
    with _client(server) as client:
        completion = client.chat.completions.create(
            model="assistant-default",
            messages=[
                {"role": "system", "content": "ignored", "name": "setup"},
                {"role": "user", "content": QUESTION, "name": "alice"},
            ],
            temperature=0.2,
            top_p=0.9,
            max_tokens=200,
            max_completion_tokens=200,
            n=1,
            stop=["\n\n\n"],
            user="sdk-known-params",
            metadata={"source": "test"},
            seed=7,
            presence_penalty=0.1,
            frequency_penalty=0.1,
            logit_bias={"50256": -100},
            response_format={"type": "text"},
            parallel_tool_calls=False,
            logprobs=False,
            top_logprobs=0,
            store=False,
            service_tier="auto",
            modalities=["text"],
            reasoning_effort="low",
            verbosity="low",
            prompt_cache_key="sdk-test",
            safety_identifier="sdk-test",
            extra_body={"conversation_id": "sdk-known-params"},
        )

    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert (completion.model_extra or {})["assistant"]["conversation_id"] == "sdk-known-params"


def test_sdk_stream_with_known_stream_options_succeeds(server: Server) -> None:
    with _client(server) as client:
        stream = client.chat.completions.create(
            model="assistant-default",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True, "include_obfuscation": False},
        )
        chunks = list(stream)

    assert chunks[-1].usage is not None
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_unknown_parameter_error_has_openai_shape(server: Server) -> None:
    body = {"model": "assistant-default", "messages": MESSAGES, "temprature": 0.2}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "temprature"
    assert error["code"] == "unknown_parameter"
    assert error["message"] == (
        "parameter 'temprature' is not supported: OpenAI's chat completions API does not "
        "define it; did you mean 'temperature'? Correct the name or remove the parameter"
    )


def test_unknown_parameter_message_in_chinese(server: Server) -> None:
    body = {"model": "assistant-default", "messages": MESSAGES, "temprature": 0.2}

    with server.client("default-widget", "zh-CN,zh;q=0.9") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "temprature"
    assert error["code"] == "unknown_parameter"
    assert "不支持参数“temprature”" in error["message"]
    assert "您是否想使用“temperature”" in error["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "remove it from the request"), ("zh-CN", "请从请求中删除该参数")],
)
def test_unknown_parameter_without_close_name(server: Server, language: str, expected: str) -> None:
    body = {"model": "assistant-default", "messages": MESSAGES, "x_custom_flag": True}

    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "x_custom_flag"
    assert expected in error["message"]
    assert "did you mean" not in error["message"]


def test_unknown_message_field_names_its_path(server: Server) -> None:
    messages = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": QUESTION, "nmae": "alice"},
    ]
    body = {"model": "assistant-default", "messages": messages}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "messages[1].nmae"
    assert error["code"] == "unknown_parameter"
    assert "parameter 'messages[1].nmae' is not supported" in error["message"]
    assert "did you mean 'name'?" in error["message"]


def test_misspelled_content_field_is_rejected(server: Server) -> None:
    # An ignored `contnet` leaves the message without text, and the error would name `messages`.
    body = {"model": "assistant-default", "messages": [{"role": "user", "contnet": QUESTION}]}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "messages[0].contnet"
    assert "did you mean 'content'?" in error["message"]


def test_unknown_stream_option_is_rejected(server: Server) -> None:
    body = {
        "model": "assistant-default",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usgae": True},
    }

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["param"] == "stream_options.include_usgae"
    assert "did you mean 'include_usage'?" in error["message"]


def test_known_parameters_cover_sdk_request() -> None:
    sdk_parameters = _typed_dict_keys(completion_create_params.CompletionCreateParamsBase)
    known = set(ChatCompletionRequest.model_fields) | OPENAI_UNDECLARED_PARAMETERS

    assert sdk_parameters - known == set()


def test_known_message_fields_cover_sdk_messages() -> None:
    sdk_fields: set[str] = set()
    for message_type in typing.get_args(ChatCompletionMessageParam):
        sdk_fields |= _typed_dict_keys(message_type)
    known = set(CompletionMessage.model_fields) | OPENAI_UNDECLARED_MESSAGE_FIELDS

    assert sdk_fields - known == set()


def test_known_stream_options_cover_sdk_stream_options() -> None:
    sdk_fields = _typed_dict_keys(ChatCompletionStreamOptionsParam)
    known = set(StreamOptions.model_fields) | OPENAI_UNDECLARED_STREAM_OPTIONS

    assert sdk_fields - known == set()
