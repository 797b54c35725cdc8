"""Fixtures of the tool tests: a SQLite ticket store in a temporary folder and a small roster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.tickets.roster import Roster
from assistant.tickets.store import TicketStore
from tests.tickets.factories import make_agent, make_roster, make_settings


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tickets.db'}"


@pytest.fixture
def store(store_url: str) -> Iterator[TicketStore]:
    ticket_store = TicketStore(store_url)
    yield ticket_store
    ticket_store.close()


@pytest.fixture
def roster(settings: Settings) -> Roster:
    """One L1 agent, two L2 gantt agents (capacity 1 and 2) and one L3 engineer."""
    agents = [
        make_agent("l1-lin", team="l1-general", modules=("gantt",), tiers=("L1",)),
        make_agent("l2-amy", capacity=1),
        make_agent("l2-bo", capacity=2),
        make_agent("l3-kai", team="l3-eng", modules=("gantt",), tiers=("L3",)),
        make_agent("sec-sam", team="security", modules=("gantt",), tiers=("L3",)),
    ]
    return make_roster(agents, settings)
