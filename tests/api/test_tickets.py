"""Tickets API: filters, status change, comments, escalation and assignment."""

from __future__ import annotations

import pytest

from assistant.tickets.schemas import ReasonCode
from tests.api.conftest import Server


def _open_ticket(server: Server) -> str:
    body = {"message": "转人工", "user": {"id": "ticket-user"}}
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=body).json()
    ticket_id: str = reply["action"]["ticket"]["id"]
    return ticket_id


def test_ticket_lifecycle_by_agent(server: Server) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-agent") as client:
        commented = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "On it."})
        escalated = client.post(
            f"/v1/tickets/{ticket_id}/escalate", json={"to_tier": "L3", "reason": "needs a fix"}
        )
        downgrade = client.post(
            f"/v1/tickets/{ticket_id}/escalate", json={"to_tier": "L2", "reason": "lower"}
        )
        assigned = client.post(f"/v1/tickets/{ticket_id}/assign", json={})
        resolved = client.patch(f"/v1/tickets/{ticket_id}", json={"status": "resolved"})
        filtered = client.get("/v1/tickets", params={"status": "resolved", "tier": "L3"}).json()

    assert commented.status_code == 201
    assert commented.json()["events"][-1]["actor"] == "default-agent"
    assert escalated.status_code == 200
    assert escalated.json()["tier"] == "L3"
    assert escalated.json()["sla_due_at"] is not None
    assert downgrade.status_code == 409
    assert downgrade.json()["error"]["code"] == "ticket_conflict"
    assert assigned.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert ticket_id in [t["id"] for t in filtered["tickets"]]


def test_ops_reads_but_cannot_write(server: Server) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-ops") as client:
        read = client.get(f"/v1/tickets/{ticket_id}")
        breached = client.get("/v1/tickets", params={"sla_breached": "false"})
        write = client.patch(f"/v1/tickets/{ticket_id}", json={"status": "closed"})

    assert read.status_code == 200
    assert read.json()["sla_breached"] is False
    assert breached.status_code == 200
    assert write.status_code == 403


def test_invalid_ticket_id_is_400(server: Server) -> None:
    with server.client("default-agent", "zh") as client:
        response = client.get("/v1/tickets/not-a-ticket")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_ticket_id"


def test_blank_comment_is_422_naming_text(server: Server) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-agent") as client:
        before = client.get(f"/v1/tickets/{ticket_id}").json()
        blank = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "   \n\t"})
        after = client.get(f"/v1/tickets/{ticket_id}").json()
        padded = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "  On it.  "})

    assert blank.status_code == 422
    assert blank.json()["error"]["code"] == "invalid_request"
    assert "text" in blank.json()["error"]["message"]
    assert after["events"] == before["events"]
    assert padded.status_code == 201
    assert padded.json()["events"][-1]["data"]["text"] == "On it."


@pytest.mark.parametrize("language", ["en", "zh"])
def test_assign_unknown_agent_is_422_listing_roster(server: Server, language: str) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-agent", language) as client:
        response = client.post(f"/v1/tickets/{ticket_id}/assign", json={"agent_id": "nobody"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_agent"
    assert "nobody" in error["message"]
    assert "zhang-wei" in error["message"]
    assert "ASSISTANT_ROSTER_PATH" in error["message"]
    assert ("值班表" in error["message"]) is (language == "zh")


@pytest.mark.parametrize(
    "body", [None, {"agent_id": ""}, {"agent_id": "  "}, {"agent_id": None}], ids=str
)
def test_assign_without_agent_picks_automatically(
    server: Server, body: dict[str, str | None] | None
) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-agent") as client:
        if body is None:
            response = client.post(f"/v1/tickets/{ticket_id}/assign")
        else:
            response = client.post(f"/v1/tickets/{ticket_id}/assign", json=body)

    assert response.status_code == 200
    assert response.json()["team"] is not None
    assert response.json()["events"][-1]["kind"] == "assigned"


def test_ticket_detail_returns_reason_codes(server: Server) -> None:
    outage = "The whole site is down, nobody in our company can load any page, 502 everywhere"
    body = {"message": outage, "user": {"id": "reason-code-user"}}
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=body).json()
    ticket_id = reply["action"]["ticket"]["id"]

    with server.client("default-agent") as client:
        client.post(
            f"/v1/tickets/{ticket_id}/escalate", json={"to_tier": "L3", "reason": "needs a fix"}
        )
        detail = client.get(f"/v1/tickets/{ticket_id}").json()

    escalations = [event["data"] for event in detail["events"] if event["kind"] == "escalated"]
    assert escalations[0]["reason"] == "outage goes to L2"
    assert escalations[0]["reason_code"] == "intent_needs_tier"
    assert escalations[0]["reason_params"] == {"intent": "outage", "tier": "L2"}
    assert escalations[-1]["reason"] == "needs a fix"
    assert "reason_code" not in escalations[-1], "an agent's reason has no code"
    assignments = [event["data"] for event in detail["events"] if event["kind"] == "assigned"]
    assert assignments, detail["events"]
    for assigned in assignments:
        assert assigned["reason_code"] in {code.value for code in ReasonCode}
        assert isinstance(assigned["reason_params"], dict)
        assert assigned["reason"]


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "The user asked for a person"), ("zh", "用户要求转人工")],
)
def test_ticket_json_names_opening_reason(server: Server, language: str, label: str) -> None:
    ticket_id = _open_ticket(server)

    with server.client("default-agent", language) as client:
        detail = client.get(f"/v1/tickets/{ticket_id}").json()
        listed = client.get("/v1/tickets").json()["tickets"]
        commented = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "On it."})

    assert detail["reason_code"] == "person_requested"
    assert detail["reason"] == label
    in_list = next(ticket for ticket in listed if ticket["id"] == ticket_id)
    assert (in_list["reason_code"], in_list["reason"]) == ("person_requested", label)
    assert commented.json()["reason"] == label
