"""Feedback API: thumbs ratings, surveys once per conversation, the summary and tenants."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Server


def _start_conversation(server: Server, message: str = "How do I set up SSO?") -> dict[str, Any]:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json={"message": message})
    reply: dict[str, Any] = response.json()
    return reply


def _summary(server: Server) -> dict[str, Any]:
    with server.client("default-ops") as client:
        response = client.get("/v1/feedback/summary")
    assert response.status_code == 200
    summary: dict[str, Any] = response.json()
    return summary


def test_thumbs_rating_stored_with_intent_of_conversation(server: Server) -> None:
    reply = _start_conversation(server)
    before = _summary(server)
    body = {"conversation_id": reply["conversation_id"], "message_id": None, "rating": "up"}

    with server.client("default-widget") as client:
        response = client.post("/v1/feedback", json=body)
    after = _summary(server)

    assert response.status_code == 201
    assert response.json()["intent"] == reply["intent"]["name"]
    assert after["ratings"] == before["ratings"] + 1
    assert after["thumbs_up"] == before["thumbs_up"] + 1
    assert after["by_intent"][reply["intent"]["name"]]["thumbs_up"] >= 1


def test_rating_of_same_message_replaces_earlier_one(server: Server) -> None:
    reply = _start_conversation(server)
    before = _summary(server)
    body = {"conversation_id": reply["conversation_id"], "message_id": "reply-1", "rating": "up"}

    with server.client("default-widget") as client:
        first = client.post("/v1/feedback", json=body)
        second = client.post(
            "/v1/feedback", json=body | {"rating": "down", "reason": "missing a step"}
        )
    after = _summary(server)

    assert first.status_code == 201
    assert second.status_code == 201
    assert after["ratings"] == before["ratings"] + 1
    assert after["thumbs_down"] == before["thumbs_down"] + 1


def test_feedback_on_other_tenant_conversation_is_404(server: Server) -> None:
    reply = _start_conversation(server)
    body = {"conversation_id": reply["conversation_id"], "rating": "up"}

    with server.client("beta-agent", "zh") as client:
        rating = client.post("/v1/feedback", json=body)
        survey = client.post(
            "/v1/surveys", json={"conversation_id": body["conversation_id"], "csat": 5}
        )
        unknown = client.post("/v1/feedback", json=body | {"conversation_id": "never-started"})

    assert rating.status_code == 404
    assert rating.json()["error"]["code"] == "conversation_not_found"
    assert "会话" in rating.json()["error"]["message"]
    assert survey.status_code == 404
    assert unknown.status_code == 404


def test_second_survey_of_conversation_is_409(server: Server) -> None:
    reply = _start_conversation(server, "转人工")
    survey = {"conversation_id": reply["conversation_id"], "csat": 4, "nps": 9}

    with server.client("default-widget", "zh") as client:
        first = client.post("/v1/surveys", json=survey)
        second = client.post("/v1/surveys", json=survey | {"csat": 1})

    assert first.status_code == 201
    assert first.json()["intent"] == "human_handoff"
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "survey_already_submitted"
    assert "只能提交一次" in second.json()["error"]["message"]


def test_survey_values_out_of_range_are_422(server: Server) -> None:
    reply = _start_conversation(server)
    conversation_id = reply["conversation_id"]

    with server.client("default-widget") as client:
        csat = client.post("/v1/surveys", json={"conversation_id": conversation_id, "csat": 6})
        nps = client.post("/v1/surveys", json={"conversation_id": conversation_id, "nps": -1})
        empty = client.post("/v1/surveys", json={"conversation_id": conversation_id})
        rating = client.post(
            "/v1/feedback", json={"conversation_id": conversation_id, "rating": "meh"}
        )

    assert csat.status_code == 422
    assert nps.status_code == 422
    assert empty.status_code == 422
    assert rating.status_code == 422


def test_summary_computes_csat_and_nps(server: Server) -> None:
    before = _summary(server)
    answers = [(5, 10), (3, 7), (1, 2)]
    for csat, nps in answers:
        conversation_id = _start_conversation(server)["conversation_id"]
        with server.client("default-widget") as client:
            response = client.post(
                "/v1/surveys", json={"conversation_id": conversation_id, "csat": csat, "nps": nps}
            )
        assert response.status_code == 201

    after = _summary(server)

    assert after["surveys"] == before["surveys"] + len(answers)
    assert after["csat_count"] == before["csat_count"] + len(answers)
    assert after["nps_count"] == before["nps_count"] + len(answers)
    assert after["csat_average"] is not None
    assert -100 <= after["nps"] <= 100


def test_summary_needs_ops_or_admin_role(server: Server) -> None:
    with server.client("default-widget") as widget, server.client("default-admin") as admin:
        denied = widget.get("/v1/feedback/summary")
        allowed = admin.get("/v1/feedback/summary")

    assert denied.status_code == 403
    assert allowed.status_code == 200


def test_chat_reply_lists_related_articles(server: Server) -> None:
    reply = _start_conversation(server, "How do I set a baseline in the Gantt chart?")

    related = reply["related"]
    cited = {citation["doc"] for citation in reply["citations"]}

    assert reply["citations"]
    assert len(related) <= 3
    assert all(set(article) == {"doc", "title"} for article in related)
    assert not cited & {article["doc"] for article in related}


@pytest.mark.parametrize(
    ("field", "value", "language", "expected"),
    [
        ("csat", True, "en", "field 'csat' must be an integer, got true"),
        ("nps", False, "en", "field 'nps' must be an integer, got false"),
        ("csat", True, "zh-CN", "字段“csat”必须是整数，收到的是 true"),
    ],
    ids=["csat-true", "nps-false", "csat-true-zh"],
)
def test_survey_boolean_score_is_422(
    server: Server, field: str, value: bool, language: str, expected: str
) -> None:
    reply = _start_conversation(server)
    conversation_id = reply["conversation_id"]

    with server.client("default-widget", language) as client:
        boolean = client.post(
            "/v1/surveys", json={"conversation_id": conversation_id, field: value}
        )
        real = client.post("/v1/surveys", json={"conversation_id": conversation_id, "csat": 5})

    assert boolean.status_code == 422, boolean.text
    assert expected in boolean.json()["error"]["message"]
    # The rejected survey was not stored, so the user's real answer is still accepted.
    assert real.status_code == 201, real.text
