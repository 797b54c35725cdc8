"""Errors about a value outside a closed list name every valid value, in both languages."""

from __future__ import annotations

import pytest

from assistant.domain import MODULES
from assistant.onboarding.catalog import load_catalog
from assistant.tickets.roster import load_roster
from tests.api.conftest import Server


def _open_ticket(server: Server) -> str:
    body = {"message": "转人工", "user": {"id": "choice-list-user"}}
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=body).json()
    ticket_id: str = reply["action"]["ticket"]["id"]
    return ticket_id


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-CN", "、")])
def test_unknown_agent_lists_whole_roster(server: Server, language: str, separator: str) -> None:
    roster_ids = [agent.id for agent in load_roster().agents]
    ticket_id = _open_ticket(server)

    with server.client("default-agent", language) as client:
        response = client.post(f"/v1/tickets/{ticket_id}/assign", json={"agent_id": "nobody"})

    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "…" not in message
    assert separator.join(roster_ids) in message


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-CN", "、")])
def test_unknown_feature_lists_all_features(server: Server, language: str, separator: str) -> None:
    features = sorted(load_catalog().features)

    with server.client("default-widget", language=language) as client:
        response = client.post("/v1/events", json={"user_id": "u1", "feature": "teleport"})

    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "…" not in message
    assert separator.join(features) in message


@pytest.mark.parametrize(("language", "separator"), [("en", ", "), ("zh-CN", "、")])
def test_invalid_module_lists_all_modules(server: Server, language: str, separator: str) -> None:
    with server.client("default-agent", language=language) as client:
        response = client.get("/v1/incidents", params={"module": "teleport"})

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "…" not in message
    assert separator.join(MODULES) in message
