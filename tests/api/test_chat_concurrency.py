"""Messages of one conversation sent at once to two server processes open one ticket."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

import pytest

from tests.api.conftest import Server
from tests.concurrency import raise_first_error, run_at_once

MESSAGES = ("talk to a human", "The whole site is down, nobody can log in")
"""Two messages that each open a ticket when they come first in a conversation."""
ROUNDS = 3


def _post(server: Server, message: str, conversation_id: str, user_id: str) -> Any:
    body = {"message": message, "conversation_id": conversation_id, "user": {"id": user_id}}
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)
    response.raise_for_status()
    return response.json()


def _post_at_once(servers: list[Server], conversation_id: str, user_id: str) -> list[Any]:
    calls = [
        partial(_post, server, message, conversation_id, user_id)
        for server, message in zip(servers, MESSAGES, strict=True)
    ]
    return raise_first_error(run_at_once(calls))


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_parallel_chats_open_one_ticket(
    server: Server, twin_server: Server, round_number: int
) -> None:
    conversation_id = f"parallel-{round_number}-{uuid.uuid4().hex[:8]}"
    user_id = f"parallel-user-{conversation_id}"

    replies = _post_at_once([server, twin_server], conversation_id, user_id)

    with server.client("default-agent") as client:
        listed = client.get("/v1/tickets", params={"limit": 500}).json()["tickets"]
    tickets = [ticket for ticket in listed if ticket["requester"] == user_id]
    assert len(tickets) == 1, [ticket["subject"] for ticket in tickets]
    ticket = tickets[0]
    assert ticket["conversation_id"] == conversation_id
    assert {reply["action"]["ticket"]["id"] for reply in replies} == {ticket["id"]}
    with server.client("default-agent") as client:
        detail = client.get(f"/v1/tickets/{ticket['id']}").json()
    user_lines = {m["content"] for m in detail["transcript"] if m["role"] == "user"}
    assert user_lines == set(MESSAGES)
