"""Tenant isolation: one tenant never sees another's tickets, conversations or KB."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings
from assistant.tickets.store import TicketStore, parse_ticket_id
from tests.api.conftest import Server
from tests.api.sse import parse_events
from tests.tickets.factories import make_draft

BUG_REPORT = "The Gantt export crashes with error 500 since 3.4"


def _open_default_ticket(server: Server, conversation_id: str) -> str:
    body = {"message": BUG_REPORT, "conversation_id": conversation_id, "user": {"id": "a-user"}}
    with server.client("default-widget") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=body).json()
    ticket_id: str = reply["action"]["ticket"]["id"]
    return ticket_id


def test_other_tenant_cannot_see_tickets(server: Server) -> None:
    ticket_id = _open_default_ticket(server, "iso-tickets")

    with server.client("beta-agent") as client:
        listed = client.get("/v1/tickets").json()
        one = client.get(f"/v1/tickets/{ticket_id}")
        comment = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "mine now"})

    assert ticket_id not in [t["id"] for t in listed["tickets"]]
    assert all(t["tenant"] == "beta" for t in listed["tickets"])
    assert one.status_code == 404
    assert one.json()["error"]["code"] == "ticket_not_found"
    assert comment.status_code == 404


def _store_ticket(data_dir: Path, tenant: str, subject: str) -> str:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return store.create(make_draft(tenant=tenant, subject=subject)).id
    finally:
        store.close()


def test_ticket_id_resolves_in_caller_tenant(server: Server, api_data_dir: Path) -> None:
    beta_id = _store_ticket(api_data_dir, "beta", "Beta's own ticket")
    default_id = _store_ticket(api_data_dir, "default", "Default's ticket")
    # Other tests open tickets in the same database, so default may still be behind beta.
    while parse_ticket_id(default_id) <= parse_ticket_id(beta_id):
        default_id = _store_ticket(api_data_dir, "default", "Default's ticket")

    with server.client("beta-agent") as client:
        own = client.get(f"/v1/tickets/{beta_id}")
        beyond_own = client.get(f"/v1/tickets/{default_id}")
    with server.client("default-agent") as client:
        same_number = client.get(f"/v1/tickets/{beta_id}")

    assert own.status_code == 200
    assert own.json()["tenant"] == "beta"
    assert own.json()["subject"] == "Beta's own ticket"
    assert beyond_own.status_code == 404
    assert beyond_own.json()["error"]["code"] == "ticket_not_found"
    assert same_number.status_code == 200
    assert same_number.json()["tenant"] == "default"
    assert same_number.json()["subject"] != "Beta's own ticket"


def test_other_tenant_cannot_continue_conversation(server: Server) -> None:
    ticket_id = _open_default_ticket(server, "iso-conversation")
    follow_up = {
        "message": "Steps: open the Gantt chart, click Export. Expected a PDF, got error 500.",
        "conversation_id": "iso-conversation",
        "kb": "docs",
    }

    with server.client("beta-agent") as client:
        reply = client.post("/v1/chat", params={"stream": "false"}, json=follow_up).json()
    with server.client("default-agent") as client:
        ticket = client.get(f"/v1/tickets/{ticket_id}").json()

    assert ticket_id not in reply["answer"]
    comments = [e["data"].get("text") for e in ticket["events"] if e["kind"] == "commented"]
    assert follow_up["message"] not in comments


def test_other_tenant_cannot_see_kb(server: Server) -> None:
    with server.client("beta-admin") as client:
        documents = client.get("/v1/kb/default/documents")
        chat = client.post("/v1/chat", json={"message": "How do I set up SSO?"})
        models = client.get("/v1/models").json()

    assert documents.status_code == 404
    assert chat.status_code == 404
    model_ids = [model["id"] for model in models["data"]]
    assert "assistant-docs" in model_ids
    assert "assistant-default" not in model_ids
    assert all(model["owned_by"] == "beta" for model in models["data"])


def test_tenant_chat_uses_own_kb(server: Server) -> None:
    with server.client("beta-agent") as client:
        response = client.post(
            "/v1/chat", json={"message": "How do I create a board?", "kb": "docs"}
        )

    citations = next(data for name, data in parse_events(response.text) if name == "citations")
    assert {c["doc"] for c in citations["citations"]} <= {"en/boards.md", "zh/sso.md"}
