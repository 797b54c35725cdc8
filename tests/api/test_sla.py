"""The SLA monitor's breach events agree with `GET /v1/tickets?sla_breached=`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.domain import Tier
from assistant.settings import Settings
from assistant.tickets.schemas import EventKind, TicketUpdate
from assistant.tickets.sla_monitor import SlaMonitor
from assistant.tickets.store import TicketStore
from tests.api.conftest import Server
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
