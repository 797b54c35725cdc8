"""The official OpenAI Python SDK against the running server."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI

from tests.api.conftest import Server


def _client(server: Server, key_name: str = "default-widget") -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key=server.keys[key_name], max_retries=0)


def test_sdk_lists_models(server: Server) -> None:
    models = _client(server).models.list()

    assert "assistant-default" in [model.id for model in models.data]


def test_sdk_completion_non_stream(server: Server) -> None:
    completion = _client(server).chat.completions.create(
        model="assistant-default",
        messages=[
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "How do I set up SSO?"},
        ],
        user="sdk-user",
    )

    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    extra = completion.model_extra or {}
    assert extra["assistant"]["citations"]
    assert extra["assistant"]["intent"]["name"] == "how_to"


def test_sdk_completion_stream(server: Server) -> None:
    stream = _client(server).chat.completions.create(
        model="assistant-default",
        messages=[{"role": "user", "content": "如何给任务设置截止日期？"}],
        stream=True,
        extra_body={"conversation_id": "sdk-stream"},
    )
    chunks = list(stream)

    assert all(chunk.object == "chat.completion.chunk" for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text
    assert chunks[-1].choices[0].finish_reason == "stop"
    extra = chunks[-1].model_extra or {}
    assert extra["assistant"]["conversation_id"] == "sdk-stream"
    assert extra["assistant"]["citations"]


def test_sdk_unknown_model_raises_not_found(server: Server) -> None:
    with pytest.raises(openai.NotFoundError):
        _client(server).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )


def test_sdk_invalid_user_raises_bad_request(server: Server) -> None:
    with pytest.raises(openai.BadRequestError, match="invalid user id"):
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            user="<b>evil</b>",
        )


def test_sdk_n_above_one_is_rejected(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            n=3,
        )

    assert caught.value.param == "n"
    assert caught.value.code == "unsupported_n"
    assert "n=3 is not supported" in caught.value.message


@pytest.mark.parametrize("param", ["tools", "tool_choice", "functions", "function_call"])
def test_sdk_tool_parameters_are_rejected(server: Server, param: str) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    values: dict[str, object] = {
        "tools": [tool],
        "tool_choice": "auto",
        "functions": [tool["function"]],
        "function_call": "auto",
    }

    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            extra_body={param: values[param]},
        )

    assert caught.value.param == param
    assert caught.value.type == "invalid_request_error"
    assert f"parameter '{param}' is not supported" in caught.value.message


def test_sdk_stream_ends_with_usage_chunk(server: Server) -> None:
    stream = _client(server).chat.completions.create(
        model="assistant-default",
        messages=[{"role": "user", "content": "How do I set up SSO?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    usage = chunks[-1].usage
    assert usage is not None
    assert chunks[-1].choices == []
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert all(chunk.usage is None for chunk in chunks[:-1])
    assert chunks[-2].choices[0].finish_reason == "stop"
    # OpenAI's protocol puts the usage chunk last, so `assistant` rides on the one before it.
    assert (chunks[-2].model_extra or {})["assistant"]["citations"]
    assert "assistant" not in (chunks[-1].model_extra or {})


def test_sdk_stream_options_need_stream(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            stream_options={"include_usage": True},
        )

    assert caught.value.param == "stream_options"
