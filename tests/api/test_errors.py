"""Error responses: status, JSON body and language."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import Server

LANGUAGES = pytest.mark.parametrize("language", ["en", "zh-CN"], ids=["english", "chinese"])


def _error(response: httpx.Response, *, openai: bool = False) -> dict[str, str]:
    """Return the error of a response; `openai` for the OpenAI-compatible routes, whose errors
    also have `type` and `param`."""
    body: dict[str, dict[str, str]] = response.json()
    assert set(body) == {"error"}
    keys = {"code", "message", "type", "param"} if openai else {"code", "message"}
    assert set(body["error"]) == keys
    return body["error"]


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@LANGUAGES
def test_missing_key_is_401(server: Server, language: str) -> None:
    with server.client(None, language) as client:
        response = client.post("/v1/chat", json={"message": "hi"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = _error(response)
    assert error["code"] == "missing_api_key"
    assert _is_chinese(error["message"]) is language.startswith("zh")


@LANGUAGES
def test_wrong_key_is_401(server: Server, language: str) -> None:
    headers = {
        "Authorization": "Bearer sk-000000000000-not-a-real-key-at-all",
        "Accept-Language": language,
    }

    response = httpx.get(f"{server.base_url}/v1/models", headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = _error(response, openai=True)
    assert error["code"] == "invalid_api_key"
    assert _is_chinese(error["message"]) is language.startswith("zh")


@LANGUAGES
@pytest.mark.parametrize(
    ("key_name", "method", "path"),
    [
        ("default-widget", "GET", "/v1/tickets"),
        ("default-ops", "POST", "/v1/tickets/T-000001/comments"),
        ("default-agent", "GET", "/v1/kb/default/documents"),
    ],
    ids=["widget-reads-tickets", "ops-comments", "agent-lists-kb"],
)
def test_wrong_role_is_403(
    server: Server, language: str, key_name: str, method: str, path: str
) -> None:
    with server.client(key_name, language) as client:
        response = client.request(method, path, json={"text": "hello"})

    assert response.status_code == 403
    error = _error(response)
    assert error["code"] == "forbidden_role"
    assert _is_chinese(error["message"]) is language.startswith("zh")


@LANGUAGES
def test_long_message_is_413(server: Server, language: str) -> None:
    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat", json={"message": "a" * 4001})

    assert response.status_code == 413
    error = _error(response)
    assert error["code"] == "message_too_long"
    assert "4001" in error["message"]
    assert _is_chinese(error["message"]) is language.startswith("zh")


@LANGUAGES
@pytest.mark.parametrize(
    ("body", "code"),
    [({"message": "   "}, "empty_message"), ({"user": {}}, "invalid_request")],
    ids=["blank-message", "missing-message"],
)
def test_bad_chat_body_is_422(
    server: Server, language: str, body: dict[str, object], code: str
) -> None:
    with server.client("default-widget", language) as client:
        response = client.post("/v1/chat", json=body)

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == code
    assert _is_chinese(error["message"]) is language.startswith("zh")


@LANGUAGES
def test_rate_limit_is_429(strict_server: Server, language: str) -> None:
    statuses = []
    with strict_server.client(f"beta-{'agent' if language == 'en' else 'admin'}", language) as c:
        for _ in range(10):
            response = c.get("/v1/models")
            statuses.append(response.status_code)
            if response.status_code == 429:
                break

    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429
    assert int(response.headers["retry-after"]) >= 1
    error = _error(response, openai=True)
    assert error["code"] == "rate_limited"
    assert error["type"] == "requests"
    assert _is_chinese(error["message"]) is language.startswith("zh")


def test_unknown_path_is_json_404(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_api_docs_use_local_files(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)

    assert response.status_code == 200
    assert "swagger" in response.text.lower()
    assert assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets)
    for asset in assets:
        assert httpx.get(f"{server.base_url}{asset}").status_code == 200, asset
    assert "openapi.json" in response.text
    assert httpx.get(f"{server.base_url}/redoc").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/tickets/T-99999999999999999999", 400),
        ("/v1/incidents/INC-99999999999999999999", 400),
        ("/v1/ops/voc?week=0001-W01", 400),
        ("/v1/ops/kb-gaps?week=9999-W52", 400),
    ],
    ids=["ticket-id", "incident-id", "early-week", "late-week"],
)
def test_out_of_range_values_are_4xx(server: Server, path: str, status: int) -> None:
    key = "default-agent" if "/v1/ops/" not in path else "default-ops"
    with server.client(key, "zh-CN") as client:
        response = client.get(path)

    assert response.status_code == status, response.text
    assert _is_chinese(_error(response)["message"])


@LANGUAGES
def test_oversized_body_is_413(server: Server, language: str) -> None:
    body = b'{"message": "' + b"x" * 2_000_000 + b'"}'
    with server.client("default-widget", language) as client:
        declared = client.post(
            "/v1/chat", content=body, headers={"Content-Type": "application/json"}
        )
        streamed = client.post(
            "/v1/chat",
            content=iter([body[:1_000_000], body[1_000_000:]]),
            headers={"Content-Type": "application/json"},
        )

    for response in (declared, streamed):
        assert response.status_code == 413
        error = _error(response)
        assert error["code"] == "request_too_large"
        assert _is_chinese(error["message"]) is language.startswith("zh")
        assert "ASSISTANT_API_MAX_BODY_BYTES" in error["message"]


@LANGUAGES
@pytest.mark.parametrize("path", ["/v1/chat", "/v1/chat/completions"])
def test_plain_text_body_is_415(server: Server, language: str, path: str) -> None:
    with server.client("default-widget", language) as client:
        response = client.post(
            path,
            content=b"How do I set up SSO?",
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )

    assert response.status_code == 415
    error = _error(response, openai=path == "/v1/chat/completions")
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]
    assert "text/plain; charset=utf-8" in error["message"]
    assert "b'" not in error["message"]
    assert _is_chinese(error["message"]) is language.startswith("zh")
