"""Support tickets: storage, SLA targets, the support roster and automatic assignment.

Public ids look like `T-000123`: `T-` plus the ticket's number zero-padded to six digits. Each
tenant numbers its tickets from 1, so a public id names a ticket only within its tenant.
"""

from assistant.tickets.assignment import Assignment, TicketNeeds, choose_assignment
from assistant.tickets.roster import (
    Agent,
    Roster,
    RosterError,
    Team,
    check_roster,
    load_roster,
    parse_roster,
)
from assistant.tickets.schemas import (
    ASSISTANT_ACTOR,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Channel,
    EventKind,
    TicketDetails,
    TicketDraft,
    TicketEventDraft,
    TicketEventRecord,
    TicketRecord,
    TicketStatus,
    TicketUpdate,
    TranscriptMessage,
)
from assistant.tickets.sla import (
    SlaDueTimes,
    compute_due_times,
    current_due_at,
    is_breached,
    target_met_at,
)
from assistant.tickets.store import (
    InvalidTicketIdError,
    TicketNotFoundError,
    TicketStore,
    format_ticket_id,
    parse_ticket_id,
)
from assistant.tickets.working_hours import WorkingHours

__all__ = [
    "ASSISTANT_ACTOR",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "Agent",
    "Assignment",
    "Channel",
    "EventKind",
    "InvalidTicketIdError",
    "Roster",
    "RosterError",
    "SlaDueTimes",
    "Team",
    "TicketDetails",
    "TicketDraft",
    "TicketEventDraft",
    "TicketEventRecord",
    "TicketNeeds",
    "TicketNotFoundError",
    "TicketRecord",
    "TicketStatus",
    "TicketStore",
    "TicketUpdate",
    "TranscriptMessage",
    "WorkingHours",
    "check_roster",
    "choose_assignment",
    "compute_due_times",
    "current_due_at",
    "format_ticket_id",
    "is_breached",
    "load_roster",
    "parse_roster",
    "parse_ticket_id",
    "target_met_at",
]
