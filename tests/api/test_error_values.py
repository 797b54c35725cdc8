"""Values that error messages quote: long ones shortened, huge numbers named, locales lenient."""

from __future__ import annotations

import pytest

from tests.api.conftest import Server

LONG_ID = "c" * 5000


@pytest.mark.parametrize(
    ("language", "suffix"),
    [("en", "… (5000 characters)"), ("zh-CN", "…（共 5000 个字符）")],
    ids=["en", "zh"],
)
def test_long_conversation_id_is_shortened_in_error(
    server: Server, language: str, suffix: str
) -> None:
    body = {"message": "How do I set up SSO?", "conversation_id": LONG_ID}

    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat?stream=false", json=body)

    message = response.json()["error"]["message"]
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_conversation_id"
    assert "c" * 80 + suffix in message
    assert "c" * 81 not in message


def test_long_completion_conversation_id_is_shortened(server: Server) -> None:
    body = {
        "model": "assistant-default",
        "messages": [{"role": "user", "content": "How do I set up SSO?"}],
        "conversation_id": LONG_ID,
    }

    with server.client("default-widget") as client:
        response = client.post("/v1/chat/completions", json=body)

    assert response.status_code == 400, response.text
    assert len(response.json()["error"]["message"]) < 300


def test_long_invalid_field_value_is_shortened(server: Server) -> None:
    body = {"message": "hi", "user": {"role": "r" * 5000}}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat?stream=false", json=body)

    assert response.status_code == 422, response.text
    assert '"' + "r" * 79 + "… (5002 characters)" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "more than 4300 digits, which is too large"), ("zh-CN", "超过 4300 位的整数")],
    ids=["en", "zh"],
)
def test_huge_integer_is_reported_as_too_large(
    server: Server, language: str, expected: str
) -> None:
    body = b'{"conversation_id": "c1", "csat": ' + b"9" * 5000 + b"}"

    with server.client("default-widget", language) as client:
        response = client.post(
            "/v1/surveys", content=body, headers={"Content-Type": "application/json"}
        )

    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]["message"]
    assert "could not be parsed" not in response.json()["error"]["message"]


def test_unknown_locale_falls_back_to_english(server: Server) -> None:
    body = {"message": "hello", "user": {"locale": "xx-YY"}}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat?stream=false", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["language"] == "en"
