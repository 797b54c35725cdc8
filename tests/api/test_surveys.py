"""Survey status API: a conversation's survey is due once its tickets close or it ends."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.api.conftest import IDLE_SERVER_MINUTES, Server


def _chat(server: Server, message: str) -> dict[str, Any]:
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json={"message": message})
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _open_ticket(server: Server) -> tuple[str, str]:
    """Ask for a human, which opens a handoff ticket; return the conversation and ticket ids."""
    reply = _chat(server, "转人工")
    ticket = reply["action"]["ticket"]
    assert ticket is not None, reply["action"]
    return reply["conversation_id"], ticket["id"]


def _set_status(server: Server, ticket_id: str, status: str) -> None:
    with server.client("default-agent") as client:
        response = client.patch(f"/v1/tickets/{ticket_id}", json={"status": status})
    assert response.status_code == 200, response.text


def _survey_status(
    server: Server, conversation_id: str, key_name: str = "default-widget", **params: str
) -> dict[str, Any]:
    with server.client(key_name) as client:
        response = client.get(f"/v1/conversations/{conversation_id}/survey", params=params)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


def test_survey_not_due_while_ticket_open(server: Server) -> None:
    conversation_id, ticket_id = _open_ticket(server)

    status = _survey_status(server, conversation_id)
    ended = _survey_status(server, conversation_id, ended="true")

    assert status == {"due": False, "reason": None, "answered": False, "ticket_id": ticket_id}
    assert ended["due"] is False, "a conversation with an open ticket waits for the ticket"
    assert ended["reason"] is None


@pytest.mark.parametrize("ticket_status", ["resolved", "closed"])
def test_survey_due_after_ticket_finished(server: Server, ticket_status: str) -> None:
    conversation_id, ticket_id = _open_ticket(server)
    _set_status(server, ticket_id, "pending")
    assert _survey_status(server, conversation_id)["due"] is False

    _set_status(server, ticket_id, ticket_status)
    status = _survey_status(server, conversation_id)

    assert status == {
        "due": True,
        "reason": "ticket_closed",
        "answered": False,
        "ticket_id": ticket_id,
    }


def test_survey_not_due_after_ticket_reopened(server: Server) -> None:
    conversation_id, ticket_id = _open_ticket(server)
    _set_status(server, ticket_id, "resolved")

    _set_status(server, ticket_id, "open")
    status = _survey_status(server, conversation_id)

    assert status["due"] is False
    assert status["ticket_id"] == ticket_id


def test_survey_answered_after_submit_and_second_is_409(server: Server) -> None:
    conversation_id, ticket_id = _open_ticket(server)
    _set_status(server, ticket_id, "resolved")
    survey = {"conversation_id": conversation_id, "csat": 5, "nps": 9, "comment": "quick fix"}

    with server.client("default-widget") as client:
        first = client.post("/v1/surveys", json=survey)
        second = client.post("/v1/surveys", json=survey | {"csat": 1})
    status = _survey_status(server, conversation_id)

    assert first.status_code == 201, first.text
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "survey_already_submitted"
    assert status == {
        "due": False,
        "reason": "ticket_closed",
        "answered": True,
        "ticket_id": ticket_id,
    }


def test_survey_due_when_client_ends_conversation_without_ticket(server: Server) -> None:
    reply = _chat(server, "How do I set up SSO?")
    assert reply["action"]["ticket"] is None, reply["action"]
    conversation_id = reply["conversation_id"]

    going_on = _survey_status(server, conversation_id)
    ended = _survey_status(server, conversation_id, ended="true")

    assert going_on == {"due": False, "reason": None, "answered": False, "ticket_id": None}
    assert ended == {
        "due": True,
        "reason": "conversation_ended",
        "answered": False,
        "ticket_id": None,
    }


def test_survey_status_of_other_tenant_conversation_is_404(server: Server) -> None:
    conversation_id, ticket_id = _open_ticket(server)
    _set_status(server, ticket_id, "closed")
    path = f"/v1/conversations/{conversation_id}/survey"

    with server.client("beta-agent", "zh") as client:
        other_tenant = client.get(path)
        unknown = client.get("/v1/conversations/never-started/survey")
        invalid = client.get("/v1/conversations/bad%20id!/survey")
    with server.client() as client:
        anonymous = client.get(path)

    assert other_tenant.status_code == 404
    assert other_tenant.json()["error"]["code"] == "conversation_not_found"
    assert "会话" in other_tenant.json()["error"]["message"]
    assert unknown.status_code == 404
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "invalid_conversation_id"
    assert anonymous.status_code == 401


def test_survey_status_bad_ended_flag_is_422(server: Server) -> None:
    conversation_id = _chat(server, "How do I set up SSO?")["conversation_id"]

    with server.client("default-widget") as client:
        response = client.get(
            f"/v1/conversations/{conversation_id}/survey", params={"ended": "maybe"}
        )

    assert response.status_code == 422


def test_survey_due_when_conversation_idle(idle_server: Server) -> None:
    conversation_id = _chat(idle_server, "How do I set up SSO?")["conversation_id"]
    handoff_id, _ = _open_ticket(idle_server)

    time.sleep(IDLE_SERVER_MINUTES * 60 + 0.2)
    idle = _survey_status(idle_server, conversation_id)
    idle_with_ticket = _survey_status(idle_server, handoff_id)

    assert idle["due"] is True
    assert idle["reason"] == "conversation_ended"
    assert idle_with_ticket["due"] is False, "an open ticket keeps the conversation going"
