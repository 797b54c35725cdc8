"""Chat over SSE and as JSON, against the running server."""

from __future__ import annotations

import pytest

from tests.api.conftest import Server
from tests.api.sse import parse_events


def test_chat_stream_how_to_event_order(server: Server) -> None:
    body = {"message": "How do I set up SSO?", "user": {"id": "u-1", "role": "admin"}}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat", json=body)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "intent"
    assert names[1] == "citations"
    assert names[-1] == "done"
    assert set(names[2:-1]) == {"delta"}
    assert events[0][1]["name"] == "how_to"
    assert events[1][1]["citations"], "a how-to answer cites the KB"
    answer = "".join(data["text"] for name, data in events if name == "delta")
    assert "SSO" in answer or "SAML" in answer
    assert events[-1][1]["conversation_id"]
    assert events[-1][1]["timings"]["total_ms"] >= events[-1][1]["timings"]["graph_ms"] > 0


def test_chat_sync_returns_one_json_object(server: Server) -> None:
    body = {"message": "如何给任务设置截止日期？", "user": {"id": "u-2"}}

    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)

    assert response.status_code == 200
    reply = response.json()
    assert reply["language"] == "zh"
    assert reply["intent"]["name"] == "how_to"
    assert reply["citations"]
    assert reply["action"]["type"] == "answer"
    assert reply["action"]["ticket"] is None
    assert reply["answer"]


def test_chat_stream_continues_conversation(server: Server) -> None:
    with server.client("default-widget") as client:
        first = client.post("/v1/chat", params={"stream": "false"}, json={"message": "hi"})
        conversation_id = first.json()["conversation_id"]
        second = client.post(
            "/v1/chat",
            json={"message": "How do I create a board?", "conversation_id": conversation_id},
        )

    done = parse_events(second.text)[-1]
    assert done == ("done", done[1])
    assert done[1]["conversation_id"] == conversation_id


def test_bug_report_action_ticket_is_listed(server: Server) -> None:
    body = {
        "message": "The Gantt export crashes with error 500 since 3.4",
        "user": {"id": "reporter-1", "product_version": "3.4"},
    }

    with server.client("default-widget") as client:
        events = parse_events(client.post("/v1/chat", json=body).text)
    with server.client("default-agent") as client:
        listed = client.get("/v1/tickets").json()

    actions = [data for name, data in events if name == "action"]
    assert len(actions) == 1
    ticket = actions[0]["ticket"]
    assert ticket["id"].startswith("T-")
    assert ticket["sla_due_at"]
    assert [name for name, _ in events].index("action") > [name for name, _ in events].index(
        "delta"
    )
    listed_ids = [t["id"] for t in listed["tickets"]]
    assert ticket["id"] in listed_ids
    found = next(t for t in listed["tickets"] if t["id"] == ticket["id"])
    assert found["tenant"] == "default"
    assert found["requester"] == "reporter-1"
    assert found["channel"] == "api"


def test_chat_unknown_kb_is_404(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", json={"message": "hello", "kb": "missing"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_kb_not_found"


@pytest.mark.parametrize("stream", ["true", "false"])
@pytest.mark.parametrize("user_id", ["<b>evil</b>", "bell\x07", "two\nlines"], ids=repr)
def test_chat_invalid_user_id_is_400(server: Server, user_id: str, stream: str) -> None:
    body = {"message": "How do I set up SSO?", "user": {"id": user_id}}
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": stream}, json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_user_id"
    assert user_id in error["message"]


def test_chat_invalid_user_id_message_in_chinese(server: Server) -> None:
    body = {"message": "如何设置甘特图基线？", "user": {"id": "<b>evil</b>"}}
    with server.client("default-widget", "zh") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)

    assert response.status_code == 400
    assert "用户 ID“<b>evil</b>”无效" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "How do I set up SSO?", "conversationId": "c-1"}, "conversationId"),
        ({"message": "How do I set up SSO?", "user": {"version": "3.4"}}, "version"),
    ],
    ids=["top-level", "user"],
)
def test_chat_unknown_field_is_rejected_by_name(
    server: Server, body: dict[str, object], field: str
) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)

    assert response.status_code == 422
    assert field in response.json()["error"]["message"]
