"""Paging L3 when an incident opens: the webhook POST, its failures and the log-only mode."""

from __future__ import annotations

import socket
import threading
from http import HTTPStatus

import pytest
from pydantic import JsonValue

from assistant.incidents import IncidentEventKind, IncidentStore
from assistant.tickets.store import TicketStore
from tests.incidents.conftest import START, SYNC_REPORTS_EN, make_detector, minutes, report
from tests.incidents.webhook import serve_webhook

UNUSED_PORT_URL = "http://127.0.0.1:9/page"
"""Port 9 (discard) has no listener on loopback, so the connection is refused."""


def _paged_event_data(incidents: IncidentStore) -> dict[str, JsonValue]:
    listed = incidents.list("default")
    assert len(listed) == 1
    events = incidents.get(listed[0].id).events
    paged = [e for e in events if e.kind is IncidentEventKind.PAGED]
    assert len(paged) == 1
    return paged[0].data


def test_new_incident_pages_webhook_once(tickets: TicketStore, incidents: IncidentStore) -> None:
    with serve_webhook() as webhook:
        detector = make_detector(incidents, pager_webhook_url=webhook.url)
        for index, text in enumerate(SYNC_REPORTS_EN):
            detector.check(report(tickets, text, START + minutes(index)))

    assert len(webhook.bodies) == 1, "later linked reports page nobody"
    body = webhook.bodies[0]
    assert webhook.content_types == ["application/json"]
    assert body["event"] == "incident_opened"
    assert body["tier"] == "L3"
    assert body["incident"]["id"] == "INC-000001"
    assert body["incident"]["module"] == "integrations"
    assert body["incident"]["ticket_ids"] == [
        "T-000001",
        "T-000002",
        "T-000003",
        "T-000004",
        "T-000005",
    ]
    assert body["incident"]["message_zh"]
    assert _paged_event_data(incidents) == {
        "target": "webhook",
        "delivered": True,
        "status_code": 200,
        "error": None,
    }


def test_webhook_error_status_marks_undelivered(
    tickets: TicketStore, incidents: IncidentStore, caplog: pytest.LogCaptureFixture
) -> None:
    with serve_webhook(HTTPStatus.SERVICE_UNAVAILABLE) as webhook:
        detector = make_detector(incidents, pager_webhook_url=webhook.url)
        for index, text in enumerate(SYNC_REPORTS_EN[:5]):
            detector.check(report(tickets, text, START + minutes(index)))

    assert len(webhook.bodies) == 1
    data = _paged_event_data(incidents)
    assert data["delivered"] is False
    assert data["status_code"] == HTTPStatus.SERVICE_UNAVAILABLE
    assert "webhook returned HTTP 503" in caplog.text
    assert webhook.url not in caplog.text, "the webhook URL may hold a token and is never logged"


def test_unreachable_webhook_records_error(tickets: TicketStore, incidents: IncidentStore) -> None:
    detector = make_detector(incidents, pager_webhook_url=UNUSED_PORT_URL)
    for index, text in enumerate(SYNC_REPORTS_EN[:5]):
        detector.check(report(tickets, text, START + minutes(index)))

    data = _paged_event_data(incidents)
    assert data["delivered"] is False
    assert data["status_code"] is None
    assert "refused" in str(data["error"]).lower()


def test_malformed_webhook_response_is_undelivered(
    tickets: TicketStore, incidents: IncidentStore
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def reply_garbage() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"garbage\r\n\r\n")

    thread = threading.Thread(target=reply_garbage, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/page"
    try:
        detector = make_detector(incidents, pager_webhook_url=url)
        for index, text in enumerate(SYNC_REPORTS_EN[:5]):
            detector.check(report(tickets, text, START + minutes(index)))
    finally:
        thread.join(timeout=10)
        listener.close()

    data = _paged_event_data(incidents)
    assert data["delivered"] is False
    assert data["status_code"] is None
    assert data["error"] == "invalid HTTP exchange: BadStatusLine"


def test_empty_webhook_url_pages_by_log_line(
    tickets: TicketStore, incidents: IncidentStore, caplog: pytest.LogCaptureFixture
) -> None:
    detector = make_detector(incidents, pager_webhook_url="")
    for index, text in enumerate(SYNC_REPORTS_EN[:5]):
        detector.check(report(tickets, text, START + minutes(index)))

    assert _paged_event_data(incidents) == {
        "target": "log",
        "delivered": True,
        "status_code": None,
        "error": None,
    }
    assert "page L3: incident INC-000001" in caplog.text
