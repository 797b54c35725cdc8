"""Fixtures of the draft tests: a ticket store and a draft store on one database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.drafts import DraftStore
from assistant.tickets import TicketStore


@pytest.fixture
def tickets(database_url: str) -> Iterator[TicketStore]:
    store = TicketStore(database_url)
    yield store
    store.close()


@pytest.fixture
def drafts(database_url: str) -> Iterator[DraftStore]:
    store = DraftStore(database_url)
    yield store
    store.close()
