"""Pydantic shapes of tickets: the draft the agent fills in, updates, and the public record."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from assistant.domain import MODULES, Intent, Language, Priority, Role, Tier
from assistant.tenants import DEFAULT_TENANT

ASSISTANT_ACTOR = "assistant"
"""Actor recorded in the event log for changes the assistant makes."""

ANONYMOUS_REQUESTER = "anonymous"
"""Requester of the tickets of users who gave no id; such tickets may come from many people."""

AGENT_ROLE = "agent"
"""Transcript role of a reply that a human support agent sent to the requester."""

USER_ROLE = "user"
"""Transcript role of an end user's message. A `commented` event of one carries it as `role`
in its data, so that no end user's message meets an SLA target."""

MAX_SUBJECT_CHARS = 200
MAX_DESCRIPTION_CHARS = 20_000
MAX_REQUESTER_CHARS = 200
MAX_NAME_CHARS = 100
MAX_TENANT_CHARS = 32
MAX_CONVERSATION_ID_CHARS = 128
"""Maximum length of a conversation id that `assistant.tenants.conversation_thread_id` accepts."""


class TicketStatus(StrEnum):
    """Lifecycle state of a ticket."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ESCALATED}
)
"""Statuses that count toward an agent's open tickets."""

FINISHED_STATUSES: frozenset[TicketStatus] = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
"""Statuses of tickets that need no more work; they stop SLA clocks."""


class Channel(StrEnum):
    """Channel the request came in through."""

    CHAT = "chat"
    CLI = "cli"
    API = "api"
    EMAIL = "email"


class EventKind(StrEnum):
    """Kind of an entry in a ticket's event log."""

    OPENED = "opened"
    ESCALATED = "escalated"
    """The ticket moved to a higher tier. Data: from_tier, to_tier, priority, reason."""
    PRIORITY_CHANGED = "priority_changed"
    """The priority changed while the tier stayed, with a due time counted from the change.
    Data: from, to, reason."""
    INTENT_CHANGED = "intent_changed"
    """A later message gave the ticket another intent, as an outage after a bug report does.
    Data: from, to."""
    MODULE_CHANGED = "module_changed"
    """A later message moved the ticket to another product module, as a report of lost tasks
    after a Gantt bug report does. Data: from, to."""
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    COMMENTED = "commented"
    SLA_WARNING = "sla_warning"
    """The SLA monitor saw the current tier's due time come within the warning window."""
    SLA_BREACHED = "sla_breached"
    """The SLA monitor saw the current tier's due time pass."""


class ReasonCode(StrEnum):
    """Stable code of a reason the server writes into an `assigned` or `escalated` event.

    The event data stores the code as `reason_code` and the values its message needs as
    `reason_params`, so pages can show the reason in the reader's language. Events stored
    before the codes existed, and reasons typed by an agent, carry only the English `reason`.
    """

    NO_TEAM = "no_team"
    """No team serves the tier with the module or intent. Params: roster, tier, module, intent."""
    NO_SKILLED_AGENT = "no_skilled_agent"
    """No team member covers the ticket. Params: team, module, language, tier."""
    AGENTS_AT_CAPACITY = "agents_at_capacity"
    """Every skilled team member is at capacity. Params: team, and loads as a list of
    `{agent, open_tickets, capacity}`."""
    AGENT_CHOSEN = "agent_chosen"
    """The roster picked an agent. Params: agent, on_shift, open_tickets, capacity."""
    AGENT_REQUESTED = "agent_requested"
    """The caller named an agent who covers the ticket. Params: agent."""
    AGENT_REQUESTED_LACKING_SKILLS = "agent_requested_lacking_skills"
    """The caller named an agent who lacks skills. Params: agent, and missing_skills, which maps
    `module`, `language` or `tier` to the value the ticket needs."""
    NO_ROSTER = "no_roster"
    """An escalation without a roster leaves the ticket unassigned. Params: tier."""
    INTENT_NEEDS_TIER = "intent_needs_tier"
    """The assistant escalated because the ticket's intent goes to a tier. Params: intent, tier."""
    INTENT_NEEDS_PRIORITY = "intent_needs_priority"
    """The assistant raised the priority because the ticket's intent needs it. Params: intent,
    priority."""
    MESSAGE_NEEDS_TIER = "message_needs_tier"
    """The assistant escalated the conversation's open ticket because a later message of the
    conversation needs a higher tier. Params: intent and tier that the message needs, message
    (its text, shortened to `graphs.support.ticketing.MESSAGE_EXCERPT_CHARS` characters), and
    ticket_reason, the code of the reason the message would have opened a ticket for, such as
    `security_escalated`."""
    MESSAGE_NEEDS_PRIORITY = "message_needs_priority"
    """The assistant raised the priority of the conversation's open ticket within its tier
    because a later message of the conversation needs it. Params: intent, priority, message and
    ticket_reason, as for `message_needs_tier`."""


