"""Ops API: eval runs from the reports folder, one run's detail, live metrics and roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.domain import Intent, Language
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import TicketDraft
from tests.api.conftest import Server
from tests.conftest import write_eval_report

RUN_STAMP = "20261201T120000Z"
RUN_ID = f"eval-{RUN_STAMP}"


@pytest.fixture(scope="module")
def eval_report(api_data_dir: Path) -> Path:
    """One report in the server's default reports folder, DATA_DIR/eval-reports."""
    reports_dir = Settings(data_dir=api_data_dir).resolved_eval_reports_dir
    return write_eval_report(reports_dir, RUN_STAMP, {"pass_rate": 0.5, "hit_at_5": 0.75})


def _open_ticket(data_dir: Path, tenant: str, intent: Intent, subject: str) -> str:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        draft = TicketDraft(
            requester="ops-test@example.com",
            subject=subject,
            description=subject,
            intent=intent,
            module="boards",
            language=Language.EN,
            tenant=tenant,
        )
        return store.create(draft).id
    finally:
        store.close()


@pytest.mark.parametrize(
    ("key_name", "status"),
    [("default-ops", 200), ("default-admin", 200), ("default-agent", 403), ("default-widget", 403)],
    ids=["ops", "admin", "agent", "widget"],
)
@pytest.mark.parametrize(
    "path", ["/v1/ops/eval-runs", f"/v1/ops/eval-runs/{RUN_ID}", "/v1/ops/live"]
)
def test_ops_endpoint_roles(
    server: Server, eval_report: Path, key_name: str, status: int, path: str
) -> None:
    with server.client(key_name) as client:
        response = client.get(path)

    assert response.status_code == status, response.text


def test_ops_endpoint_without_key_is_401(server: Server) -> None:
    with server.client() as client:
        response = client.get("/v1/ops/eval-runs")

    assert response.status_code == 401


def test_eval_run_list_has_baseline_and_report(server: Server, eval_report: Path) -> None:
    with server.client("default-ops") as client:
        response = client.get("/v1/ops/eval-runs")

    runs = {run["id"]: run for run in response.json()["runs"]}
    assert "baseline" in runs
    assert runs[RUN_ID]["headline"]["pass_rate"] == 0.5
    assert runs[RUN_ID]["headline"]["hit_at_5"] == 0.75
    assert runs[RUN_ID]["engine"] == "embedded"
    assert runs[RUN_ID]["git_commit"] == "0" * 40
    assert runs[RUN_ID]["created_at"].startswith("2026-12-01T12:00:00")
    assert response.json()["timezone"] == "Asia/Shanghai"


def test_eval_run_detail_has_failing_cases(server: Server, eval_report: Path) -> None:
    with server.client("default-ops") as client:
        response = client.get(f"/v1/ops/eval-runs/{RUN_ID}")

    run = response.json()
    assert response.status_code == 200
    assert run["metrics"]["pass_rate"] == 0.5
    assert run["intent_confusion"]
    assert run["node_latency"]
    failing = run["failing_cases"]
    assert failing
    assert all(case["failures"] for case in failing)
    assert any(case["answer"] for case in failing)
    assert any(case["retrieved_docs"] for case in failing)


def test_unknown_eval_run_is_404(server: Server, eval_report: Path) -> None:
    with server.client("default-ops") as client:
        response = client.get("/v1/ops/eval-runs/eval-19990101T000000Z")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "eval_run_not_found"


@pytest.mark.parametrize(
    "run_id",
    ["..%2F..%2Fassistant", "..", "eval-..%2Fassistant", "%2Fetc%2Fpasswd", "assistant"],
    ids=["dotdot-slash", "dotdot", "prefixed-dotdot", "absolute", "other-file"],
)
def test_eval_run_path_traversal_rejected(server: Server, run_id: str) -> None:
    with server.client("default-ops") as client:
        response = client.get(f"/v1/ops/eval-runs/{run_id}")

    assert response.status_code in {400, 404}, response.text
    assert "metrics" not in response.text


def test_live_metrics_count_tenant_tickets(server: Server, api_data_dir: Path) -> None:
    subject = "Cannot find the baseline button in Gantt"
    ticket_id = _open_ticket(api_data_dir, "beta", Intent.HOW_TO, subject)
    _open_ticket(api_data_dir, "beta", Intent.BILLING, "Invoice address is wrong")

    with server.client("beta-admin") as client:
        beta = client.get("/v1/ops/live").json()
    with server.client("default-ops") as client:
        default = client.get("/v1/ops/live").json()

    assert beta["tickets_by_intent"]["how_to"] >= 1
    assert beta["tickets_by_intent"]["billing"] >= 1
    assert beta["tickets"] == sum(beta["tickets_by_intent"].values())
    unanswered = {question["ticket_id"]: question for question in beta["unanswered"]}
    assert unanswered[ticket_id]["subject"] == subject
    assert all(question["intent"] != "billing" for question in beta["unanswered"])
    assert ticket_id not in {question["ticket_id"] for question in default["unanswered"]}


def test_live_metrics_containment_from_conversations(server: Server) -> None:
    with server.client("default-widget") as client:
        client.post(
            "/v1/chat", params={"stream": "false"}, json={"message": "How do I add a board?"}
        )
    with server.client("default-ops") as client:
        live = client.get("/v1/ops/live").json()

    assert live["conversations"] >= 1
    assert 0.0 <= live["containment_estimate"] <= 1.0
    assert live["ratings"] >= 0
