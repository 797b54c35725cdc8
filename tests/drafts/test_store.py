"""Draft store: drafts stamped with the ticket state, one decision each, tenants kept apart."""

from __future__ import annotations

import threading

import pytest

from assistant.domain import Intent, Language
from assistant.drafts import (
    Decision,
    DraftAlreadyDecidedError,
    DraftCitation,
    DraftContent,
    DraftDecision,
    DraftEngine,
    DraftNotFoundError,
    DraftStore,
)
from assistant.tickets import EventKind, TicketRecord, TicketStore, TicketUpdate
from tests.tickets.factories import create_old_tickets_table, make_draft

CONTENT = DraftContent(
    text="Hello,\nOpen Baselines > Manage. [1]",
    language=Language.EN,
    citations=(
        DraftCitation(
            doc="en/gantt/gantt-baselines.md", title="Baselines", chunk_id="c#1", score=0.5
        ),
    ),
    engine=DraftEngine.EXTRACTIVE,
    retrieval_confidence=0.9,
)


def _ticket(tickets: TicketStore, tenant: str = "acme", **overrides: object) -> TicketRecord:
    return tickets.create(make_draft(tenant=tenant, **overrides))


def test_add_stamps_draft_with_ticket_state(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)

    draft = drafts.add(ticket, "default", CONTENT)

    assert draft.ticket_id == ticket.id
    assert draft.tenant == "acme"
    assert draft.ticket_updated_at == ticket.updated_at
    assert draft.ticket_event_count == len(ticket.events)
    assert draft.citations == CONTENT.citations
    assert draft.intent == ticket.intent.value
    assert draft.decision is None


