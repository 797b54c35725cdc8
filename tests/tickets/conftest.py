"""Fixtures of the ticket tests: settings, and a store on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.settings import Settings
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def store(database_url: str) -> Iterator[TicketStore]:
    ticket_store = TicketStore(database_url)
    yield ticket_store
    ticket_store.close()
