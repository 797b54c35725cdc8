"""Surge detection through the real API, with a concurrent burst over two server processes.

The burst opens one incident and pages L3 once. Later reporters hear about it in their language
until it is resolved.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Server, _start_server, _stop_server
from tests.incidents.webhook import WebhookRecorder, serve_webhook

MIN_REPORTS = 4
BURST_TEMPLATES = (
    "GitHub sync crashes with error 500 on repository {nonce}",
    "Error 500 every time GitHub sync runs for repository {nonce}",
    "The GitHub sync of repository {nonce} crashes with error 500",
    "GitHub sync on repository {nonce} crashes, error 500 each time",
    "Bug: GitHub sync of repository {nonce} crashes, error 500",
    "Repository {nonce}: GitHub sync error 500 again",
)
LATER_EN = "GitHub sync crashes with error 500 for repository {nonce} here too"
LATER_ZH = "仓库 {nonce} 的 GitHub 同步报错 500"
TIMER_TEMPLATES = (
    "The timer crashes with error 500 in project {nonce}",
    "Starting the timer in project {nonce} gives error 500",
    "Timer crashes with error 500 for project {nonce}",
    "Error 500 when I start the timer in project {nonce}",
)
"""A burst about time tracking, a module with no incident from the other tests."""
TIMER_LATER_EN = "The timer in project {nonce} crashes with error 500 for me too"
TIMER_LATER_ZH = "项目 {nonce} 的计时器报错 500"


@dataclass(frozen=True)
class SurgeServers:
    """Two API processes on one database, with a low surge threshold and a local pager."""

    first: Server
    second: Server
    webhook: WebhookRecorder


@pytest.fixture(scope="module")
def surge_servers(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[SurgeServers]:
    with serve_webhook() as webhook:
        env = {
            "ASSISTANT_API_RATE_BURST": "1000",
            "ASSISTANT_API_RATE_PER_SECOND": "1000",
            "ASSISTANT_SURGE_MIN_REPORTS": str(MIN_REPORTS),
            "ASSISTANT_SURGE_WINDOW_MINUTES": "10",
            "ASSISTANT_SURGE_INTENTS": "outage,bug_report,troubleshooting",
            "ASSISTANT_PAGER_WEBHOOK_URL": webhook.url,
        }
        first, first_url = _start_server(api_data_dir, env)
        second, second_url = _start_server(api_data_dir, env)
        try:
            yield SurgeServers(
                first=Server(base_url=first_url, keys=api_keys),
                second=Server(base_url=second_url, keys=api_keys),
                webhook=webhook,
            )
        finally:
            _stop_server(first)
            _stop_server(second)


def _chat(server: Server, message: str, requester: str, locale: str = "en-US") -> dict[str, Any]:
    body = {"message": message, "user": {"id": requester, "locale": locale}}
    with server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def _incidents_about(server: Server, nonce: str) -> list[dict[str, Any]]:
    with server.client("default-agent") as client:
        listed = client.get("/v1/incidents", params={"limit": 500}).json()
    return [incident for incident in listed["incidents"] if nonce in incident["title"]]


def _send_burst(
    servers: SurgeServers, nonce: str, templates: tuple[str, ...] = BURST_TEMPLATES
) -> list[dict[str, Any]]:
    messages = [template.format(nonce=nonce) for template in templates]
    targets = [servers.first if index % 2 else servers.second for index in range(len(messages))]
    with ThreadPoolExecutor(max_workers=len(messages)) as pool:
        futures = [
            pool.submit(_chat, server, message, f"surge-{nonce}-{index}")
            for index, (server, message) in enumerate(zip(targets, messages, strict=True))
        ]
        return [future.result() for future in futures]


@pytest.fixture(scope="module")
def burst(surge_servers: SurgeServers) -> tuple[str, list[dict[str, Any]]]:
    """A run-unique word, and the replies to a concurrent burst of reports that contain it."""
    nonce = f"zq{uuid.uuid4().hex[:6]}"
    return nonce, _send_burst(surge_servers, nonce)


def test_concurrent_burst_opens_one_incident(
    surge_servers: SurgeServers, burst: tuple[str, list[dict[str, Any]]]
) -> None:
    nonce, replies = burst

    incidents = _incidents_about(surge_servers.first, nonce)
    with surge_servers.second.client("default-agent") as client:
        incident = client.get(f"/v1/incidents/{incidents[0]['id']}").json()

    ticket_ids = {reply["action"]["ticket"]["id"] for reply in replies}
    assert [reply["intent"]["name"] for reply in replies] == ["bug_report"] * len(replies)
    assert len(incidents) == 1
    assert incidents[0]["ticket_count"] == len(replies)
    assert incident["module"] == "integrations"
    assert incident["status"] == "investigating"
    assert set(incident["ticket_ids"]) == ticket_ids
    assert {ticket["id"] for ticket in incident["tickets"]} == ticket_ids
    pages = [b for b in surge_servers.webhook.bodies if b["incident"]["id"] == incident["id"]]
    assert len(pages) == 1
    assert pages[0]["tier"] == "L3"
    paged = [event for event in incident["events"] if event["kind"] == "paged"]
    assert [event["data"]["delivered"] for event in paged] == [True]
    notified = [reply for reply in replies if incident["id"] in reply["answer"]]
    assert notified, "at least the report that opened the incident is notified of it"


def test_known_issue_notice_in_reporter_language(
    surge_servers: SurgeServers, burst: tuple[str, list[dict[str, Any]]]
) -> None:
    nonce, _ = burst
    incident = _incidents_about(surge_servers.first, nonce)[0]

    english = _chat(surge_servers.first, LATER_EN.format(nonce=nonce), f"later-en-{nonce}")
    chinese = _chat(
        surge_servers.second, LATER_ZH.format(nonce=nonce), f"later-zh-{nonce}", "zh-CN"
    )

    assert english["language"] == "en"
    assert "This is a known issue" in english["answer"]
    assert f"{incident['id']} (status: investigating)" in english["answer"]
    assert incident["message_en"] in english["answer"]
    assert chinese["language"] == "zh"
    assert "这是一个已知问题" in chinese["answer"]
    assert f"事件 {incident['id']} 跟进（状态：调查中）" in chinese["answer"]
    assert incident["message_zh"] in chinese["answer"]
    with surge_servers.second.client("default-agent") as client:
        detail = client.get(f"/v1/incidents/{incident['id']}").json()
    linked = {ticket["id"] for ticket in detail["tickets"]}
    assert english["action"]["ticket"]["id"] in linked
    assert chinese["action"]["ticket"]["id"] in linked
    assert detail["ticket_count"] == len(BURST_TEMPLATES) + 2


def test_status_update_and_resolution_reach_reporters(
    surge_servers: SurgeServers,
) -> None:
    nonce = f"zq{uuid.uuid4().hex[:6]}"
    _send_burst(surge_servers, nonce, TIMER_TEMPLATES)
    incident_id = _incidents_about(surge_servers.first, nonce)[0]["id"]
    update = {
        "status": "monitoring",
        "message_en": f"A fix for the timer in project {nonce} is live. We are watching it.",
        "message_zh": f"项目 {nonce} 的计时器修复已上线，我们正在观察。",
    }

    with surge_servers.first.client("default-ops") as client:
        monitoring = client.patch(f"/v1/incidents/{incident_id}", json=update)
    zh_reply = _chat(
        surge_servers.second, TIMER_LATER_ZH.format(nonce=nonce), f"zh-{nonce}", "zh-CN"
    )
    with surge_servers.first.client("default-agent") as client:
        resolved = client.patch(f"/v1/incidents/{incident_id}", json={"status": "resolved"})
        open_ids = [
            i["id"]
            for i in client.get("/v1/incidents", params={"open": "true"}).json()["incidents"]
        ]
    after = _chat(surge_servers.second, TIMER_LATER_EN.format(nonce=nonce), f"after-{nonce}")
    with surge_servers.first.client("default-agent", language="zh-CN") as client:
        reopened = client.patch(f"/v1/incidents/{incident_id}", json={"status": "investigating"})

    assert monitoring.status_code == 200
    assert monitoring.json()["status"] == "monitoring"
    assert "已修复，观察中" in zh_reply["answer"]
    assert update["message_zh"] in zh_reply["answer"]
    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None
    assert incident_id not in open_ids
    assert incident_id not in after["answer"]
    assert "known issue" not in after["answer"]
    assert reopened.status_code == 409
    assert reopened.json()["error"]["code"] == "incident_resolved"
    assert "已解决" in reopened.json()["error"]["message"]


def test_incident_endpoints_check_role_and_tenant(
    surge_servers: SurgeServers, burst: tuple[str, list[dict[str, Any]]]
) -> None:
    nonce, _ = burst
    incident_id = _incidents_about(surge_servers.first, nonce)[0]["id"]
    path = f"/v1/incidents/{incident_id}"
    server = surge_servers.first

    with server.client("default-widget") as client:
        widget_list = client.get("/v1/incidents")
    with server.client("default-admin") as client:
        admin_get = client.get(path)
        admin_patch = client.patch(path, json={"status": "identified"})
    with server.client("beta-agent") as client:
        beta_get = client.get(path)
        beta_patch = client.patch(path, json={"status": "resolved"})
        beta_list = client.get("/v1/incidents").json()

    assert widget_list.status_code == 403
    assert admin_get.status_code == 200
    assert admin_patch.status_code == 403
    assert beta_get.status_code == 404
    assert beta_get.json()["error"]["code"] == "incident_not_found"
    assert beta_patch.status_code == 404
    assert incident_id not in [incident["id"] for incident in beta_list["incidents"]]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/v1/incidents/42", None, 400, "invalid_incident_id"),
        ("GET", "/v1/incidents/INC-999999", None, 404, "incident_not_found"),
        ("GET", "/v1/incidents?module=sync", None, 400, "invalid_module"),
        ("GET", "/v1/incidents?status=broken", None, 422, "invalid_request"),
        ("PATCH", "/v1/incidents/INC-999999", {}, 422, "invalid_request"),
        ("PATCH", "/v1/incidents/INC-999999", {"status": "fixed"}, 422, "invalid_request"),
    ],
    ids=["bad-id", "unknown-id", "bad-module", "bad-status-filter", "empty-update", "bad-status"],
)
def test_invalid_incident_requests_get_clear_errors(
    server: Server, method: str, path: str, body: dict[str, str] | None, status: int, code: str
) -> None:
    with server.client("default-agent") as client:
        response = client.request(method, path, json=body)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
