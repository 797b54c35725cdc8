"""Turn log store: queued writes, filters, tenant isolation, failures that stay out of the turn."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, inspect

from assistant.errors import InputError
from assistant.settings import Settings
from assistant.tickets.schemas import MAX_REQUESTER_CHARS
from assistant.turns import MAX_LIST_LIMIT, TurnStore
from tests.factories import START, create_old_turns_table, make_turn


@pytest.fixture
def store(settings: Settings) -> Iterator[TurnStore]:
    settings.data_dir.mkdir(parents=True)
    turn_store = TurnStore(settings.resolved_database_url)
    yield turn_store
    turn_store.close()


def test_recorded_turn_reads_back_every_field(store: TurnStore) -> None:
    turn = make_turn(ticket_id="T-000007", action="open_ticket", kb_unanswered=True)

    store.record(turn)
    [stored] = store.list_turns("default")

    assert stored.id >= 1
    assert {name: getattr(stored, name) for name in vars(turn)} == vars(turn)
    assert stored.created_at.tzinfo is not None


def test_list_turns_newest_first_with_filters(store: TurnStore) -> None:
    for minutes, conversation, user in ((0, "c-1", "u-1"), (5, "c-2", "u-2"), (9, "c-1", "u-1")):
        store.record(
            make_turn(
                conversation_id=conversation,
                user_id=user,
                created_at=START + timedelta(minutes=minutes),
            )
        )

    newest_first = [turn.created_at for turn in store.list_turns("default")]
    by_user = store.list_turns("default", user_id="u-2")
    by_conversation = store.list_turns("default", conversation_id="c-1", limit=1)
    window = store.list_turns(
        "default", since=START + timedelta(minutes=1), until=START + timedelta(minutes=9)
    )

    assert newest_first == sorted(newest_first, reverse=True)
    assert [turn.conversation_id for turn in by_user] == ["c-2"]
    assert [turn.created_at for turn in by_conversation] == [START + timedelta(minutes=9)]
    assert [turn.conversation_id for turn in window] == ["c-2"]


def test_list_turns_only_returns_the_tenant(store: TurnStore) -> None:
    store.record(make_turn(tenant="beta", question="beta's question"))
    store.record(make_turn(tenant="default"))

    assert [turn.question for turn in store.list_turns("beta")] == ["beta's question"]
    assert all(turn.tenant == "default" for turn in store.list_turns("default"))


@pytest.mark.parametrize("limit", [0, MAX_LIST_LIMIT + 1], ids=["zero", "too-many"])
def test_list_turns_rejects_invalid_limit(store: TurnStore, limit: int) -> None:
    with pytest.raises(InputError, match=f"limit {limit} is invalid"):
        store.list_turns("default", limit=limit)


def test_overlong_user_id_is_truncated(store: TurnStore) -> None:
    store.record(make_turn(user_id="u" * (MAX_REQUESTER_CHARS + 50)))

    [stored] = store.list_turns("default")

    assert stored.user_id == "u" * MAX_REQUESTER_CHARS


def test_failed_write_logged_and_spares_others(
    store: TurnStore, caplog: pytest.LogCaptureFixture
) -> None:
    naive_time = datetime(2026, 11, 23, 10, 0)  # noqa: DTZ001 - the invalid value under test
    caplog.set_level(logging.WARNING, logger="assistant.turns")

    store.record(make_turn(conversation_id="c-good-1"))
    store.record(make_turn(conversation_id="c-bad", created_at=naive_time))
    store.record(make_turn(conversation_id="c-good-2"))
    stored = store.list_turns("default")

    assert sorted(turn.conversation_id for turn in stored) == ["c-good-1", "c-good-2"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "conversation=c-bad" in failures[0].getMessage()


def test_close_writes_queued_turns(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True)
    writer = TurnStore(settings.resolved_database_url)
    writer.record(make_turn(conversation_id="c-before-close"))
    writer.close()

    reader = TurnStore(settings.resolved_database_url)
    try:
        stored = reader.list_turns("default")
    finally:
        reader.close()

    assert [turn.conversation_id for turn in stored] == ["c-before-close"]


def test_record_after_close_drops_with_warning(
    store: TurnStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.close()
    caplog.set_level(logging.WARNING, logger="assistant.turns")

    store.record(make_turn(conversation_id="c-late"))

    assert "conversation=c-late" in caplog.text
    assert "closed" in caplog.text


def test_flush_times_out_on_locked_database(store: TurnStore, settings: Settings) -> None:
    store.record(make_turn(conversation_id="c-first"))
    assert store.flush(timeout=10.0)
    locker = sqlite3.connect(settings.data_dir / "assistant.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")

    try:
        store.record(make_turn(conversation_id="c-waiting"))
        timed_out = store.flush(timeout=0.3)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    finished = store.flush(timeout=10.0)

    assert timed_out is False
    assert finished is True
    assert {turn.conversation_id for turn in store.list_turns("default")} == {
        "c-first",
        "c-waiting",
    }


def test_old_turns_table_gets_kb_unanswered_column(database_url: str) -> None:
    create_old_turns_table(database_url, question="How do I save a baseline?")
    store = TurnStore(database_url)
    try:
        store.record(make_turn(conversation_id="c-new", kb_unanswered=True))
        stored = {turn.conversation_id: turn for turn in store.list_turns("default")}
    finally:
        store.close()

    engine = create_engine(database_url)
    columns = {column["name"] for column in inspect(engine).get_columns("conversation_turns")}
    engine.dispose()
    assert "kb_unanswered" in columns
    assert stored["c-old"].kb_unanswered is None
    assert stored["c-old"].question == "How do I save a baseline?"
    assert stored["c-new"].kb_unanswered is True
