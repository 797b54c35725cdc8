"""Stores on one temporary database, for tests that write turns, tickets and feedback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from assistant.domain import Intent, Language
from assistant.feedback import FeedbackStore
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import Channel, TicketDraft, TicketUpdate
from assistant.turns import TurnStore
from insights.activity import ActivityReader


@dataclass
class Stores:
    """The stores of one database and a reader over them."""

    turns: TurnStore
    tickets: TicketStore
    feedback: FeedbackStore
    reader: ActivityReader

    def open_ticket(
        self,
        at: datetime,
        *,
        team: str | None = None,
        description: str = "GitHub sync fails",
        module: str = "integrations",
        channel: Channel = Channel.CHAT,
        tenant: str = "default",
    ) -> str:
        """Create a ticket opened at `at` and return its id."""
        draft = TicketDraft(
            tenant=tenant,
            requester="someone@example.com",
            subject=description[:80],
            description=description,
            intent=Intent.TROUBLESHOOTING,
            module=module,
            channel=channel,
            language=Language.EN,
        )
        fields = TicketUpdate(team=team) if team else None
        return self.tickets.create(draft, fields=fields, now=at).id


@pytest.fixture
def stores(settings: Settings) -> Iterator[Stores]:
    settings.data_dir.mkdir(parents=True)
    url = settings.resolved_database_url
    opened = Stores(TurnStore(url), TicketStore(url), FeedbackStore(url), ActivityReader(url))
    yield opened
    opened.turns.close()
    opened.tickets.close()
    opened.feedback.close()
    opened.reader.close()
