"""Checks shared by the ticket tools; each failure is a `ToolFailure` the model can act on."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.errors import InputError, ToolFailure
from assistant.tickets.schemas import FINISHED_STATUSES, TicketRecord
from assistant.tickets.store import TicketStore


def resolve_now(now: datetime | None) -> datetime:
    """Return `now` in UTC, or the current time when it is None.

    Raises:
        ValueError: `now` is a naive datetime.
    """
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()} has no time zone; pass UTC")
    return now.astimezone(UTC)


def get_active_ticket(
    store: TicketStore, ticket_id: str, *, tenant: str, action: str
) -> TicketRecord:
    """Return a ticket of `tenant` that is neither resolved nor closed.

    Raises:
        ToolFailure: the id is invalid or not a ticket of the tenant, or the ticket is
            resolved or closed.
    """
    try:
        ticket = store.get(ticket_id, tenant=tenant)
    except InputError as exc:
        raise ToolFailure(str(exc)) from exc
    if ticket.status in FINISHED_STATUSES:
        raise ToolFailure(
            f"cannot {action} ticket {ticket.id} because it is {ticket.status.value}; "
            "open a new ticket if the problem came back"
        )
    return ticket
