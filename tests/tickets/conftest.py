"""Fixtures of the ticket tests: settings, and a store on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_settings, postgres_schema_url


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tickets.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[TicketStore]:
    ticket_store = TicketStore(store_url)
    yield ticket_store
    ticket_store.close()
