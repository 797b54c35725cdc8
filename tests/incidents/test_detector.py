"""Surge detection on synthetic bursts: when reports open an incident, and which get linked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from assistant.domain import Intent, Language
from assistant.incidents import (
    IncidentEventKind,
    IncidentStatus,
    IncidentStore,
    IncidentUpdate,
    SurgeDetector,
    SurgeOutcome,
)
from assistant.tickets.store import TicketStore
from tests.incidents.conftest import (
    EXPORT_REPORTS,
    START,
    SYNC_REPORTS_EN,
    SYNC_REPORTS_ZH,
    UNRELATED_INTEGRATION_REPORTS,
    make_detector,
    minutes,
    report,
)

RACING_WORKERS = 6


def _burst(
    tickets: TicketStore,
    detector: SurgeDetector,
    texts: tuple[str, ...],
    *,
    spacing_minutes: float = 1.0,
    **report_fields: Any,
) -> list[SurgeOutcome | None]:
    outcomes = []
    for index, text in enumerate(texts):
        at = START + minutes(index * spacing_minutes)
        outcomes.append(detector.check(report(tickets, text, at, **report_fields)))
    return outcomes


def test_min_reports_in_window_open_one_incident(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    outcomes = _burst(tickets, detector, SYNC_REPORTS_EN[:5])

    assert outcomes[:4] == [None, None, None, None]
    opened = outcomes[4]
    assert opened is not None
    assert opened.opened is True
    assert opened.linked_ticket_ids == (
        "T-000001",
        "T-000002",
        "T-000003",
        "T-000004",
        "T-000005",
    )
    assert opened.incident.status is IncidentStatus.INVESTIGATING
    assert opened.incident.module == "integrations"
    assert opened.incident.title == SYNC_REPORTS_EN[0]
    assert "integrations" in opened.incident.message_en
    assert "集成" in opened.incident.message_zh
    assert opened.incident.ticket_count == 5
    stored = incidents.list("default")
    assert [incident.id for incident in stored] == [opened.incident.id]
    record = incidents.get(opened.incident.id)
    assert record.ticket_ids == opened.linked_ticket_ids
    assert [e.kind for e in record.events] == [IncidentEventKind.OPENED, IncidentEventKind.PAGED]


def test_one_user_repeating_opens_nothing(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    text = "Bug: the timer crashes with error 500 when I stop time tracking"

    outcomes = _burst(tickets, detector, (text,) * 5, module="time_tracking", requester="u-1")

    assert outcomes == [None] * 5
    assert incidents.list("default") == []


def test_distinct_users_open_one_incident(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    text = "Bug: the timer crashes with error 500 when I stop time tracking"
    outcomes = []
    for index in range(5):
        ticket = report(
            tickets, text, START + minutes(index), module="time_tracking", requester=f"u-{index}"
        )
        outcomes.append(detector.check(ticket))

    assert outcomes[:4] == [None] * 4
    assert outcomes[4] is not None and outcomes[4].opened is True
    assert [incident.id for incident in incidents.list("default")] == [outcomes[4].incident.id]


def test_reporters_count_named_once_anonymous_each(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    by_requester = ["u-1", "u-1", "u-2", "anonymous", "anonymous", "u-3"]
    outcomes = [
        detector.check(report(tickets, text, START + minutes(index), requester=requester))
        for index, (text, requester) in enumerate(zip(SYNC_REPORTS_EN, by_requester, strict=True))
    ]

    assert outcomes[:5] == [None] * 5
    opened = outcomes[5]
    assert opened is not None and opened.opened is True
    # Five reporters: u-1, u-2, u-3 and two anonymous users. All six tickets are linked.
    assert opened.incident.ticket_count == 6
    record = incidents.get(opened.incident.id)
    assert record.events[0].data["reporters"] == 5


def test_below_min_reports_opens_nothing(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    outcomes = _burst(tickets, detector, SYNC_REPORTS_EN[:4])

    assert outcomes == [None, None, None, None]
    assert incidents.list("default") == []


def test_reports_spread_beyond_window_open_nothing(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    # Eleven minutes apart, at most three of the six fall in any 30-minute window.
    outcomes = _burst(tickets, detector, SYNC_REPORTS_EN, spacing_minutes=11)

    assert outcomes == [None] * len(SYNC_REPORTS_EN)
    assert incidents.list("default") == []


def test_dissimilar_reports_open_nothing(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    outcomes = _burst(tickets, detector, UNRELATED_INTEGRATION_REPORTS)

    assert outcomes == [None] * len(UNRELATED_INTEGRATION_REPORTS)
    assert incidents.list("default") == []


def test_two_modules_get_separate_incidents(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    for index, (sync, export) in enumerate(zip(SYNC_REPORTS_EN[:5], EXPORT_REPORTS, strict=True)):
        at = START + minutes(index)
        detector.check(report(tickets, sync, at, module="integrations"))
        detector.check(report(tickets, export, at, module="gantt"))

    stored = {incident.module: incidents.get(incident.id) for incident in incidents.list("default")}
    assert sorted(stored) == ["gantt", "integrations"]
    assert stored["integrations"].ticket_ids == (
        "T-000001",
        "T-000003",
        "T-000005",
        "T-000007",
        "T-000009",
    )
    assert stored["gantt"].ticket_ids == (
        "T-000002",
        "T-000004",
        "T-000006",
        "T-000008",
        "T-000010",
    )


def test_later_reports_link_in_both_languages(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    opened = _burst(tickets, detector, SYNC_REPORTS_EN[:5])[4]
    assert opened is not None

    later_en = detector.check(report(tickets, SYNC_REPORTS_EN[5], START + minutes(40)))
    later_zh = detector.check(
        report(tickets, SYNC_REPORTS_ZH[0], START + minutes(41), language=Language.ZH)
    )

    assert later_en is not None
    assert later_en.opened is False
    assert later_en.linked_ticket_ids == ("T-000006",)
    assert later_zh is not None
    assert later_zh.linked_ticket_ids == ("T-000007",)
    incident = incidents.get(opened.incident.id)
    assert incident.ticket_count == 7
    assert [e.kind for e in incident.events].count(IncidentEventKind.LINKED) == 2
    assert [e.kind for e in incident.events].count(IncidentEventKind.PAGED) == 1


def test_dissimilar_later_report_is_not_linked(
    tickets: TicketStore, detector: SurgeDetector
) -> None:
    _burst(tickets, detector, SYNC_REPORTS_EN[:5])

    other = detector.check(report(tickets, UNRELATED_INTEGRATION_REPORTS[1], START + minutes(6)))

    assert other is None


def test_resolved_incident_links_no_new_reports(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    opened = _burst(tickets, detector, SYNC_REPORTS_EN[:5])[4]
    assert opened is not None
    incidents.update(
        opened.incident.id,
        IncidentUpdate(status=IncidentStatus.RESOLVED),
        tenant="default",
        actor="agent-1",
    )

    later = detector.check(report(tickets, SYNC_REPORTS_EN[5], START + minutes(6)))

    assert later is None, "the burst's tickets are linked already, so one report is no surge"
    assert incidents.get(opened.incident.id).ticket_count == 5
    assert incidents.list("default", open_only=True) == []


def test_burst_after_resolution_opens_new_incident(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    first = _burst(tickets, detector, SYNC_REPORTS_EN[:5])[4]
    assert first is not None
    incidents.update(
        first.incident.id,
        IncidentUpdate(status=IncidentStatus.RESOLVED),
        tenant="default",
        actor="agent-1",
    )

    second = [
        detector.check(report(tickets, text, START + minutes(10 + index)))
        for index, text in enumerate(SYNC_REPORTS_EN[1:6])
    ][-1]

    assert second is not None
    assert second.opened is True
    assert second.incident.id != first.incident.id
    assert second.linked_ticket_ids == (
        "T-000006",
        "T-000007",
        "T-000008",
        "T-000009",
        "T-000010",
    )


def test_other_tenants_reports_do_not_count(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    _burst(tickets, detector, SYNC_REPORTS_EN[:4], tenant="acme")
    beta = detector.check(report(tickets, SYNC_REPORTS_EN[4], START + minutes(5), tenant="beta"))
    _burst(tickets, detector, SYNC_REPORTS_EN[:5], tenant="acme")

    assert beta is None
    assert incidents.list("beta") == []
    acme = incidents.list("acme")
    assert len(acme) == 1
    later_beta = detector.check(
        report(tickets, SYNC_REPORTS_EN[5], START + minutes(10), tenant="beta")
    )
    assert later_beta is None, "beta's report is not linked to acme's incident"


def test_reports_of_other_intents_do_not_count(
    tickets: TicketStore, incidents: IncidentStore, detector: SurgeDetector
) -> None:
    _burst(tickets, detector, SYNC_REPORTS_EN[:5], intent=Intent.FEATURE_REQUEST)

    assert incidents.list("default") == []


@contextmanager
def _count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def test_non_counting_intent_runs_no_query(tickets: TicketStore, detector: SurgeDetector) -> None:
    how_to = report(tickets, SYNC_REPORTS_EN[0], START, intent=Intent.HOW_TO)
    bug = report(tickets, SYNC_REPORTS_EN[1], START, intent=Intent.BUG_REPORT)

    with _count_statements() as statements:
        skipped = detector.check(how_to)
    with _count_statements() as bug_statements:
        detector.check(bug)

    assert skipped is None
    assert statements == []
    assert bug_statements, "a counting intent does query the database"


def test_empty_intent_setting_turns_detection_off(
    tickets: TicketStore, incidents: IncidentStore
) -> None:
    detector = make_detector(incidents, surge_intents=())

    outcomes = _burst(tickets, detector, SYNC_REPORTS_EN)

    assert outcomes == [None] * len(SYNC_REPORTS_EN)
    assert incidents.list("default") == []


def test_min_reports_setting_sets_burst_size(
    tickets: TicketStore, incidents: IncidentStore
) -> None:
    detector = make_detector(incidents, surge_min_reports=3)

    outcomes = _burst(tickets, detector, SYNC_REPORTS_EN[:3])

    assert outcomes[2] is not None
    assert outcomes[2].incident.ticket_count == 3


def test_racing_workers_open_one_incident(database_url: str) -> None:
    tickets = TicketStore(database_url)
    # Reports of the same instant: every check finds the whole burst and would open it alone.
    reports = [report(tickets, text, START) for text in SYNC_REPORTS_EN[:RACING_WORKERS]]
    # One store per worker: separate engines and connections, as separate processes have.
    stores = [IncidentStore(database_url) for _ in reports]
    detectors = [make_detector(store) for store in stores]
    barrier = threading.Barrier(len(reports))
    outcomes: list[SurgeOutcome | None] = []
    errors: list[BaseException] = []

    def run(detector: SurgeDetector, index: int) -> None:
        barrier.wait()
        try:
            outcomes.append(detector.check(reports[index]))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(detector, index))
        for index, detector in enumerate(detectors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]

    listed = stores[0].list("default")
    record = stores[0].get(listed[0].id) if listed else None
    for store in stores:
        store.close()
    tickets.close()
    assert len(listed) == 1
    assert sum(1 for outcome in outcomes if outcome is not None and outcome.opened) == 1
    assert listed[0].ticket_count == RACING_WORKERS
    assert record is not None
    assert [e.kind for e in record.events].count(IncidentEventKind.PAGED) == 1


def test_chinese_burst_opens_incident(tickets: TicketStore, incidents: IncidentStore) -> None:
    detector = make_detector(incidents, surge_min_reports=2)

    outcomes = _burst(tickets, detector, SYNC_REPORTS_ZH, language=Language.ZH)

    assert outcomes[0] is None
    assert outcomes[1] is not None
    assert outcomes[1].opened is True
