"""Onboarding API through the real server: events, tips, dismissals, the tour and tenants."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from assistant.keys import KeyRole, KeyStore
from assistant.settings import Settings
from tests.api.conftest import Server

BETA_KB = "docs"
"""Tenant beta's only KB, which has none of the articles the tip catalog cites."""


@pytest.fixture(scope="module")
def beta_widget(server: Server, api_data_dir: Path) -> str:
    """Name of a widget key of tenant beta, added to the server's keys."""
    store = KeyStore(Settings(data_dir=api_data_dir).resolved_database_url)
    try:
        server.keys["beta-widget"] = store.create("beta", KeyRole.WIDGET, "onboarding-test")[1]
    finally:
        store.close()
    return "beta-widget"


def _new_user() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def _tips(server: Server, user_id: str, key: str = "default-widget", **params: Any) -> Any:
    language = params.pop("language", "en")
    with server.client(key, language=language) as client:
        response = client.get(f"/v1/users/{user_id}/tips", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _tip_ids(body: Any) -> list[str]:
    return [tip["id"] for tip in body["tips"]]


def test_post_event_returns_201_and_changes_ranking(server: Server) -> None:
    user_id = _new_user()
    before = _tips(server, user_id, persona="developer", limit=20)
    first = before["tips"][0]

    with server.client("default-widget") as client:
        response = client.post("/v1/events", json={"user_id": user_id, "feature": first["feature"]})
    after = _tips(server, user_id, persona="developer", limit=20)

    assert response.status_code == 201
    assert response.json()["feature"] == first["feature"]
    assert response.json()["kind"] == "used"
    assert _tip_ids(after)[0] != first["id"]
    moved = next(tip for tip in after["tips"] if tip["id"] == first["id"])
    assert "unused_feature" not in moved["reasons"]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_post_event_unknown_feature_is_422(server: Server, language: str) -> None:
    with server.client("default-widget", language=language) as client:
        response = client.post("/v1/events", json={"user_id": "u1", "feature": "teleport"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_feature"
    assert "teleport" in error["message"]
    assert "gantt_baselines" in error["message"]
    assert ("可选值" in error["message"]) is language.startswith("zh")


def test_post_event_with_invalid_user_id_is_400(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/events", json={"user_id": "a b", "feature": "tasks"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_user_id"


def test_post_event_with_naive_time_is_422(server: Server) -> None:
    body = {"user_id": "u1", "feature": "tasks", "at": "2026-03-02T09:30:00"}
    with server.client("default-widget") as client:
        response = client.post("/v1/events", json=body)

    assert response.status_code == 422


def test_tips_cite_kb_articles_with_titles(server: Server) -> None:
    body = _tips(server, _new_user(), limit=20)

    assert body["role"] == "member"
    assert body["language"] == "en"
    assert len(body["tips"]) >= 5
    for tip in body["tips"]:
        assert tip["article"]["doc"].startswith("en/"), tip
        assert tip["article"]["title"], tip
        assert tip["text"] and tip["rewritten"] is False


def test_tips_follow_locale_parameter_over_accept_language(server: Server) -> None:
    body = _tips(server, _new_user(), locale="zh-CN", role="admin")

    assert body["language"] == "zh"
    assert body["tips"][0]["article"]["doc"].startswith("zh/")
    assert any("\u4e00" <= char <= "\u9fff" for char in body["tips"][0]["text"])


def test_tips_filter_role_and_version(server: Server) -> None:
    old_member = _tip_ids(_tips(server, _new_user(), version="3.2", limit=20))
    admin = _tip_ids(_tips(server, _new_user(), role="admin", limit=20))

    assert "classic-boards" in old_member
    assert "recurring-tasks" not in old_member
    assert "boards-wip-limits" not in old_member
    assert "sso" not in old_member
    assert "sso" in admin
    assert "classic-boards" not in admin


def test_tips_use_stored_role_and_persona(server: Server) -> None:
    user_id = _new_user()
    event = {
        "user_id": user_id,
        "feature": "profile",
        "role": "admin",
        "persona": "workspace_admin",
        "product_version": "3.3",
    }
    with server.client("default-widget") as client:
        assert client.post("/v1/events", json=event).status_code == 201

    body = _tips(server, user_id)

    assert (body["role"], body["persona"], body["product_version"]) == (
        "admin",
        "workspace_admin",
        "3.3",
    )
    assert body["tips"][0]["id"] == "ip-allowlist"


def test_dismissed_tip_never_comes_back(server: Server) -> None:
    user_id = _new_user()
    first = _tip_ids(_tips(server, user_id))[0]

    with server.client("default-widget") as client:
        response = client.post(f"/v1/users/{user_id}/tips/{first}/dismiss")
        again = client.post(f"/v1/users/{user_id}/tips/{first}/dismiss")

    assert response.status_code == 200
    assert again.json()["dismissed_at"] == response.json()["dismissed_at"]
    for params in ({}, {"persona": "developer"}, {"locale": "zh-CN", "limit": 20}):
        assert first not in _tip_ids(_tips(server, user_id, **params)), params


def test_dismiss_unknown_tip_is_404(server: Server) -> None:
    with server.client("default-widget", language="zh-CN") as client:
        response = client.post("/v1/users/u1/tips/no-such-tip/dismiss")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tip_not_found"
    assert "no-such-tip" in response.json()["error"]["message"]


def test_tips_with_unknown_persona_is_422(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.get("/v1/users/u1/tips", params={"persona": "astronaut"})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_persona"


def test_tips_of_unknown_kb_is_404(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.get("/v1/users/u1/tips", params={"kb": "nope"})

    assert response.status_code == 404


def test_tour_shown_until_completed(server: Server) -> None:
    user_id = _new_user()
    with server.client("default-widget", language="zh-CN") as client:
        first = client.get(f"/v1/users/{user_id}/tour").json()
        finished = client.post(
            f"/v1/users/{user_id}/tour", json={"status": "completed", "steps_seen": 5}
        )
        skipped_later = client.post(f"/v1/users/{user_id}/tour", json={"status": "skipped"})
        later = client.get(f"/v1/users/{user_id}/tour").json()

    assert first["show"] is True
    assert 3 <= len(first["steps"]) <= 5
    assert first["steps"][0]["target"] == "chat-input"
    assert first["steps"][0]["title"] == "提出问题"
    assert finished.status_code == 200
    assert skipped_later.json()["status"] == "completed", "the first record is kept"
    assert later["show"] is False
    assert later["status"] == "completed"


def test_tour_update_rejects_unknown_status(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.post("/v1/users/u1/tour", json={"status": "maybe"})

    assert response.status_code == 422


def test_onboarding_needs_a_key(server: Server) -> None:
    with server.client() as client:
        responses = [
            client.get("/v1/users/u1/tips"),
            client.get("/v1/users/u1/tour"),
            client.post("/v1/events", json={"user_id": "u1", "feature": "tasks"}),
            client.post("/v1/users/u1/tips/sso/dismiss"),
        ]

    assert [response.status_code for response in responses] == [401, 401, 401, 401]


def test_onboarding_state_is_separate_per_tenant(server: Server, beta_widget: str) -> None:
    user_id = _new_user()
    first = _tip_ids(_tips(server, user_id))[0]
    with server.client(beta_widget) as beta:
        assert beta.post(f"/v1/users/{user_id}/tips/{first}/dismiss").status_code == 200
        assert beta.post(f"/v1/users/{user_id}/tour", json={"status": "skipped"}).status_code == 200
        event = {"user_id": user_id, "feature": "tasks", "role": "admin"}
        assert beta.post("/v1/events", json=event).status_code == 201
    with server.client("default-widget") as default:
        tour = default.get(f"/v1/users/{user_id}/tour").json()

    after = _tips(server, user_id)

    assert _tip_ids(after)[0] == first, "beta's dismissal must not reach tenant default"
    assert after["role"] == "member", "beta's stored role must not reach tenant default"
    assert tour["show"] is True


def test_tips_skip_articles_missing_from_tenant_kb(server: Server, beta_widget: str) -> None:
    body = _tips(server, _new_user(), key=beta_widget, kb=BETA_KB, limit=20)

    assert body["tips"] == []


def test_tips_follow_chat_questions(server: Server) -> None:
    user_id = _new_user()
    before = _tips(server, user_id, persona="developer", limit=20)
    question = {"message": "How do I submit my weekly timesheet?", "user": {"id": user_id}}
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=question).json()

    after = _tips(server, user_id, persona="developer", limit=20)

    cited = {citation["doc"] for citation in reply["citations"]}
    assert "en/time_tracking/timesheets-and-reports.md" in cited
    assert _tip_ids(before)[0] == "git-integration"
    assert _tip_ids(after)[0] == "timers", "the chat question moved the time-tracking tip up"
    assert "related_to_questions" in after["tips"][0]["reasons"]


def test_tour_boolean_steps_seen_is_422(server: Server) -> None:
    with server.client("default-widget") as client:
        response = client.post(
            "/v1/users/tour-bool/tour", json={"status": "completed", "steps_seen": True}
        )

    assert response.status_code == 422, response.text
    assert "field 'steps_seen' must be an integer, got true" in response.json()["error"]["message"]
