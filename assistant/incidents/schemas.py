"""Pydantic shapes of incidents: statuses, event kinds, the public record and updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from assistant.domain import Intent, Language
from assistant.settings import Settings
from assistant.tickets.schemas import TicketStatus

MAX_TITLE_CHARS = 200
MAX_STATUS_MESSAGE_CHARS = 2000
INCIDENT_ID_PREFIX = "INC-"
INCIDENT_ID_DIGITS = 6


def format_incident_id(key: int) -> str:
    """Format the database key of an incident as its public id, e.g. 42 -> `INC-000042`."""
    return f"{INCIDENT_ID_PREFIX}{key:0{INCIDENT_ID_DIGITS}d}"


class IncidentStatus(StrEnum):
    """Lifecycle state of an incident, as status pages name them."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


OPEN_INCIDENT_STATUSES: frozenset[IncidentStatus] = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)
"""Statuses of incidents that new reports are linked to and mentioned in replies."""


class IncidentEventKind(StrEnum):
    """Kind of an entry in an incident's event log."""

    OPENED = "opened"
    """The surge detector opened the incident; `data` contains the burst's ticket ids."""
    LINKED = "linked"
    """A later report was linked to the open incident."""
    PAGED = "paged"
    """L3 was paged; `data` records whether the webhook accepted the page."""
    STATUS_CHANGED = "status_changed"
    MESSAGE_UPDATED = "message_updated"


class IncidentEventRecord(BaseModel):
    """One committed entry of an incident's event log."""

    model_config = ConfigDict(frozen=True)

    kind: IncidentEventKind
    at: datetime
    """Time of the event, timezone-aware UTC."""

    actor: str
    """`surge-detector`, `pager`, or the name of the API key that made the change."""

    data: dict[str, JsonValue]


class IncidentSummary(BaseModel):
    """Public shape of a committed incident without its ticket ids and event log."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Public id such as `INC-000042`."""

    tenant: str
    module: str
    """Product module the reports are about, one of `assistant.domain.MODULES`."""

    title: str
    """Subject of the first report of the burst."""

    status: IncidentStatus
    message_en: str
    """Public status message in English, quoted to new reporters."""

    message_zh: str
    """Public status message in Simplified Chinese, quoted to new reporters."""

    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    ticket_count: int
    """Tickets linked to the incident."""

    @property
    def is_open(self) -> bool:
        """Whether new reports are still linked to the incident."""
        return self.status in OPEN_INCIDENT_STATUSES

    def message(self, language: Language) -> str:
        """Return the public status message in `language`."""
        return self.message_zh if language is Language.ZH else self.message_en


class IncidentRecord(IncidentSummary):
    """A committed incident with its linked ticket ids and event log."""

    ticket_ids: tuple[str, ...]
    """Linked tickets, oldest link first."""

    events: tuple[IncidentEventRecord, ...]


class LinkedTicket(BaseModel):
    """A ticket linked to an incident, as the incident's detail lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    subject: str
    status: TicketStatus
    intent: Intent
    language: Language
    created_at: datetime
    linked_at: datetime


class IncidentDetail(IncidentRecord):
    """An incident with its linked tickets, oldest link first."""

    tickets: tuple[LinkedTicket, ...]


class IncidentList(BaseModel):
    """Incidents that match a query, newest first."""

    incidents: list[IncidentSummary]
    count: int


class IncidentUpdate(BaseModel):
    """Change of an incident's status or public messages. Fields left out keep their values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: IncidentStatus | None = None
    message_en: str | None = Field(default=None, min_length=1, max_length=MAX_STATUS_MESSAGE_CHARS)
    message_zh: str | None = Field(default=None, min_length=1, max_length=MAX_STATUS_MESSAGE_CHARS)

    @model_validator(mode="after")
    def check_not_empty(self) -> Self:
        """Reject an update that changes nothing."""
        if self.status is None and self.message_en is None and self.message_zh is None:
            raise ValueError("pass at least one of status, message_en or message_zh")
        return self


class SurgeOutcome(BaseModel):
    """Outcome of the surge check of one report that belongs to an incident."""

    model_config = ConfigDict(frozen=True)

    incident: IncidentSummary
    opened: bool
    """True when this report completed a burst and opened the incident."""

    linked_ticket_ids: tuple[str, ...]
    """Tickets this check linked: the whole burst when it opened the incident, else the
    report itself, or nothing when another check had linked it already."""


@dataclass(frozen=True)
class SurgeRule:
    """Surge condition: reports of `intents` about one module from `min_reports` distinct
    requesters within `window` of a new report, each with a similarity of at least `threshold`
    to it."""

    min_reports: int
    window: timedelta
    threshold: float
    intents: frozenset[Intent]

    @classmethod
    def from_settings(cls, settings: Settings) -> SurgeRule:
        """Build the rule from the `ASSISTANT_SURGE_*` settings."""
        return cls(
            min_reports=settings.surge_min_reports,
            window=timedelta(minutes=settings.surge_window_minutes),
            threshold=settings.surge_similarity_threshold,
            intents=frozenset(settings.surge_intents),
        )
