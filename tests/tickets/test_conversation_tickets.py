"""One open ticket per conversation, and the reason code a ticket was opened for.

The stores run on real databases: a SQLite file, and PostgreSQL when it is reachable.
"""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import create_engine, inspect

from assistant.tickets.models import TICKET_CONVERSATION_INDEX
from assistant.tickets.schemas import TicketRecord, TicketStatus, TicketUpdate
from assistant.tickets.store import ConversationTicketOpenError, TicketStore
from tests.concurrency import raise_first_error, run_at_once
from tests.tickets.factories import create_old_tickets_table, make_draft

RACERS = 4
"""Stores that open a ticket for one conversation at the same moment."""
RACE_ROUNDS = 3


def test_second_open_conversation_ticket_raises(store: TicketStore) -> None:
    first = store.create(make_draft(conversation_id="conv-1"))

    with pytest.raises(ConversationTicketOpenError) as raised:
        store.create(make_draft(conversation_id="conv-1"))

    assert raised.value.ticket_id == first.id
    assert raised.value.conversation_id == "conv-1"
    assert [ticket.id for ticket in store.list()] == [first.id]


def test_conversation_reopens_after_resolution(store: TicketStore) -> None:
    first = store.create(make_draft(conversation_id="conv-1"))
    store.update(first.id, TicketUpdate(status=TicketStatus.RESOLVED), tenant="default")

    second = store.create(make_draft(conversation_id="conv-1"))
    # An agent may still reopen the older ticket: the rule binds only the opening of tickets.
    reopened = store.update(first.id, TicketUpdate(status=TicketStatus.OPEN), tenant="default")

    assert second.id == "T-000002"
    assert second.conversation_id == "conv-1"
    assert reopened.status is TicketStatus.OPEN


def test_conversation_rule_is_per_tenant(store: TicketStore) -> None:
    default = store.create(make_draft(conversation_id="conv-1"))
    beta = store.create(make_draft(tenant="beta", conversation_id="conv-1"))
    without_conversation = [store.create(make_draft()) for _ in range(2)]

    assert (default.tenant, default.id) == ("default", "T-000001")
    assert (beta.tenant, beta.id) == ("beta", "T-000001")
    assert [ticket.id for ticket in without_conversation] == ["T-000002", "T-000003"]


def _open_at_once(
    stores: list[TicketStore], conversation: str
) -> tuple[list[TicketRecord], list[str]]:
    """Open a ticket for one conversation from every store at once.

    Returns:
        The tickets opened, and the ids that the rejected tries named.
    """
    draft = make_draft(conversation_id=conversation)
    results = run_at_once([partial(writer.create, draft) for writer in stores])
    rejected = [r.ticket_id for r in results if isinstance(r, ConversationTicketOpenError)]
    others = [r for r in results if not isinstance(r, ConversationTicketOpenError)]
    return raise_first_error(others), rejected


def test_concurrent_creates_open_one_ticket(database_url: str) -> None:
    stores = [TicketStore(database_url) for _ in range(RACERS)]
    for writer in stores:
        writer.list(limit=1)  # creates the tables before the race

    try:
        races = [_open_at_once(stores, f"race-{number}") for number in range(RACE_ROUNDS)]
    finally:
        for writer in stores:
            writer.close()

    for created, rejected in races:
        assert len(created) == 1, [ticket.id for ticket in created]
        assert rejected == [created[0].id] * (RACERS - 1)


def test_reason_code_is_saved(database_url: str) -> None:
    writer = TicketStore(database_url)
    created = writer.create(make_draft(reason_code="failure_not_documented"))
    writer.close()

    reader = TicketStore(database_url)
    loaded = reader.get(created.id, tenant="default")
    listed = reader.list()
    reader.close()

    assert created.reason_code == "failure_not_documented"
    assert loaded.reason_code == "failure_not_documented"
    assert listed[0].reason_code == "failure_not_documented"


def test_old_tickets_table_gets_new_columns(database_url: str) -> None:
    create_old_tickets_table(database_url, ["default"])
    store = TicketStore(database_url)
    try:
        old = store.get("T-000001", tenant="default")
        new = store.create(make_draft(conversation_id="conv-1", reason_code="person_requested"))
    finally:
        store.close()

    engine = create_engine(database_url)
    indexes = {index["name"] for index in inspect(engine).get_indexes("tickets")}
    engine.dispose()
    assert old.conversation_id is None
    assert old.reason_code is None
    assert new.conversation_id == "conv-1"
    assert new.reason_code == "person_requested"
    assert TICKET_CONVERSATION_INDEX in indexes
