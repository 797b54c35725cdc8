"""Ticket store on real databases: a SQLite file, and PostgreSQL when it is reachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.domain import Intent, Language, Priority, Tier
from assistant.errors import InputError
from assistant.tickets.schemas import (
    EventKind,
    TicketEventDraft,
    TicketStatus,
    TicketUpdate,
)
from assistant.tickets.store import (
    InvalidTicketIdError,
    TicketNotFoundError,
    TicketStore,
    format_ticket_id,
    parse_ticket_id,
)
from tests.tickets.factories import MONDAY, make_draft


def test_create_returns_saved_ticket(store: TicketStore) -> None:
    draft = make_draft()

    ticket = store.create(draft, now=MONDAY)

    assert ticket.id == "T-000001"
    assert ticket.status is TicketStatus.NEW
    assert ticket.subject == draft.subject
    assert ticket.transcript == draft.transcript
    assert ticket.details == draft.details
    assert ticket.intent is Intent.BUG_REPORT
    assert ticket.language is Language.EN
    assert ticket.created_at == MONDAY
    assert ticket.updated_at == MONDAY
    assert [event.kind for event in ticket.events] == [EventKind.OPENED]
    assert ticket.events[0].data == {"tier": "L1", "priority": "normal"}


def test_create_assigns_increasing_ids(store: TicketStore) -> None:
    first = store.create(make_draft(), now=MONDAY)
    second = store.create(make_draft(), now=MONDAY)

    assert first.id == "T-000001"
    assert second.id == "T-000002"


def test_ticket_persists_across_new_store(database_url: str) -> None:
    writer = TicketStore(database_url)
    created = writer.create(make_draft(), now=MONDAY)
    writer.add_event(created.id, EventKind.COMMENTED, actor="wang-fang", data={"text": "On it"})
    writer.close()

    reader = TicketStore(database_url)
    loaded = reader.get(created.id)
    reader.close()

    assert loaded.subject == created.subject
    assert loaded.details == created.details
    assert loaded.transcript == created.transcript
    assert [event.kind for event in loaded.events] == [EventKind.OPENED, EventKind.COMMENTED]
    assert loaded.events[1].data == {"text": "On it"}


def test_create_writes_initial_fields_and_events(store: TicketStore) -> None:
    due = MONDAY + timedelta(seconds=30)
    fields = TicketUpdate(team="l1-general", assignee="li-na", first_reply_due_at=due)
    assigned = TicketEventDraft(kind=EventKind.ASSIGNED, data={"assignee": "li-na"})

    ticket = store.create(make_draft(), fields=fields, events=[assigned], now=MONDAY)

    assert ticket.team == "l1-general"
    assert ticket.assignee == "li-na"
    assert ticket.first_reply_due_at == due
    assert ticket.diagnosis_due_at is None
    assert [event.kind for event in ticket.events] == [EventKind.OPENED, EventKind.ASSIGNED]


def test_datetimes_come_back_as_utc(store: TicketStore) -> None:
    shanghai_time = datetime.fromisoformat("2025-03-03T10:00:00+08:00")

    ticket = store.create(make_draft(), now=shanghai_time)
    loaded = store.get(ticket.id)

    assert loaded.created_at == shanghai_time
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.events[0].at.tzinfo is not None


def test_create_rejects_naive_now(store: TicketStore) -> None:
    naive = datetime(2025, 3, 3, 10, 0)  # noqa: DTZ001

    with pytest.raises(ValueError, match="naive datetime"):
        store.create(make_draft(), now=naive)


def test_get_unknown_ticket_raises_not_found(store: TicketStore) -> None:
    with pytest.raises(TicketNotFoundError, match="'T-000404' not found") as caught:
        store.get("T-000404")

    assert isinstance(caught.value, InputError)
    assert caught.value.ticket_id == "T-000404"


def test_get_malformed_id_raises_invalid_id(store: TicketStore) -> None:
    with pytest.raises(InvalidTicketIdError, match="'ticket-7' is invalid.*T-000123"):
        store.get("ticket-7")


def test_update_writes_only_fields_passed(store: TicketStore) -> None:
    ticket = store.create(
        make_draft(), fields=TicketUpdate(team="l2-product", assignee="wang-fang"), now=MONDAY
    )
    later = MONDAY + timedelta(minutes=5)

    updated = store.update(ticket.id, TicketUpdate(assignee=None), now=later)

    assert updated.assignee is None
    assert updated.team == "l2-product"
    assert updated.priority is Priority.NORMAL
    assert updated.updated_at == later
    assert updated.created_at == MONDAY


def test_update_status_logs_status_change(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(ticket.id, TicketUpdate(status=TicketStatus.OPEN), actor="li-na")

    last = updated.events[-1]
    assert updated.status is TicketStatus.OPEN
    assert last.kind is EventKind.STATUS_CHANGED
    assert last.actor == "li-na"
    assert last.data == {"from": "new", "to": "open"}


def test_update_same_status_logs_nothing(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(ticket.id, TicketUpdate(status=TicketStatus.NEW))

    assert [event.kind for event in updated.events] == [EventKind.OPENED]


def test_update_unknown_ticket_raises_not_found(store: TicketStore) -> None:
    with pytest.raises(TicketNotFoundError, match="T-000009"):
        store.update("T-000009", TicketUpdate(priority=Priority.HIGH))


def test_add_event_keeps_log_order(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)
    store.add_event(ticket.id, EventKind.COMMENTED, actor="user-42", data={"text": "Any news?"})

    updated = store.add_event(
        ticket.id, EventKind.COMMENTED, actor="li-na", data={"text": "Looking now"}
    )

    assert [event.actor for event in updated.events] == ["assistant", "user-42", "li-na"]
    assert updated.events[2].data == {"text": "Looking now"}


def test_list_filters_by_each_field(store: TicketStore) -> None:
    store.create(make_draft(), fields=TicketUpdate(team="l1-general", assignee="li-na"))
    store.create(
        make_draft(tier=Tier.L2), fields=TicketUpdate(team="l2-product", assignee="wang-fang")
    )
    pending = store.create(make_draft(tier=Tier.L2), fields=TicketUpdate(team="l2-product"))
    store.update(pending.id, TicketUpdate(status=TicketStatus.PENDING))

    assert len(store.list()) == 3
    assert [t.id for t in store.list(status=TicketStatus.PENDING)] == [pending.id]
    assert len(store.list(tier=Tier.L2)) == 2
    assert len(store.list(team="l2-product")) == 2
    assert [t.assignee for t in store.list(assignee="li-na")] == ["li-na"]
    assert len(store.list(tier=Tier.L2, status=TicketStatus.NEW)) == 1
    assert store.list(team="nobody") == []


def test_list_returns_newest_first_within_limit(store: TicketStore) -> None:
    for minutes in range(3):
        store.create(make_draft(), now=MONDAY + timedelta(minutes=minutes))

    tickets = store.list(limit=2)

    assert [ticket.id for ticket in tickets] == ["T-000003", "T-000002"]


@pytest.mark.parametrize("limit", [0, 501], ids=["zero", "above-max"])
def test_list_rejects_limit_out_of_range(store: TicketStore, limit: int) -> None:
    with pytest.raises(InputError, match=f"limit {limit} is invalid"):
        store.list(limit=limit)


def test_count_open_by_assignee_skips_finished(store: TicketStore) -> None:
    for _ in range(2):
        store.create(make_draft(), fields=TicketUpdate(assignee="li-na"))
    escalated = store.create(make_draft(), fields=TicketUpdate(assignee="zhao-min"))
    store.update(escalated.id, TicketUpdate(status=TicketStatus.ESCALATED))
    for status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        done = store.create(make_draft(), fields=TicketUpdate(assignee="zhao-min"))
        store.update(done.id, TicketUpdate(status=status))
    store.create(make_draft())

    assert store.count_open_by_assignee() == {"li-na": 2, "zhao-min": 1}


def test_count_open_by_assignee_excludes_ticket(store: TicketStore) -> None:
    first = store.create(make_draft(), fields=TicketUpdate(assignee="li-na"))
    store.create(make_draft(), fields=TicketUpdate(assignee="li-na"))

    counts = store.count_open_by_assignee(exclude_ticket_id=first.id)

    assert counts == {"li-na": 1}


def test_sqlite_store_creates_parent_folder(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "data" / "assistant.db"
    store = TicketStore(f"sqlite:///{database}")

    store.create(make_draft())
    store.close()

    assert database.is_file()


def test_in_memory_sqlite_store_keeps_tickets() -> None:
    store = TicketStore("sqlite://")

    created = store.create(make_draft())

    assert store.get(created.id).id == created.id
    store.close()


@pytest.mark.parametrize(
    ("public_id", "key"),
    [("T-000123", 123), ("t-000123", 123), (" T-7 ", 7), ("T-1234567", 1234567)],
    ids=["canonical", "lowercase", "unpadded", "seven-digits"],
)
def test_parse_ticket_id_accepts_variants(public_id: str, key: int) -> None:
    assert parse_ticket_id(public_id) == key


@pytest.mark.parametrize("public_id", ["123", "T-", "T-12a", "TK-000123", ""])
def test_parse_ticket_id_rejects_malformed(public_id: str) -> None:
    with pytest.raises(InvalidTicketIdError):
        parse_ticket_id(public_id)


def test_format_ticket_id_pads_to_six_digits() -> None:
    assert format_ticket_id(7) == "T-000007"
    assert format_ticket_id(1234567) == "T-1234567"


def test_draft_rejects_unknown_module() -> None:
    with pytest.raises(ValidationError, match="unknown module 'kanban'; use one of: tasks"):
        make_draft(module="kanban")


def test_draft_rejects_unknown_field() -> None:
    with pytest.raises(ValidationError, match="severity"):
        make_draft(severity="high")


def test_update_rejects_clearing_required_field() -> None:
    with pytest.raises(ValidationError, match="tier cannot be cleared"):
        TicketUpdate(tier=None)


def test_update_rejects_naive_due_time() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        TicketUpdate(first_reply_due_at=datetime(2025, 3, 3))  # noqa: DTZ001


def test_record_is_frozen(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=datetime(2025, 3, 3, tzinfo=UTC))

    with pytest.raises(ValidationError, match="frozen"):
        ticket.status = TicketStatus.CLOSED
