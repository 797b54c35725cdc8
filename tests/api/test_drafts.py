"""Draft replies API: drafts follow the ticket, decisions are recorded once and replies sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.domain import Intent, Language
from assistant.drafts import levenshtein
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.tickets import TicketStore
from tests.api.conftest import Server
from tests.conftest import BARE_HANDOFFS, HANDOFFS_AFTER_QUESTION, LOCALES
from tests.tickets.factories import make_draft

WIP_EN = "I cannot drag a card into In progress: WIP limit reached (BOARD-409)."
WIP_ZH = "卡片拖不进“进行中”列，提示“‘进行中’列已达到 WIP 上限（BOARD-409）”。"


def _open_ticket(
    data_dir: Path,
    message: str = WIP_EN,
    *,
    language: Language = Language.EN,
    tenant: str = "default",
) -> str:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        draft = make_draft(
            tenant=tenant,
            subject=message[:80],
            description=message,
            transcript=[{"role": "user", "content": message}],
            intent=Intent.TROUBLESHOOTING,
            module="boards",
            language=language,
            details={"product_version": "3.4"},
        )
        return store.create(draft).id
    finally:
        store.close()


def _get_draft(client: httpx.Client, ticket_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/tickets/{ticket_id}/draft")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _decide(client: httpx.Client, ticket_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/v1/tickets/{ticket_id}/draft/decision", json=body)


def test_draft_cites_kb_in_ticket_language(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        first = _get_draft(client, ticket_id)
        again = _get_draft(client, ticket_id)

    assert first["ticket_id"] == ticket_id
    assert first["language"] == "en"
    assert first["engine"] == "extractive"
    assert "en/boards/kanban-boards.md" in [c["doc"] for c in first["citations"]]
    assert "[1]" in first["text"]
    assert first["summary"]["problem"] == WIP_EN
    assert first["summary"]["tried"] == [translate("summary_nothing_tried", Language.EN)]
    assert first["regenerated"] is True
    assert first["decision"] is None
    assert again["id"] == first["id"]
    assert again["regenerated"] is False


def test_chinese_ticket_draft_and_summary_language(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir, WIP_ZH, language=Language.ZH)

    with (
        server.client("default-agent", "en") as english,
        server.client("default-agent", "zh") as zh,
    ):
        for_english_agent = _get_draft(english, ticket_id)
        for_chinese_agent = _get_draft(zh, ticket_id)

    assert for_english_agent["language"] == "zh"
    assert for_english_agent["text"].startswith(translate("draft_greeting", Language.ZH))
    assert for_english_agent["summary"]["tried"] == [
        translate("summary_nothing_tried", Language.EN)
    ]
    assert for_chinese_agent["summary"]["tried"] == [
        translate("summary_nothing_tried", Language.ZH)
    ]


def test_summary_without_accept_language_follows_ticket(server: Server, api_data_dir: Path) -> None:
    chinese_id = _open_ticket(api_data_dir, WIP_ZH, language=Language.ZH)
    english_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client, server.client("default-agent", "fr") as fr:
        del client.headers["Accept-Language"]
        chinese = _get_draft(client, chinese_id)
        english = _get_draft(client, english_id)
        explicit = _get_draft(fr, chinese_id)

    assert chinese["summary"]["tried"] == [translate("summary_nothing_tried", Language.ZH)]
    assert english["summary"]["tried"] == [translate("summary_nothing_tried", Language.EN)]
    assert explicit["summary"]["tried"] == [translate("summary_nothing_tried", Language.EN)]


def test_draft_regenerates_after_ticket_changes(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        first = _get_draft(client, ticket_id)
        client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "Looking at the board."})
        after_comment = _get_draft(client, ticket_id)
        client.patch(f"/v1/tickets/{ticket_id}", json={"status": "pending"})
        after_status = _get_draft(client, ticket_id)

    assert after_comment["id"] != first["id"]
    assert after_comment["regenerated"] is True
    assert after_comment["ticket_event_count"] == first["ticket_event_count"] + 1
    assert "default-agent commented: Looking at the board." in after_comment["summary"]["tried"]
    assert after_status["id"] != after_comment["id"]


def test_accepted_draft_sent_as_agent_reply(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)
        response = _decide(client, ticket_id, decision="accept", draft_id=draft["id"])
        next_draft = _get_draft(client, ticket_id)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["decision"] == "accept"
    assert body["edit_distance"] == 0
    assert body["sent_text"] == draft["text"]
    transcript = body["ticket"]["transcript"]
    assert transcript[-1] == {"role": "agent", "content": draft["text"]}
    event = body["ticket"]["events"][-1]
    assert event["kind"] == "commented"
    assert event["actor"] == "default-agent"
    assert event["data"]["draft_id"] == draft["id"]
    assert next_draft["id"] != draft["id"], "the reply changed the ticket, so it is drafted again"


def test_edited_draft_records_edit_distance(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)
        edited = draft["text"].replace("Hello,", "Hi Ana,") + "\nP.S. Ping me if needed."
        response = _decide(
            client,
            ticket_id,
            decision="edit",
            text=edited,
            reason="personal tone",
            draft_id=draft["id"],
        )

    assert response.status_code == 201, response.text
    body = response.json()
    # "Hello," -> "Hi Ana,": H is kept, and "ello" -> "i Ana" is 4 substitutions + 1 insertion.
    # The appended line is 24 characters with its line break.
    assert body["edit_distance"] == 5 + 24
    assert body["edit_distance"] == levenshtein(draft["text"], edited)
    assert body["reason"] == "personal tone"
    assert body["ticket"]["transcript"][-1] == {"role": "agent", "content": edited}


def test_reject_needs_reason_and_sends_nothing(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)
        no_reason = _decide(client, ticket_id, decision="reject", draft_id=draft["id"])
        blank_reason = _decide(
            client, ticket_id, decision="reject", reason="  ", draft_id=draft["id"]
        )
        rejected = _decide(
            client, ticket_id, decision="reject", reason="wrong article", draft_id=draft["id"]
        )
        after_reject = _get_draft(client, ticket_id)

    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["code"] == "invalid_request"
    assert "reason" in no_reason.json()["error"]["message"]
    assert blank_reason.status_code == 422
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["edit_distance"] is None
    assert rejected.json()["ticket"]["transcript"] == [{"role": "user", "content": WIP_EN}]
    assert after_reject["id"] == draft["id"], "a rejection does not change the ticket"
    assert after_reject["decision"] == "reject"
    assert after_reject["reason"] == "wrong article"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "edit"}, "text"),
        ({"decision": "edit", "text": "   "}, "text"),
        ({"decision": "accept", "text": "other words"}, "text"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "accept", "draft_id": 0}, "draft_id"),
    ],
    ids=["edit-without-text", "edit-blank-text", "accept-with-text", "unknown", "bad-draft-id"],
)
def test_invalid_decision_is_422_naming_field(
    server: Server, api_data_dir: Path, body: dict[str, Any], field: str
) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        response = _decide(client, ticket_id, **body)

    assert response.status_code == 422
    assert f"field '{field}'" in response.json()["error"]["message"]


def test_draft_is_decided_once(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent", "zh") as client:
        draft = _get_draft(client, ticket_id)
        first = _decide(client, ticket_id, decision="reject", reason="off", draft_id=draft["id"])
        second = _decide(client, ticket_id, decision="accept", draft_id=draft["id"])

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "draft_already_decided"
    assert "只能处理一次" in second.json()["error"]["message"]


def test_decision_without_id_needs_current_draft(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        before_any = _decide(client, ticket_id, decision="accept")
        _get_draft(client, ticket_id)
        client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "changed"})
        outdated = _decide(client, ticket_id, decision="accept")
        current = _get_draft(client, ticket_id)
        accepted = _decide(client, ticket_id, decision="accept")

    assert before_any.status_code == 409
    assert before_any.json()["error"]["code"] == "draft_outdated"
    assert outdated.status_code == 409
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["draft_id"] == current["id"]


def test_drafts_hidden_from_other_tenant(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)
    second_id = _open_ticket(api_data_dir)
    beta_ticket_id = _open_ticket(api_data_dir, tenant="beta")

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)
        other_ticket = _decide(client, second_id, decision="accept", draft_id=draft["id"])
    with server.client("beta-agent") as beta:
        read = beta.get(f"/v1/tickets/{second_id}/draft", params={"kb": "docs"})
        decided = _decide(beta, beta_ticket_id, decision="accept", draft_id=draft["id"])

    assert read.status_code == 404
    assert read.json()["error"]["code"] == "ticket_not_found"
    assert decided.status_code == 404
    assert decided.json()["error"]["code"] == "draft_not_found"
    assert other_ticket.status_code == 404
    assert other_ticket.json()["error"]["code"] == "draft_not_found"


@pytest.mark.parametrize(
    ("key_name", "status"),
    [("default-widget", 403), ("default-ops", 403), ("default-admin", 403), (None, 401)],
    ids=["widget", "ops", "admin", "no-key"],
)
def test_only_agents_use_drafts(
    server: Server, api_data_dir: Path, key_name: str | None, status: int
) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client(key_name) as client:
        read = client.get(f"/v1/tickets/{ticket_id}/draft")
        decided = _decide(client, ticket_id, decision="accept")

    assert read.status_code == status
    assert decided.status_code == status


def test_closed_ticket_has_no_draft(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        client.patch(f"/v1/tickets/{ticket_id}", json={"status": "closed"})
        response = client.get(f"/v1/tickets/{ticket_id}/draft")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ticket_not_open"


def test_missing_kb_is_404(server: Server, api_data_dir: Path) -> None:
    ticket_id = _open_ticket(api_data_dir)

    with server.client("default-agent") as client:
        response = client.get(f"/v1/tickets/{ticket_id}/draft", params={"kb": "nope"})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_kb_not_found"


def test_live_metrics_count_draft_decisions(server: Server, api_data_dir: Path) -> None:
    accepted_ticket = _open_ticket(api_data_dir)
    rejected_ticket = _open_ticket(api_data_dir)
    with server.client("default-ops") as ops:
        before = ops.get("/v1/ops/live").json()["drafts"]

    with server.client("default-agent") as client:
        draft = _get_draft(client, accepted_ticket)
        _decide(client, accepted_ticket, decision="accept", draft_id=draft["id"])
        draft = _get_draft(client, rejected_ticket)
        _decide(client, rejected_ticket, decision="reject", reason="no", draft_id=draft["id"])
    with server.client("default-ops") as ops:
        after = ops.get("/v1/ops/live").json()["drafts"]

    assert after["decisions"] == before["decisions"] + 2
    assert after["accepted"] == before["accepted"] + 1
    assert after["rejected"] == before["rejected"] + 1
    intent_before = before["by_intent"].get("troubleshooting", {"decisions": 0})
    assert after["by_intent"]["troubleshooting"]["decisions"] == intent_before["decisions"] + 2
    assert after["by_team"]["no_team"]["decisions"] >= 2
    assert 0 <= after["acceptance_rate"] <= 1


def _chat_ticket(server: Server, messages: list[str], locale: str) -> str:
    """Send messages as one conversation from the chat widget; return the last reply's ticket."""
    conversation_id = None
    with server.client("default-widget") as client:
        for message in messages:
            body: dict[str, Any] = {"message": message, "user": {"id": "u-1", "locale": locale}}
            if conversation_id:
                body["conversation_id"] = conversation_id
            response = client.post("/v1/chat", params={"stream": "false"}, json=body)
            assert response.status_code == 200, response.text
            conversation_id = response.json()["conversation_id"]
    ticket = response.json()["action"]["ticket"]
    assert ticket is not None, f"{messages[-1]!r} opened no ticket"
    ticket_id: str = ticket["id"]
    return ticket_id