def reason_data(
    reason: str, code: ReasonCode, params: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """Return the event data of a server-written reason: its English text, code and parameters."""
    return {"reason": reason, "reason_code": code.value, "reason_params": dict(params)}


class TranscriptMessage(BaseModel):
    """One message of the conversation that led to the ticket."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(min_length=1, max_length=32)
    """Speaker: usually `user`, `assistant`, `system` or `agent` (a human supporter)."""

    content: str
    """Text of the message."""


class TicketDetails(BaseModel):
    """Facts support needs to reproduce a problem; every field is optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_version: str | None = None
    """Product version or edition the user runs, e.g. `5.2.1` or `cloud`."""

    steps: tuple[str, ...] = ()
    """Steps to reproduce, in order."""

    expected: str | None = None
    """Expected behaviour, in the user's words."""

    actual: str | None = None
    """Observed behaviour, including error messages."""

    role: Role | None = None
    """Role of the user in their workspace (admin, member, guest)."""


def _validate_module(module: str) -> str:
    if module not in MODULES:
        raise ValueError(f"unknown module {module!r}; use one of: {', '.join(MODULES)}")
    return module


class TicketDraft(BaseModel):
    """Everything the agent collects before it opens a ticket."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    requester: str = Field(min_length=1, max_length=MAX_REQUESTER_CHARS)
    """Requester: a user id or an email address."""

    subject: str = Field(min_length=1, max_length=MAX_SUBJECT_CHARS)
    """One-line summary of the problem."""

    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    """The problem in the user's words, plus what the assistant already tried."""

    transcript: tuple[TranscriptMessage, ...] = ()
    """Conversation that led to the ticket, oldest first."""

    intent: Intent
    """Intent recognized at L1."""

    module: str
    """Product module concerned, one of `assistant.domain.MODULES`."""

    priority: Priority = Priority.NORMAL
    """Priority; `urgent` is for outages and data loss."""

    tier: Tier = Tier.L1
    """Tier that handles the ticket first."""

    channel: Channel = Channel.CHAT
    """Channel the request came in through."""

    language: Language
    """Language of replies to the requester."""

    details: TicketDetails = Field(default_factory=TicketDetails)
    """Reproduction details."""

    tenant: str = Field(default=DEFAULT_TENANT, min_length=1, max_length=MAX_TENANT_CHARS)
    """Tenant that owns the ticket; other tenants never see it."""

    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=MAX_CONVERSATION_ID_CHARS
    )
    """Conversation the ticket comes from. While a ticket of the tenant's conversation is open,
    `TicketStore.create` opens no other ticket for it."""

    reason_code: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_CHARS)
    """Code of the assistant's decision to open the ticket, such as `failure_not_documented`,
    the same as the `reason_code` of the chat reply's action."""

    @field_validator("module")
    @classmethod
    def check_module(cls, module: str) -> str:
        """Reject a module that is not in `assistant.domain.MODULES`."""
        return _validate_module(module)


_REQUIRED_TICKET_FIELDS = frozenset({"status", "tier", "priority", "intent", "module"})


class TicketUpdate(BaseModel):
    """Fields to change on a ticket; only the fields passed explicitly are written.

    Passing `assignee=None` explicitly clears the assignee, while leaving it out keeps it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: TicketStatus | None = None
    tier: Tier | None = None
    priority: Priority | None = None
    intent: Intent | None = None
    module: str | None = None
    team: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    assignee: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    first_reply_due_at: AwareDatetime | None = None
    diagnosis_due_at: AwareDatetime | None = None
    fix_plan_due_at: AwareDatetime | None = None

    @field_validator("module")
    @classmethod
    def check_module(cls, module: str | None) -> str | None:
        """Reject a module that is not in `assistant.domain.MODULES`."""
        return None if module is None else _validate_module(module)

    @model_validator(mode="after")
    def check_required_fields(self) -> Self:
        """Reject an explicit None for a field that every ticket must have."""
        for name in _REQUIRED_TICKET_FIELDS & self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared; pass a value or leave it out")
        return self


class TicketEventDraft(BaseModel):
    """An event to append to a ticket's log; the store stamps the time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EventKind
    actor: str = Field(default=ASSISTANT_ACTOR, min_length=1, max_length=MAX_NAME_CHARS)
    data: dict[str, JsonValue] = Field(default_factory=dict)


class TicketEventRecord(BaseModel):
    """One committed entry of a ticket's event log."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    at: datetime
    """Time of the event, timezone-aware UTC."""

    actor: str
    """Actor: `assistant`, an agent id from the roster, or the requester."""

    data: dict[str, JsonValue]
    """Kind-specific payload, e.g. `{"from": "new", "to": "open"}` for a status change."""


class TicketRecord(BaseModel):
    """Public shape of a committed ticket, with its event log oldest first."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Public id such as `T-000123`."""

    tenant: str = DEFAULT_TENANT
    """Tenant that owns the ticket."""

    requester: str
    subject: str
    description: str
    transcript: tuple[TranscriptMessage, ...]
    intent: Intent
    reason_code: str | None = None
    """Code of the assistant's decision to open the ticket, such as `failure_not_documented`
    (the `reason_code` of the chat reply's action). None for a ticket opened without such a
    decision or stored before the field existed."""

    module: str
    priority: Priority
    tier: Tier
    status: TicketStatus
    team: str | None
    """Roster team id that owns the ticket, or None when no team serves it."""

    assignee: str | None
    """Roster agent id, or None while the ticket waits in the team's queue."""

    channel: Channel
    conversation_id: str | None = None
    """Conversation the ticket comes from, or None for a ticket opened outside a conversation
    or stored before the field existed."""

    language: Language
    details: TicketDetails
    first_reply_due_at: datetime | None
    """L1 target: first reply to the requester."""

    diagnosis_due_at: datetime | None
    """L2 target: first diagnosis by a specialist."""

    fix_plan_due_at: datetime | None
    """L3 target: a fix plan from engineering."""

    created_at: datetime
    updated_at: datetime
    events: tuple[TicketEventRecord, ...]
