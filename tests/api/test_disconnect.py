"""A client that drops an SSE stream early leaves the ticket and the conversation intact."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.api.conftest import Server
from tests.api.sse import parse_events

BUG_REPORT = "The Gantt export crashes with error 500 since 3.4"
DETAILS = (
    "Steps: open project Apollo, click Export, choose PDF. "
    "Expected: a PDF file. Actual: error 500 and no file."
)
TICKET_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.2


def _read_first_event(response: httpx.Response) -> str:
    block: list[str] = []
    for line in response.iter_lines():
        if not line:
            break
        block.append(line)
    return "\n".join(block) + "\n\n"


def _tickets_of(server: Server, requester: str) -> list[dict[str, Any]]:
    with server.client("default-agent") as client:
        listed = client.get("/v1/tickets", params={"limit": 500}).json()
    return [ticket for ticket in listed["tickets"] if ticket["requester"] == requester]


def _wait_for_tickets(server: Server, requester: str) -> list[dict[str, Any]]:
    # After a disconnect before the first event, the turn still runs to the end on the server.
    deadline = time.monotonic() + TICKET_WAIT_SECONDS
    while time.monotonic() < deadline:
        tickets = _tickets_of(server, requester)
        if tickets:
            return tickets
        time.sleep(POLL_SECONDS)
    return []


@pytest.mark.parametrize("read_first_event", [True, False], ids=["first-event", "headers-only"])
def test_disconnect_keeps_ticket_and_conversation(server: Server, read_first_event: bool) -> None:
    requester = f"disconnect-{uuid.uuid4().hex[:8]}"
    conversation_id = f"c-{requester}"
    body = {
        "message": BUG_REPORT,
        "conversation_id": conversation_id,
        "user": {"id": requester, "product_version": "3.4"},
    }

    with (
        server.client("default-widget") as client,
        client.stream("POST", "/v1/chat", json=body) as response,
    ):
        assert response.status_code == 200
        first = parse_events(_read_first_event(response)) if read_first_event else []
    tickets = _wait_for_tickets(server, requester)
    with server.client("default-widget") as client:
        follow_up = client.post(
            "/v1/chat",
            params={"stream": "false"},
            json={"message": DETAILS, "conversation_id": conversation_id, "user": body["user"]},
        )

    if read_first_event:
        assert first[0][0] == "intent"
        assert first[0][1]["name"] == "bug_report"
    assert len(tickets) == 1, "the bug report's ticket is committed exactly once"
    assert follow_up.status_code == 200
    reply = follow_up.json()
    assert reply["conversation_id"] == conversation_id
    assert reply["action"]["ticket"] is not None, reply["answer"]
    assert reply["action"]["ticket"]["id"] == tickets[0]["id"]
    assert len(_tickets_of(server, requester)) == 1, "the follow-up adds to the same ticket"