@pytest.mark.parametrize(("message", "language"), BARE_HANDOFFS)
def test_bare_handoff_draft_has_no_citations(server: Server, message: str, language: str) -> None:
    ticket_id = _chat_ticket(server, [message], LOCALES[language])

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)

    assert draft["language"] == language
    assert draft["citations"] == []
    assert draft["engine"] == "no_kb"
    assert draft["text"].startswith(translate("draft_greeting", language))
    assert translate("draft_ask_topic", language) in draft["text"]


@pytest.mark.parametrize(("question", "handoff", "language", "doc"), HANDOFFS_AFTER_QUESTION)
def test_handoff_after_question_draft_answers_it(
    server: Server, question: str, handoff: str, language: str, doc: str
) -> None:
    ticket_id = _chat_ticket(server, [question, handoff], LOCALES[language])

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)

    assert draft["citations"], "the draft quotes the KB on the earlier question"
    assert draft["citations"][0]["doc"] == doc
    assert translate("draft_ask_topic", language) not in draft["text"]
    assert draft["summary"]["problem"] == question


@pytest.mark.parametrize(
    ("question", "billing", "language", "earlier_docs"),
    [
        pytest.param(
            "How do I set a Gantt baseline?",
            "Actually, something else: I was charged twice this month",
            "en",
            {"en/gantt/gantt-baselines.md"},
            id="en",
        ),
        pytest.param(
            "如何设置甘特图基线？",
            "另外一件事：这个月我被扣了两次费",
            "zh",
            {"zh/gantt/gantt-baselines.md"},
            id="zh",
        ),
    ],
)
def test_draft_after_topic_change_is_about_ticket(
    server: Server, question: str, billing: str, language: str, earlier_docs: set[str]
) -> None:
    ticket_id = _chat_ticket(server, [question, billing], LOCALES[language])

    with server.client("default-agent", language) as client:
        draft = _get_draft(client, ticket_id)

    cited = {citation["doc"] for citation in draft["citations"]}
    assert not cited & earlier_docs, draft["text"]
    assert all("/billing/" in doc for doc in cited), cited
    assert translate("draft_check_billing", language) in draft["text"]
    assert draft["summary"]["problem"] == billing
    assert translate("summary_nothing_tried", language) not in draft["summary"]["tried"]
    assert draft["summary"]["tried"][0].startswith(
        translate("summary_assistant_replied", language, excerpt="")
    ), draft["summary"]["tried"]


def test_draft_summary_keeps_opening_problem(server: Server) -> None:
    bug = "The Gantt export crashes with error 500 since 3.4"
    complaint = "Still broken, it did not help, production is down for everyone!"
    ticket_id = _chat_ticket(server, [bug, "agent please", complaint], LOCALES["en"])

    with server.client("default-agent") as client:
        draft = _get_draft(client, ticket_id)

    assert draft["summary"]["problem"] == bug
    assert translate("draft_ask_topic", Language.EN) not in draft["text"]
