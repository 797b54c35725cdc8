"""Incident store: status and message updates, lookups, filters and tenant isolation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assistant.incidents import (
    IncidentEventKind,
    IncidentNotFoundError,
    IncidentResolvedError,
    IncidentStatus,
    IncidentStore,
    IncidentSummary,
    IncidentUpdate,
    InvalidIncidentIdError,
    SurgeDetector,
)
from assistant.tickets.store import TicketStore
from tests.incidents.conftest import EXPORT_REPORTS, START, SYNC_REPORTS_EN, minutes, report


def _open_incident(
    tickets: TicketStore,
    detector: SurgeDetector,
    texts: tuple[str, ...] = SYNC_REPORTS_EN[:5],
    module: str = "integrations",
) -> IncidentSummary:
    outcome = None
    for index, text in enumerate(texts):
        ticket = report(tickets, text, START + minutes(index), module=module)
        outcome = detector.check(ticket)
    assert outcome is not None, "the burst should open an incident"
    return outcome.incident


def test_status_change_logs_and_stamps_resolution(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)

    identified = incidents.update(
        incident.id, IncidentUpdate(status=IncidentStatus.IDENTIFIED), tenant="default", actor="a1"
    )
    resolved = incidents.update(
        incident.id, IncidentUpdate(status=IncidentStatus.RESOLVED), tenant="default", actor="a1"
    )

    assert identified.status is IncidentStatus.IDENTIFIED
    assert identified.resolved_at is None
    assert resolved.status is IncidentStatus.RESOLVED
    assert resolved.resolved_at is not None
    changes = [e.data for e in resolved.events if e.kind is IncidentEventKind.STATUS_CHANGED]
    assert changes == [
        {"from": "investigating", "to": "identified"},
        {"from": "identified", "to": "resolved"},
    ]
    assert all(e.actor == "a1" for e in resolved.events[-2:])


def test_message_update_keeps_other_language(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)

    updated = incidents.update(
        incident.id,
        IncidentUpdate(message_en="A fix for GitHub sync is rolling out."),
        tenant="default",
        actor="ops-1",
    )

    assert updated.message_en == "A fix for GitHub sync is rolling out."
    assert updated.message_zh == incident.message_zh
    assert updated.events[-1].kind is IncidentEventKind.MESSAGE_UPDATED
    assert updated.events[-1].data == {"message_en": "A fix for GitHub sync is rolling out."}


def test_resolved_incident_rejects_changes(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)
    incidents.update(
        incident.id, IncidentUpdate(status=IncidentStatus.RESOLVED), tenant="default", actor="a1"
    )

    with pytest.raises(IncidentResolvedError, match="is resolved"):
        incidents.update(
            incident.id,
            IncidentUpdate(status=IncidentStatus.MONITORING),
            tenant="default",
            actor="a1",
        )


def test_update_without_fields_is_invalid() -> None:
    with pytest.raises(ValidationError, match="at least one of status"):
        IncidentUpdate()


def test_other_tenant_gets_not_found(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)

    with pytest.raises(IncidentNotFoundError):
        incidents.detail(incident.id, tenant="beta")
    with pytest.raises(IncidentNotFoundError):
        incidents.update(
            incident.id, IncidentUpdate(status=IncidentStatus.RESOLVED), tenant="beta", actor="x"
        )
    assert incidents.list("beta") == []
    assert incidents.get(incident.id).status is IncidentStatus.INVESTIGATING


def test_incident_names_tickets_by_tenant_ids(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    # Default's tickets take the first database keys, so beta's keys differ from its ids.
    for index, text in enumerate(EXPORT_REPORTS[:3]):
        report(tickets, text, START + minutes(index), module="gantt")
    outcome = None
    for index, text in enumerate(SYNC_REPORTS_EN[:5]):
        ticket = report(tickets, text, START + minutes(index), tenant="beta")
        outcome = detector.check(ticket)
    assert outcome is not None, "the burst should open an incident"
    late = report(tickets, SYNC_REPORTS_EN[5], START + minutes(6), tenant="beta")
    linked = detector.check(late)

    record = incidents.get(outcome.incident.id, tenant="beta")
    detail = incidents.detail(outcome.incident.id, tenant="beta")

    burst_ids = ("T-000001", "T-000002", "T-000003", "T-000004", "T-000005")
    assert outcome.linked_ticket_ids == burst_ids
    assert outcome.incident.tenant == "beta"
    assert linked is not None
    assert linked.linked_ticket_ids == ("T-000006",)
    assert record.ticket_ids == (*burst_ids, "T-000006")
    assert [ticket.id for ticket in detail.tickets] == [*burst_ids, "T-000006"]
    assert record.events[0].data["ticket_ids"] == list(burst_ids)
    assert record.events[-1].data == {"ticket_id": "T-000006"}


@pytest.mark.parametrize("incident_id", ["42", "INC-", "T-000001", "INC-12a"])
def test_malformed_incident_id_is_invalid(incidents: IncidentStore, incident_id: str) -> None:
    with pytest.raises(InvalidIncidentIdError, match="INC-000123"):
        incidents.get(incident_id)


def test_id_lookup_ignores_case_and_padding(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)

    assert incidents.get("inc-1").id == incident.id == "INC-000001"


def test_detail_lists_linked_tickets_oldest_first(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    incident = _open_incident(tickets, detector)

    detail = incidents.detail(incident.id, tenant="default")

    assert [ticket.id for ticket in detail.tickets] == list(detail.ticket_ids)
    assert detail.ticket_count == len(SYNC_REPORTS_EN[:5])
    assert [ticket.subject for ticket in detail.tickets] == list(SYNC_REPORTS_EN[:5])


def test_list_filters_open_status_and_module(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    sync = _open_incident(tickets, detector)
    export = _open_incident(tickets, detector, EXPORT_REPORTS, module="gantt")
    incidents.update(
        sync.id, IncidentUpdate(status=IncidentStatus.RESOLVED), tenant="default", actor="a1"
    )

    open_ids = [i.id for i in incidents.list("default", open_only=True)]
    resolved_ids = [i.id for i in incidents.list("default", status=IncidentStatus.RESOLVED)]
    gantt_ids = [i.id for i in incidents.list("default", module="gantt")]
    all_ids = [i.id for i in incidents.list("default")]

    assert open_ids == [export.id]
    assert resolved_ids == [sync.id]
    assert gantt_ids == [export.id]
    assert all_ids == [export.id, sync.id], "newest first"
