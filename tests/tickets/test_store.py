"""Ticket store on real databases: a SQLite file, and PostgreSQL when it is reachable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect, literal
from sqlalchemy.exc import IntegrityError

from assistant.domain import Intent, Language, Priority, Tier
from assistant.errors import InputError
from assistant.tickets import store as store_module
from assistant.tickets.models import TICKET_NUMBER_INDEX
from assistant.tickets.schemas import (
    EventKind,
    TicketEventDraft,
    TicketStatus,
    TicketUpdate,
)
from assistant.tickets.store import (
    TICKET_INSERT_ATTEMPTS,
    InvalidTicketIdError,
    TicketNotFoundError,
    TicketStore,
    format_ticket_id,
    parse_ticket_id,
)
from tests.tickets.factories import MONDAY, create_old_tickets_table, make_draft


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


def test_numbers_start_at_one_per_tenant(store: TicketStore) -> None:
    first = store.create(make_draft(subject="Default's first"))
    beta_first = store.create(make_draft(tenant="beta", subject="Beta's first"))
    second = store.create(make_draft(subject="Default's second"))

    beta_loaded = store.get("T-000001", tenant="beta")

    assert [first.id, beta_first.id, second.id] == ["T-000001", "T-000001", "T-000002"]
    assert beta_loaded.tenant == "beta"
    assert beta_loaded.subject == "Beta's first"
    assert store.get("T-000001", tenant="default").subject == "Default's first"
    with pytest.raises(TicketNotFoundError, match="'T-000002' not found"):
        store.get("T-000002", tenant="beta")


def test_other_tenant_writes_not_found(store: TicketStore) -> None:
    store.create(make_draft())
    store.create(make_draft())
    store.create(make_draft(tenant="beta"))

    with pytest.raises(TicketNotFoundError):
        store.update("T-000002", TicketUpdate(priority=Priority.HIGH), tenant="beta")
    with pytest.raises(TicketNotFoundError):
        store.add_event("T-000002", EventKind.COMMENTED, tenant="beta", actor="beta-agent")
    with pytest.raises(TicketNotFoundError):
        store.add_agent_reply("T-000002", "Hello", tenant="beta", actor="beta-agent")
    untouched = store.get("T-000002", tenant="default")
    assert untouched.priority is Priority.NORMAL
    assert [event.kind for event in untouched.events] == [EventKind.OPENED]


def test_create_retries_when_number_taken(
    store: TicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create(make_draft())
    real_next_number = store_module._next_number
    tenants: list[str] = []

    def stale_then_real(tenant: str) -> object:
        # The first try reuses number 1, as an insert that read the maximum before a
        # concurrent insert of the tenant committed would.
        tenants.append(tenant)
        return literal(1) if len(tenants) == 1 else real_next_number(tenant)

    monkeypatch.setattr(store_module, "_next_number", stale_then_real)

    second = store.create(make_draft())

    assert second.id == "T-000002"
    assert tenants == ["default", "default"]
    assert [ticket.id for ticket in store.list()] == ["T-000002", "T-000001"]


def test_create_gives_up_after_max_attempts(
    store: TicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.create(make_draft())
    attempts: list[str] = []

    def always_taken(tenant: str) -> object:
        attempts.append(tenant)
        return literal(1)

    monkeypatch.setattr(store_module, "_next_number", always_taken)

    with pytest.raises(IntegrityError):
        store.create(make_draft())

    assert len(attempts) == TICKET_INSERT_ATTEMPTS
    assert len(store.list()) == 1


def test_concurrent_creates_take_distinct_numbers(database_url: str) -> None:
    rounds = 6
    stores = [TicketStore(database_url), TicketStore(database_url)]
    for writer in stores:
        writer.list(limit=1)  # creates the tables before the race
    barrier = threading.Barrier(len(stores))
    created: list[str] = []
    errors: list[BaseException] = []

    def create_tickets(writer: TicketStore) -> None:
        try:
            for _ in range(rounds):
                # Both threads insert at once, so on PostgreSQL they often read the same maximum.
                barrier.wait(timeout=30)
                created.append(writer.create(make_draft(tenant="acme")).id)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=create_tickets, args=(writer,)) for writer in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for writer in stores:
        writer.close()
    if errors:
        raise errors[0]

    assert sorted(created) == [format_ticket_id(number) for number in range(1, 2 * rounds + 1)]


def test_old_tickets_table_keeps_public_ids(database_url: str) -> None:
    create_old_tickets_table(database_url, ["default", "beta", "default"])
    store = TicketStore(database_url)
    try:
        old_tickets = [
            store.get("T-000001", tenant="default"),
            store.get("T-000002", tenant="beta"),
            store.get("T-000003", tenant="default"),
        ]
        with pytest.raises(TicketNotFoundError):
            store.get("T-000002", tenant="default")
        new_default = store.create(make_draft())
        new_beta = store.create(make_draft(tenant="beta"))
        new_tenant = store.create(make_draft(tenant="gamma"))
    finally:
        store.close()

    engine = create_engine(database_url)
    indexes = {index["name"] for index in inspect(engine).get_indexes("tickets")}
    engine.dispose()
    assert [ticket.subject for ticket in old_tickets] == [
        "Old ticket 1",
        "Old ticket 2",
        "Old ticket 3",
    ]
    assert [ticket.tenant for ticket in old_tickets] == ["default", "beta", "default"]
    assert new_default.id == "T-000004"
    assert new_beta.id == "T-000003"
    assert new_tenant.id == "T-000001"
    assert TICKET_NUMBER_INDEX in indexes


def test_ticket_persists_across_new_store(database_url: str) -> None:
    writer = TicketStore(database_url)
    created = writer.create(make_draft(), now=MONDAY)
    writer.add_event(
        created.id, EventKind.COMMENTED, actor="wang-fang", data={"text": "On it"}, tenant="default"
    )
    writer.close()

    reader = TicketStore(database_url)
    loaded = reader.get(created.id, tenant="default")
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
    loaded = store.get(ticket.id, tenant="default")

    assert loaded.created_at == shanghai_time
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.events[0].at.tzinfo is not None


def test_create_rejects_naive_now(store: TicketStore) -> None:
    naive = datetime(2025, 3, 3, 10, 0)  # noqa: DTZ001

    with pytest.raises(ValueError, match="naive datetime"):
        store.create(make_draft(), now=naive)


def test_get_unknown_ticket_raises_not_found(store: TicketStore) -> None:
    with pytest.raises(TicketNotFoundError, match="'T-000404' not found") as caught:
        store.get("T-000404", tenant="default")

    assert isinstance(caught.value, InputError)
    assert caught.value.ticket_id == "T-000404"


def test_get_malformed_id_raises_invalid_id(store: TicketStore) -> None:
    with pytest.raises(InvalidTicketIdError, match="'ticket-7' is invalid.*T-000123"):
        store.get("ticket-7", tenant="default")


def test_update_writes_only_fields_passed(store: TicketStore) -> None:
    ticket = store.create(
        make_draft(), fields=TicketUpdate(team="l2-product", assignee="wang-fang"), now=MONDAY
    )
    later = MONDAY + timedelta(minutes=5)

    updated = store.update(ticket.id, TicketUpdate(assignee=None), now=later, tenant="default")

    assert updated.assignee is None
    assert updated.team == "l2-product"
    assert updated.priority is Priority.NORMAL
    assert updated.updated_at == later
    assert updated.created_at == MONDAY


def test_update_status_logs_status_change(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(
        ticket.id, TicketUpdate(status=TicketStatus.OPEN), actor="li-na", tenant="default"
    )

    last = updated.events[-1]
    assert updated.status is TicketStatus.OPEN
    assert last.kind is EventKind.STATUS_CHANGED
    assert last.actor == "li-na"
    assert last.data == {"from": "new", "to": "open"}


def test_update_same_status_logs_nothing(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(ticket.id, TicketUpdate(status=TicketStatus.NEW), tenant="default")

    assert [event.kind for event in updated.events] == [EventKind.OPENED]


def test_update_intent_logs_intent_change_first(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)
    comment = TicketEventDraft(kind=EventKind.COMMENTED, actor="li-na", data={"text": "urgent"})

    updated = store.update(
        ticket.id,
        TicketUpdate(intent=Intent.OUTAGE, status=TicketStatus.OPEN),
        events=[comment],
        actor="li-na",
        tenant="default",
    )

    kinds = [event.kind for event in updated.events]
    assert updated.intent is Intent.OUTAGE
    assert kinds == [
        EventKind.OPENED,
        EventKind.INTENT_CHANGED,
        EventKind.COMMENTED,
        EventKind.STATUS_CHANGED,
    ]
    assert updated.events[1].actor == "li-na"
    assert updated.events[1].data == {"from": "bug_report", "to": "outage"}


def test_update_same_intent_logs_nothing(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(ticket.id, TicketUpdate(intent=Intent.BUG_REPORT), tenant="default")

    assert [event.kind for event in updated.events] == [EventKind.OPENED]


def test_update_module_logs_module_change(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)
    comment = TicketEventDraft(kind=EventKind.COMMENTED, actor="li-na", data={"text": "tasks"})

    updated = store.update(
        ticket.id,
        TicketUpdate(intent=Intent.OUTAGE, module="tasks"),
        events=[comment],
        actor="li-na",
        tenant="default",
    )

    assert updated.module == "tasks"
    assert [event.kind for event in updated.events] == [
        EventKind.OPENED,
        EventKind.INTENT_CHANGED,
        EventKind.MODULE_CHANGED,
        EventKind.COMMENTED,
    ]
    assert updated.events[2].actor == "li-na"
    assert updated.events[2].data == {"from": "gantt", "to": "tasks"}


def test_update_same_module_logs_nothing(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)

    updated = store.update(ticket.id, TicketUpdate(module="gantt"), tenant="default")

    assert [event.kind for event in updated.events] == [EventKind.OPENED]


def test_tenants_lists_each_ticket_tenant_once(store: TicketStore) -> None:
    assert store.tenants() == []

    store.create(make_draft(tenant="zeta"))
    store.create(make_draft())
    store.create(make_draft(tenant="zeta"))

    assert store.tenants() == ["default", "zeta"]


def test_update_unknown_ticket_raises_not_found(store: TicketStore) -> None:
    with pytest.raises(TicketNotFoundError, match="T-000009"):
        store.update("T-000009", TicketUpdate(priority=Priority.HIGH), tenant="default")


def test_add_event_keeps_log_order(store: TicketStore) -> None:
    ticket = store.create(make_draft(), now=MONDAY)
    store.add_event(
        ticket.id,
        EventKind.COMMENTED,
        actor="user-42",
        data={"text": "Any news?"},
        tenant="default",
    )

    updated = store.add_event(
        ticket.id,
        EventKind.COMMENTED,
        actor="li-na",
        data={"text": "Looking now"},
        tenant="default",
    )

    assert [event.actor for event in updated.events] == ["assistant", "user-42", "li-na"]
    assert updated.events[2].data == {"text": "Looking now"}


def test_list_filters_by_each_field(store: TicketStore) -> None:
    store.create(make_draft(), fields=TicketUpdate(team="l1-general", assignee="li-na"))
    store.create(
        make_draft(tier=Tier.L2), fields=TicketUpdate(team="l2-product", assignee="wang-fang")
    )
    pending = store.create(make_draft(tier=Tier.L2), fields=TicketUpdate(team="l2-product"))
    store.update(pending.id, TicketUpdate(status=TicketStatus.PENDING), tenant="default")

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
    store.update(escalated.id, TicketUpdate(status=TicketStatus.ESCALATED), tenant="default")
    for status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        done = store.create(make_draft(), fields=TicketUpdate(assignee="zhao-min"))
        store.update(done.id, TicketUpdate(status=status), tenant="default")
    store.create(make_draft())

    assert store.count_open_by_assignee() == {"li-na": 2, "zhao-min": 1}


def test_count_open_by_assignee_excludes_ticket(store: TicketStore) -> None:
    first = store.create(make_draft(), fields=TicketUpdate(assignee="li-na"))
    store.create(make_draft(), fields=TicketUpdate(assignee="li-na"))
    beta_first = store.create(make_draft(tenant="beta"), fields=TicketUpdate(assignee="li-na"))

    counts = store.count_open_by_assignee(exclude=first)

    assert beta_first.id == first.id
    assert counts == {"li-na": 2}, "beta's ticket with the same id still counts"


def test_sqlite_store_creates_parent_folder(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "data" / "assistant.db"
    store = TicketStore(f"sqlite:///{database}")

    store.create(make_draft())
    store.close()

    assert database.is_file()


def test_in_memory_sqlite_store_keeps_tickets() -> None:
    store = TicketStore("sqlite://")

    created = store.create(make_draft())

    assert store.get(created.id, tenant="default").id == created.id
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
