"""Sampling parameters of `/v1/chat/completions`: OpenAI's types and ranges, 400s naming them."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from openai import OpenAI

from tests.api.conftest import Server

QUESTION = [{"role": "user", "content": "How do I set up SSO?"}]


def _client(server: Server) -> OpenAI:
    return OpenAI(
        base_url=f"{server.base_url}/v1", api_key=server.keys["default-widget"], max_retries=0
    )


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("temperature", True, "field 'temperature' must be a number, got true"),
        ("temperature", "hot", "field 'temperature' must be a number, got \"hot\""),
        ("temperature", 2.5, "field 'temperature' must be at most 2, got 2.5"),
        ("top_p", True, "field 'top_p' must be a number, got true"),
        ("top_p", 1.5, "field 'top_p' must be at most 1, got 1.5"),
        ("max_tokens", True, "field 'max_tokens' must be an integer, got true"),
        ("max_tokens", -5, "field 'max_tokens' must be an integer from 1 to 2147483647, got -5"),
        ("max_tokens", 2**31, "must be an integer from 1 to 2147483647, got 2147483648"),
        ("max_completion_tokens", 0, "field 'max_completion_tokens' must be an integer from 1"),
        ("max_completion_tokens", 2**31, "from 1 to 2147483647, got 2147483648"),
        ("n", 0, "field 'n' must be an integer from 1 to 2147483647, got 0"),
        ("n", 10**40, "field 'n' must be an integer from 1 to 2147483647, got 1" + "0" * 40),
        ("top_logprobs", 21, "field 'top_logprobs' must be an integer from 0 to 20, got 21"),
        ("top_logprobs", -1, "field 'top_logprobs' must be an integer from 0 to 20, got -1"),
        ("presence_penalty", -3, "field 'presence_penalty' must be at least -2, got -3"),
        ("seed", True, "field 'seed' must be an integer, got true"),
        ("seed", "7", "field 'seed' must be an integer, got \"7\""),
        (
            "seed",
            2**63,
            f"field 'seed' must be an integer from {-(2**63)} to {2**63 - 1}, got {2**63}",
        ),
        ("seed", -(2**63) - 1, f"from {-(2**63)} to {2**63 - 1}, got {-(2**63) - 1}"),
        ("stream", "yes", "field 'stream' must be true or false, got \"yes\""),
        ("logprobs", 1, "field 'logprobs' must be true or false, got 1"),
    ],
    ids=lambda value: repr(value),
)
def test_completion_bad_parameter_is_400_naming_it(
    server: Server, param: str, value: Any, expected: str
) -> None:
    body = {"model": "assistant-default", "messages": QUESTION, param: value}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_request"
    assert expected in error["message"]


def test_completion_bad_include_usage_names_nested_param(server: Server) -> None:
    body = {
        "model": "assistant-default",
        "messages": QUESTION,
        "stream": True,
        "stream_options": {"include_usage": "yes"},
    }

    with server.client("default-widget", "zh-CN") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "stream_options.include_usage"
    assert "必须是 true 或 false" in response.json()["error"]["message"]


def test_sdk_out_of_range_temperature_raises(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            temperature=3,
        )

    assert caught.value.status_code == 400
    assert caught.value.param == "temperature"
    assert "must be at most 2, got 3" in caught.value.message


def test_sdk_valid_sampling_parameters_are_accepted(server: Server) -> None:
    completion = _client(server).chat.completions.create(
        model="assistant-default",
        messages=[{"role": "user", "content": "How do I set up SSO?"}],
        temperature=0,
        top_p=1,
        max_tokens=200,
        max_completion_tokens=200,
        presence_penalty=-2,
        frequency_penalty=0.5,
        seed=42,
        logprobs=False,
    )

    assert completion.choices[0].message.content


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("seed", 2**63 - 1),
        ("seed", -(2**63)),
        ("max_tokens", 2**31 - 1),
        ("max_completion_tokens", 1),
        ("top_logprobs", 20),
        ("n", 1),
    ],
    ids=lambda value: repr(value),
)
def test_completion_parameter_at_bound_is_accepted(server: Server, param: str, value: int) -> None:
    body = {"model": "assistant-default", "messages": QUESTION, param: value}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"]


def test_sdk_seed_out_of_range_raises_bad_request(server: Server) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        _client(server).chat.completions.create(
            model="assistant-default",
            messages=[{"role": "user", "content": "How do I set up SSO?"}],
            seed=2**63,
        )

    assert caught.value.status_code == 400
    assert caught.value.param == "seed"
    assert caught.value.type == "invalid_request_error"
    assert caught.value.code == "invalid_request"
    assert f"from {-(2**63)} to {2**63 - 1}" in caught.value.message
