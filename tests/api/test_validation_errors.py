"""Request validation errors through the real server: translated, naming the field and limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Server

DECISION_PATH = "/v1/tickets/T-000001/draft/decision"

CASES: list[tuple[str, str, str, Any, str, str]] = [
    # (key, method, path, JSON body, Chinese text, English text)
    (
        "default-widget",
        "POST",
        "/v1/chat",
        {"user": {}},
        "缺少必填的字段“message”",
        "field 'message' is required",
    ),
    (
        "default-widget",
        "POST",
        "/v1/chat",
        {"message": "hi", "user": {"role": "god"}},
        '字段“user.role”的可选值为：admin、member、guest，收到的是 "god"',
        "field 'user.role' must be one of: admin, member, guest; got \"god\"",
    ),
    (
        "default-widget",
        "POST",
        "/v1/chat",
        {"message": "hi", "user": []},
        "字段“user”必须是 JSON 对象",
        "field 'user' must be a JSON object",
    ),
    (
        "default-widget",
        "POST",
        "/v1/chat",
        {"message": 5},
        "字段“message”必须是字符串",
        "field 'message' must be a string",
    ),
    (
        "default-widget",
        "POST",
        "/v1/surveys",
        {"conversation_id": "c1", "csat": 9},
        "字段“csat”不能大于 5，收到的是 9",
        "field 'csat' must be at most 5, got 9",
    ),
    (
        "default-widget",
        "POST",
        "/v1/surveys",
        {"conversation_id": "c1", "nps": "ten"},
        "字段“nps”必须是整数",
        "field 'nps' must be an integer",
    ),
    (
        "default-widget",
        "POST",
        "/v1/surveys",
        {"conversation_id": ""},
        "字段“conversation_id”不能为空",
        "field 'conversation_id' must not be empty",
    ),
    (
        "default-widget",
        "POST",
        "/v1/surveys",
        {"conversation_id": "c1"},
        "调查内容为空",
        "the survey is empty",
    ),
    (
        "default-agent",
        "POST",
        "/v1/tickets/T-000001/escalate",
        {"to_tier": "L2", "reason": "x" * 2001},
        "字段“reason”最多只能有 2000 个字符",
        "field 'reason' must have at most 2000 characters",
    ),
    (
        "default-agent",
        "POST",
        DECISION_PATH,
        {"decision": "reject"},
        "决定为“reject”时必须提供字段“reason”",
        "field 'reason' is required for decision 'reject'",
    ),
    (
        "default-agent",
        "POST",
        DECISION_PATH,
        {"decision": "accept", "text": "other words"},
        "只有决定为“edit”时才能提供字段“text”",
        "field 'text' is only for decision 'edit'; leave it out for decision 'accept'",
    ),
    (
        "default-agent",
        "POST",
        DECISION_PATH,
        {"decision": "accept", "colour": "red"},
        "不支持字段“colour”",
        "field 'colour' is not allowed",
    ),
    (
        "default-agent",
        "PATCH",
        "/v1/incidents/INC-000001",
        {},
        "更新内容为空",
        "the update changes nothing",
    ),
    (
        "default-ops",
        "GET",
        "/v1/ops/live?weeks=0",
        None,
        "查询参数“weeks”不能小于 1",
        "query parameter 'weeks' must be at least 1",
    ),
]
CASE_IDS = [
    "missing",
    "literal",
    "object",
    "string-type",
    "less-equal",
    "int-parsing",
    "empty-string",
    "survey-empty",
    "too-long",
    "reject-without-reason",
    "text-not-allowed",
    "extra-field",
    "incident-update-empty",
    "query-parameter",
]


def _error(server: Server, key: str, language: str, method: str, path: str, body: Any) -> Any:
    with server.client(key, language) as client:
        response = client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    return error["message"]


@pytest.mark.parametrize(
    ("key", "method", "path", "body", "chinese", "english"), CASES, ids=CASE_IDS
)
def test_validation_error_in_chinese(
    server: Server, key: str, method: str, path: str, body: Any, chinese: str, english: str
) -> None:
    message = _error(server, key, "zh-CN", method, path, body)

    assert message.startswith("请求无效：")
    assert chinese in message
    assert "body." not in message
    assert "Input should" not in message
    assert "Field required" not in message


@pytest.mark.parametrize(
    ("key", "method", "path", "body", "chinese", "english"), CASES, ids=CASE_IDS
)
def test_validation_error_in_english(
    server: Server, key: str, method: str, path: str, body: Any, chinese: str, english: str
) -> None:
    message = _error(server, key, "en", method, path, body)

    assert message.startswith("invalid request: ")
    assert english in message


UNPARSABLE_BODY_PATHS = [
    # (key, path): native routes whose body is JSON
    ("default-widget", "/v1/chat"),
    ("default-widget", "/v1/surveys"),
    ("default-agent", "/v1/tickets/T-000001/comments"),
]


@pytest.mark.parametrize(("key", "path"), UNPARSABLE_BODY_PATHS, ids=["chat", "surveys", "comment"])
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", "请求体不是有效的 JSON：第 13 个字符处有语法错误，请修正后重新发送"),
        (
            "en",
            "the request body is not valid JSON: Expecting value at character 13; "
            "correct the syntax there and send the request again",
        ),
    ],
    ids=["chinese", "english"],
)
def test_broken_json_body_is_400(
    server: Server, key: str, path: str, language: str, expected: str
) -> None:
    headers = {"Content-Type": "application/json"}
    with server.client(key, language) as client:
        response = client.post(path, content=b'{"message": ', headers=headers)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert expected in response.json()["error"]["message"]
    assert "JSON decode error" not in response.json()["error"]["message"]


@pytest.mark.parametrize(("key", "path"), UNPARSABLE_BODY_PATHS, ids=["chat", "surveys", "comment"])
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "zh-CN",
            "请求体不是有效的 UTF-8 文本：第 14 个字节（0xFF）不属于任何 UTF-8 字符；"
            "请把 JSON 文本以 UTF-8 编码后重新发送",
        ),
        (
            "en",
            "the request body is not valid UTF-8: byte 14 (0xFF) does not belong to a UTF-8 "
            "character; encode the JSON text as UTF-8 and send the request again",
        ),
    ],
    ids=["chinese", "english"],
)
def test_body_not_utf8_is_400_naming_byte(
    server: Server, key: str, path: str, language: str, expected: str
) -> None:
    headers = {"Content-Type": "application/json"}
    with server.client(key, language) as client:
        response = client.post(path, content=b'{"message": "\xff"}', headers=headers)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert expected in response.json()["error"]["message"]


def test_latin1_body_names_first_invalid_byte(server: Server) -> None:
    body = '{"message": "Café über alles"}'.encode("latin-1")
    headers = {"Content-Type": "application/json; charset=iso-8859-1"}
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert "byte 17 (0xE9)" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "this endpoint takes files as a multipart/form-data body"),
        ("zh-CN", "此接口以 multipart/form-data 请求体接收文件"),
    ],
)
def test_upload_with_json_body_asks_for_multipart(
    server: Server, language: str, expected: str
) -> None:
    with server.client("beta-admin", language) as client:
        response = client.post("/v1/kb/jsonupload/documents", json={"files": ["guide.md"]})

    assert response.status_code == 415, response.text
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert expected in response.json()["error"]["message"]
    assert "application/json" in response.json()["error"]["message"]


def test_upload_broken_front_matter_reason_in_chinese(server: Server) -> None:
    files = [("files", ("broken.md", b"---\ntitle: [unclosed\n---\n# Broken\n", "text/markdown"))]

    with server.client("beta-admin", "zh-CN") as client:
        upload = client.post("/v1/kb/yamlzh/documents", files=files)

    assert upload.status_code == 200, upload.text
    reason = upload.json()["rejected"][0]["reason"]
    assert reason.startswith("头信息（front matter）不是有效的 YAML，请修正其语法。")
    assert reason.endswith("”")
