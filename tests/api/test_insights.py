"""Ops reports through the real server: turn metrics, voice of the customer, KB gaps, roles
and tenant isolation."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant.settings import Settings
from insights.weeks import week_of
from tests.api.conftest import Server

REPORT_PATHS = ["/v1/ops/voc", "/v1/ops/kb-gaps", "/v1/ops/kbs"]


def _current_week() -> str:
    timezone = ZoneInfo(Settings().timezone)
    return str(week_of(datetime.now(timezone), timezone))


def _chat(server: Server, key_name: str, message: str, **body: str) -> dict[str, Any]:
    with server.client(key_name) as client:
        response = client.post(
            "/v1/chat", params={"stream": "false"}, json={"message": message, **body}
        )
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _get(server: Server, key_name: str, path: str, **params: str) -> dict[str, Any]:
    with server.client(key_name) as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _turn_metrics(server: Server, key_name: str) -> dict[str, Any]:
    metrics: dict[str, Any] = _get(server, key_name, "/v1/ops/live")["turn_metrics"]
    return metrics


@pytest.mark.parametrize(
    ("key_name", "status"),
    [("default-ops", 200), ("default-admin", 200), ("default-agent", 403), ("default-widget", 403)],
    ids=["ops", "admin", "agent", "widget"],
)
@pytest.mark.parametrize("path", REPORT_PATHS)
def test_report_endpoint_roles(server: Server, key_name: str, status: int, path: str) -> None:
    with server.client(key_name) as client:
        response = client.get(path)

    assert response.status_code == status, response.text


@pytest.mark.parametrize("path", REPORT_PATHS)
def test_report_endpoint_without_key_is_401(server: Server, path: str) -> None:
    with server.client() as client:
        response = client.get(path)

    assert response.status_code == 401


def test_turn_metrics_count_a_new_conversation(server: Server) -> None:
    before = _turn_metrics(server, "beta-admin")
    other_before = _turn_metrics(server, "default-ops")

    answered = _chat(server, "beta-admin", "How do I create a board?", kb="docs")
    handed_off = _chat(server, "beta-admin", "I want to talk to a human agent", kb="docs")
    after = _turn_metrics(server, "beta-admin")
    other_after = _turn_metrics(server, "default-ops")

    handoff_intent = handed_off["intent"]["name"]
    assert handed_off["action"]["type"] in {"handoff", "open_ticket", "escalate"}
    assert after["turns"] == before["turns"] + 2
    assert after["conversations"] == before["conversations"] + 2
    assert after["conversations_with_ticket"] == before["conversations_with_ticket"] + 1
    escalations_before = before["escalation_by_intent"].get(handoff_intent, {"escalated": 0})
    assert (
        after["escalation_by_intent"][handoff_intent]["escalated"]
        == escalations_before["escalated"] + 1
    )
    assert answered["intent"]["name"] in after["escalation_by_intent"]
    assert other_after["turns"] == other_before["turns"]


def test_turn_metrics_score_rating_by_module(server: Server) -> None:
    reply = _chat(server, "beta-admin", "How do I create a board?", kb="docs")
    module = "boards"
    before = _turn_metrics(server, "beta-admin")["feedback"]["by_module"].get(module, {})

    with server.client("beta-admin") as client:
        rated = client.post(
            "/v1/feedback", json={"conversation_id": reply["conversation_id"], "rating": "down"}
        )
    after = _turn_metrics(server, "beta-admin")["feedback"]["by_module"][module]

    assert rated.status_code == 201
    assert after["thumbs_down"] == before.get("thumbs_down", 0) + 1


def test_turn_metrics_reject_invalid_weeks(server: Server) -> None:
    with server.client("default-ops") as client:
        response = client.get("/v1/ops/live", params={"weeks": 0})

    assert response.status_code == 422


def test_voc_shows_the_tenant_terms_only(server: Server) -> None:
    _chat(server, "beta-admin", "The zorblax export crashes every time", kb="docs")
    week = _current_week()

    beta = _get(server, "beta-admin", "/v1/ops/voc", week=week)
    default = _get(server, "default-ops", "/v1/ops/voc", week=week)

    beta_terms = {term["term"]: term for term in beta["terms"]}
    assert beta["week"] == week
    assert beta_terms["zorblax"]["count"] >= 1
    assert beta_terms["zorblax"]["negative_count"] >= 1
    assert "zorblax" not in {term["term"] for term in default["terms"]}


def test_voc_rejects_invalid_week_in_chinese(server: Server) -> None:
    with server.client("default-ops", language="zh-CN") as client:
        response = client.get("/v1/ops/voc", params={"week": "2026-48"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_week"
    assert "无效" in response.json()["error"]["message"]


def test_kb_gaps_checks_the_tenant_kb(server: Server) -> None:
    week = _current_week()

    gaps = _get(server, "beta-admin", "/v1/ops/kb-gaps", kb="docs", week=week)
    with server.client("beta-admin") as client:
        missing = client.get("/v1/ops/kb-gaps", params={"kb": "default"})

    assert gaps["kb"] == "beta.docs"
    assert gaps["week"] == week
    assert gaps["stale_docs"]["checked_docs"] == 2
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "tenant_kb_not_found"


def test_kb_gaps_count_thumbs_down_answer(server: Server) -> None:
    week = _current_week()
    before = _get(server, "beta-admin", "/v1/ops/kb-gaps", kb="docs", week=week)
    reply = _chat(server, "beta-admin", "How do I create a board?", kb="docs")

    with server.client("beta-admin") as client:
        client.post(
            "/v1/feedback", json={"conversation_id": reply["conversation_id"], "rating": "down"}
        )
    after = _get(server, "beta-admin", "/v1/ops/kb-gaps", kb="docs", week=week)

    def thumbs_down(report: dict[str, Any]) -> int:
        return sum(cluster["signals"]["thumbs_down"] for cluster in report["clusters"])

    assert reply["action"]["type"] == "answer"
    assert thumbs_down(after) == thumbs_down(before) + 1
    [board_cluster] = [
        cluster
        for cluster in after["clusters"]
        if "How do I create a board?" in {example["question"] for example in cluster["examples"]}
    ]
    assert board_cluster["signals"]["thumbs_down"] >= 1
    assert board_cluster["modules"][0]["module"] == "boards"


def test_kb_list_names_only_the_tenant_kbs(server: Server) -> None:
    beta = _get(server, "beta-admin", "/v1/ops/kbs")
    default = _get(server, "default-ops", "/v1/ops/kbs")

    assert beta == {"kbs": ["docs"], "default": "default"}
    assert default["kbs"] == ["default"]
