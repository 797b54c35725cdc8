"""`user` of `/v1/chat/completions`: an empty or malformed id is 400 naming `user`."""

from __future__ import annotations

import openai
import pytest
from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.api.conftest import Server

MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "How do I set up SSO?"}]


def _client(server: Server) -> OpenAI:
    return OpenAI(
        base_url=f"{server.base_url}/v1", api_key=server.keys["default-widget"], max_retries=0
    )


@pytest.mark.parametrize("user", ["", "-starts-with-dash", "has space"])
@pytest.mark.parametrize("stream", [False, True])
def test_sdk_invalid_user_is_rejected(server: Server, user: str, stream: bool) -> None:
    with _client(server) as client, pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="assistant-default", messages=MESSAGES, user=user, stream=stream
        )

    error = caught.value
    assert error.status_code == 400
    assert error.param == "user"
    assert error.type == "invalid_request_error"
    assert error.code == "invalid_user_id"
    assert f"invalid user id '{user}'" in error.message


def test_sdk_valid_user_is_accepted(server: Server) -> None:
    with _client(server) as client:
        reply = client.chat.completions.create(
            model="assistant-default", messages=MESSAGES, user="user-42"
        )

    assert reply.choices[0].message.content
