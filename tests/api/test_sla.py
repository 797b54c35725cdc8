"""The SLA monitor's breach events agree with `GET /v1/tickets?sla_breached=`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.domain import Tier
from assistant.settings import Settings
from assistant.tickets.schemas import EventKind, TicketUpdate
from assistant.tickets.sla_monitor import SlaMonitor
from assistant.tickets.store import TicketStore
from tests.api.conftest import Server, _start_server, _stop_server
from tests.tickets.factories import make_draft


def _open_ticket(store: TicketStore, requester: str, due_at: datetime) -> str:
    draft = make_draft(requester=requester, tier=Tier.L2)
    return store.create(draft, fields=TicketUpdate(diagnosis_due_at=due_at)).id


def test_monitor_breaches_match_api_filter(server: Server, api_data_dir: Path) -> None:
    requester = f"sla-{uuid.uuid4().hex[:8]}"
    settings = Settings(data_dir=api_data_dir)
    store = TicketStore(settings.resolved_database_url)
    now = datetime.now(UTC)
    overdue = _open_ticket(store, requester, now - timedelta(hours=1))
    on_time = _open_ticket(store, requester, now + timedelta(days=30))

    SlaMonitor(store, settings).check()
    with server.client("default-agent") as client:
        breached = client.get("/v1/tickets", params={"sla_breached": "true", "limit": 500}).json()
        on_track = client.get("/v1/tickets", params={"sla_breached": "false", "limit": 500}).json()
        overdue_ticket = client.get(f"/v1/tickets/{overdue}").json()
        on_time_ticket = client.get(f"/v1/tickets/{on_time}").json()
    store.close()

    breached_ids = {ticket["id"] for ticket in breached["tickets"]}
    on_track_ids = {ticket["id"] for ticket in on_track["tickets"]}
    assert overdue in breached_ids
    assert on_time in on_track_ids
    assert [e["kind"] for e in overdue_ticket["events"]].count(EventKind.SLA_BREACHED) == 1
    assert overdue_ticket["sla_breached"] is True
    assert EventKind.SLA_BREACHED not in [e["kind"] for e in on_time_ticket["events"]]


L1_TARGET_SECONDS = 3
"""L1 first-reply target of the `short_l1_server`: short enough to wait past in a test."""


@pytest.fixture(scope="module")
def short_l1_server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """A server on the shared data whose L1 first-reply target is `L1_TARGET_SECONDS`."""
    env = {
        "ASSISTANT_API_RATE_BURST": "1000",
        "ASSISTANT_API_RATE_PER_SECOND": "1000",
        "ASSISTANT_SLA_L1_FIRST_REPLY_SECONDS": str(L1_TARGET_SECONDS),
    }
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=api_keys)
    _stop_server(process)


def _handoff(server: Server) -> str:
    body = {"message": "转人工", "user": {"id": f"handoff-{uuid.uuid4().hex[:8]}"}}
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["intent"]["name"] == "human_handoff"
    ticket_id: str = reply["action"]["ticket"]["id"]
    return ticket_id


def test_handoff_sla_needs_human_reply(short_l1_server: Server) -> None:
    replied = _handoff(short_l1_server)
    with short_l1_server.client("default-agent") as client:
        comment = client.post(f"/v1/tickets/{replied}/comments", json={"text": "Hi, I am here."})
    assert comment.status_code == 201, comment.text
    unanswered = _handoff(short_l1_server)

    time.sleep(L1_TARGET_SECONDS + 1)
    with short_l1_server.client("default-agent") as client:
        waiting = client.get(f"/v1/tickets/{unanswered}").json()
        answered = client.get(f"/v1/tickets/{replied}").json()

    # The assistant's "connecting you" message is in the log, but it is not a human's reply.
    assert [e["actor"] for e in waiting["events"] if e["kind"] == "commented"] == ["assistant"]
    assert waiting["tier"] == "L1"
    assert waiting["sla_met_at"] is None
    # A person's first reply is due within working hours, not the assistant's seconds.
    assert waiting["sla_breached"] is False
    assert answered["sla_met_at"] == comment.json()["events"][-1]["at"]
    assert answered["sla_breached"] is False