def test_latest_returns_newest_ticket_draft(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    other_ticket = _ticket(tickets)
    drafts.add(ticket, "default", CONTENT)
    newer = drafts.add(ticket, "default", CONTENT.model_copy(update={"text": "newer"}))
    drafts.add(other_ticket, "default", CONTENT)

    latest = drafts.latest("acme", ticket.id)

    assert latest is not None
    assert latest.id == newer.id
    assert latest.text == "newer"


def test_other_tenant_sees_no_draft(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    draft = drafts.add(ticket, "default", CONTENT)

    assert drafts.latest("beta", ticket.id) is None
    with pytest.raises(DraftNotFoundError):
        drafts.get("beta", ticket.id, draft.id)


def test_same_id_keeps_tenant_drafts_apart(tickets: TicketStore, drafts: DraftStore) -> None:
    acme_ticket = _ticket(tickets)
    beta_ticket = _ticket(tickets, tenant="beta")
    acme_draft = drafts.add(acme_ticket, "default", CONTENT)
    beta_draft = drafts.add(beta_ticket, "docs", CONTENT.model_copy(update={"text": "beta"}))

    acme_latest = drafts.latest("acme", "T-000001")
    beta_latest = drafts.latest("beta", "t-1")

    assert acme_ticket.id == beta_ticket.id == "T-000001"
    assert acme_latest is not None
    assert acme_latest.id == acme_draft.id
    assert beta_latest is not None
    assert beta_latest.id == beta_draft.id
    assert beta_latest.ticket_id == "T-000001"
    with pytest.raises(DraftNotFoundError):
        drafts.get("beta", beta_ticket.id, acme_draft.id)
    with pytest.raises(DraftNotFoundError):
        drafts.decide(acme_draft, Decision(DraftDecision.ACCEPT, "beta-agent"), beta_ticket)


def test_draft_store_opens_old_tickets_table(database_url: str) -> None:
    create_old_tickets_table(database_url, ["acme", "beta"])
    drafts = DraftStore(database_url)
    tickets = TicketStore(database_url)
    try:
        # The draft store opens the old table first, so it must add the ticket numbers.
        before = drafts.latest("beta", "T-000002")
        ticket = tickets.get("T-000002", tenant="beta")
        draft = drafts.add(ticket, "docs", CONTENT)
        latest = drafts.latest("beta", "T-000002")
    finally:
        drafts.close()
        tickets.close()

    assert before is None
    assert latest is not None
    assert latest.id == draft.id
    assert latest.ticket_id == "T-000002"


def test_get_rejects_draft_of_another_ticket(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    other_ticket = _ticket(tickets)
    draft = drafts.add(other_ticket, "default", CONTENT)

    with pytest.raises(DraftNotFoundError) as raised:
        drafts.get("acme", ticket.id, draft.id)

    assert raised.value.code == "draft_not_found"


def test_decide_stores_current_intent_and_team(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    draft = drafts.add(ticket, "default", CONTENT)
    ticket = tickets.update(
        ticket.id, TicketUpdate(intent=Intent.HOW_TO, team="l1-general"), tenant=ticket.tenant
    )

    decided = drafts.decide(
        draft,
        Decision(DraftDecision.EDIT, "agent-1", sent_text="Hi", reason="shorter", edit_distance=7),
        ticket,
    )

    assert decided.decision is DraftDecision.EDIT
    assert decided.sent_text == "Hi"
    assert decided.reason == "shorter"
    assert decided.edit_distance == 7
    assert decided.decided_by == "agent-1"
    assert decided.decided_at is not None
    assert decided.intent == "how_to"
    assert decided.team == "l1-general"


def test_second_decision_on_a_draft_conflicts(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    draft = drafts.add(ticket, "default", CONTENT)
    drafts.decide(draft, Decision(DraftDecision.REJECT, "agent-1", reason="wrong doc"), ticket)

    with pytest.raises(DraftAlreadyDecidedError) as raised:
        drafts.decide(draft, Decision(DraftDecision.ACCEPT, "agent-2"), ticket)

    assert raised.value.params["decision"] == "reject"
    stored = drafts.get("acme", ticket.id, draft.id)
    assert stored.decided_by == "agent-1"


def test_concurrent_decisions_let_exactly_one_win(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    draft = drafts.add(ticket, "default", CONTENT)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def decide(agent: str) -> None:
        barrier.wait()
        try:
            drafts.decide(draft, Decision(DraftDecision.ACCEPT, agent), ticket)
            outcomes.append("won")
        except DraftAlreadyDecidedError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(f"agent-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "won"]


def test_withdrawn_decision_can_be_made_again(tickets: TicketStore, drafts: DraftStore) -> None:
    ticket = _ticket(tickets)
    draft = drafts.add(ticket, "default", CONTENT)
    drafts.decide(draft, Decision(DraftDecision.ACCEPT, "agent-1"), ticket)

    drafts.withdraw_decision(draft.id)
    again = drafts.decide(draft, Decision(DraftDecision.ACCEPT, "agent-2"), ticket)

    assert again.decided_by == "agent-2"


def test_acceptance_counts_per_intent_and_team(tickets: TicketStore, drafts: DraftStore) -> None:
    how_to = _ticket(tickets, intent=Intent.HOW_TO)
    how_to = tickets.update(how_to.id, TicketUpdate(team="l1-general"), tenant=how_to.tenant)
    bug = _ticket(tickets, intent=Intent.BUG_REPORT)
    other_tenant = _ticket(tickets, tenant="beta")
    accepted = drafts.add(how_to, "default", CONTENT)
    edited = drafts.add(how_to, "default", CONTENT)
    rejected = drafts.add(bug, "default", CONTENT)
    drafts.add(bug, "default", CONTENT)  # never decided
    foreign = drafts.add(other_tenant, "default", CONTENT)
    drafts.decide(accepted, Decision(DraftDecision.ACCEPT, "a", edit_distance=0), how_to)
    drafts.decide(edited, Decision(DraftDecision.EDIT, "a", sent_text="x", edit_distance=4), how_to)
    drafts.decide(rejected, Decision(DraftDecision.REJECT, "a", reason="off topic"), bug)
    drafts.decide(foreign, Decision(DraftDecision.ACCEPT, "b", edit_distance=0), other_tenant)

    acceptance = drafts.acceptance("acme")

    assert (acceptance.decisions, acceptance.accepted, acceptance.edited) == (3, 1, 1)
    assert acceptance.rejected == 1
    assert acceptance.acceptance_rate == pytest.approx(1 / 3, abs=1e-4)
    assert acceptance.mean_edit_distance == 4.0
    assert acceptance.by_intent["how_to"].acceptance_rate == 0.5
    assert acceptance.by_intent["bug_report"].acceptance_rate == 0.0
    assert acceptance.by_intent["bug_report"].mean_edit_distance is None
    assert acceptance.by_team["l1-general"].decisions == 2
    assert acceptance.by_team["no_team"].rejected == 1
    assert drafts.acceptance("nobody").acceptance_rate is None


def test_agent_reply_added_to_transcript_and_events(tickets: TicketStore) -> None:
    ticket = _ticket(tickets)

    replied = tickets.add_agent_reply(
        ticket.id,
        "Please try again.",
        actor="agent-1",
        data={"draft_id": 3},
        tenant=ticket.tenant,
    )

    assert replied.transcript[-1].role == "agent"
    assert replied.transcript[-1].content == "Please try again."
    assert len(replied.transcript) == len(ticket.transcript) + 1
    event = replied.events[-1]
    assert event.kind is EventKind.COMMENTED
    assert event.actor == "agent-1"
    assert event.data == {"draft_id": 3, "text": "Please try again."}
    assert replied.updated_at > ticket.updated_at
