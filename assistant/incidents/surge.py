"""The surge check of one new report, run inside the transaction that holds its module's lock.

The report is compared with the signature of each open incident of its tenant and module, and
the most similar one at or above the threshold gets the link. Otherwise its burst is the
unlinked reports of the counting intents in its window that are similar to it. A burst from
enough distinct requesters opens an incident. One user who sends the same report again and
again counts once, and reports without a requester id count one each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import JsonValue
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from assistant.domain import Language
from assistant.i18n import translate
from assistant.incidents.models import (
    Incident,
    IncidentTicket,
    count_links,
    link_tickets,
    log_event,
    to_summary,
)
from assistant.incidents.schemas import (
    MAX_TITLE_CHARS,
    OPEN_INCIDENT_STATUSES,
    IncidentEventKind,
    IncidentStatus,
    IncidentSummary,
    SurgeOutcome,
    SurgeRule,
)
from assistant.incidents.similarity import TextSimilarity, centroid, cosine
from assistant.tickets.models import Ticket
from assistant.tickets.schemas import ANONYMOUS_REQUESTER
from assistant.tickets.store import format_ticket_id

logger = logging.getLogger(__name__)

SURGE_DETECTOR_ACTOR = "surge-detector"
"""Actor of the events the surge check logs."""

MAX_BURST_SCAN = 500
"""Maximum number of a module's reports, newest first, that a surge check compares. Older
reports in the window are not counted."""


@dataclass(frozen=True)
class Report:
    """The fields of a new report that a surge check compares."""

    key: int
    """Database key of the ticket."""
    number: int
    """The ticket's number in its tenant, shown in its public id."""
    tenant: str
    module: str
    requester: str
    created_at: datetime
    vector: dict[str, float]


@dataclass(frozen=True)
class BurstMember:
    """A report of a burst, with the vector its similarity was computed from."""

    key: int
    number: int
    subject: str
    requester: str
    vector: dict[str, float]


def default_message(module: str, language: Language) -> str:
    """Return the public status message of a new incident about `module`."""
    module_name = translate(f"module_{module}", language)
    return translate("incident_message_default", language, module=module_name)


def check_report(
    session: Session, report: Report, rule: SurgeRule, similarity: TextSimilarity
) -> SurgeOutcome | None:
    """Link the report or open an incident for its burst.

    The session must hold the lock row of the report's tenant and module.

    Returns:
        What happened, or None when the report belongs to no open incident.
    """
    link = session.get(IncidentTicket, report.key)
    if link is not None:
        # Another check linked this report, as part of the burst it opened an incident for.
        linked = session.get(Incident, link.incident_id)
        if linked is None or linked.status not in OPEN_INCIDENT_STATUSES:
            return None
        summary = to_summary(linked, count_links(session, linked))
        return SurgeOutcome(incident=summary, opened=False, linked_ticket_ids=())

    at = datetime.now(UTC)
    incident = _most_similar_open_incident(session, report, rule.threshold)
    if incident is not None:
        ticket_id = format_ticket_id(report.number)
        link_tickets(incident, [report.key], at)
        data: dict[str, JsonValue] = {"ticket_id": ticket_id}
        log_event(incident, IncidentEventKind.LINKED, SURGE_DETECTOR_ACTOR, data, at)
        incident.updated_at = at
        session.flush()
        summary = to_summary(incident, count_links(session, incident))
        return SurgeOutcome(incident=summary, opened=False, linked_ticket_ids=(ticket_id,))

    burst = _burst(session, report, rule, similarity)
    reporters = _count_reporters(member.requester for member in burst)
    if reporters < rule.min_reports:
        return None
    opened = _open(session, report, burst, reporters, rule, at)
    logger.warning(
        "incident %s opened tenant=%s module=%s reports=%d reporters=%d",
        opened.id,
        opened.tenant,
        opened.module,
        opened.ticket_count,
        reporters,
    )
    ticket_ids = tuple(format_ticket_id(member.number) for member in burst)
    return SurgeOutcome(incident=opened, opened=True, linked_ticket_ids=ticket_ids)


def _count_reporters(requesters: Iterable[str]) -> int:
    """Count the people who sent these reports: named requesters once, anonymous reports each."""
    named: set[str] = set()
    anonymous = 0
    for requester in requesters:
        if _is_anonymous(requester):
            anonymous += 1
        else:
            named.add(requester)
    return len(named) + anonymous


def _is_anonymous(requester: str) -> bool:
    return requester.strip() in ("", ANONYMOUS_REQUESTER)


def _most_similar_open_incident(
    session: Session, report: Report, threshold: float
) -> Incident | None:
    query = select(Incident).where(
        Incident.tenant == report.tenant,
        Incident.module == report.module,
        Incident.status.in_(OPEN_INCIDENT_STATUSES),
    )
    best: Incident | None = None
    best_score = threshold
    for incident in session.scalars(query):
        score = cosine(report.vector, incident.signature)
        if score >= best_score:
            best, best_score = incident, score
    return best


def may_join_incident(session: Session, report: Report, rule: SurgeRule) -> bool:
    """Return whether the report can join or open an incident, from counts that need no lock.

    False means no open incident of its module exists and the unlinked reports of the
    counting intents in its window come from fewer than `rule.min_reports` requesters, so the
    locked check would do nothing. A report committed after this count has its own check, which
    counts this one.
    """
    open_incident = (
        select(Incident.id)
        .where(
            Incident.tenant == report.tenant,
            Incident.module == report.module,
            Incident.status.in_(OPEN_INCIDENT_STATUSES),
        )
        .limit(1)
    )
    if session.scalar(open_incident) is not None:
        return True
    anonymous = func.trim(Ticket.requester).in_(("", ANONYMOUS_REQUESTER))
    in_window = (
        select(
            # COUNT skips NULLs: named requesters count once each, anonymous reports one each.
            func.count(func.distinct(case((anonymous, None), else_=Ticket.requester))),
            func.count(case((anonymous, 1), else_=None)),
        )
        .select_from(Ticket)
        .where(*_window_filter(report, rule))
    )
    named, unnamed = session.execute(in_window).one()
    return (named or 0) + (unnamed or 0) >= rule.min_reports


def _window_filter(report: Report, rule: SurgeRule) -> list[ColumnElement[bool]]:
    """Conditions on the unlinked reports of the counting intents in the report's window.

    The window reaches `rule.window` before and after the report. Reports after it exist only
    when they were opened while this check ran, and counting them means that whichever check
    of a concurrent burst runs last counts all of it.
    """
    return [
        Ticket.tenant == report.tenant,
        Ticket.module == report.module,
        Ticket.intent.in_(rule.intents),
        Ticket.created_at >= report.created_at - rule.window,
        Ticket.created_at <= report.created_at + rule.window,
        Ticket.id.not_in(select(IncidentTicket.ticket_id)),
    ]


def _burst(
    session: Session, report: Report, rule: SurgeRule, similarity: TextSimilarity
) -> list[BurstMember]:
    """Return the reports in the window that are similar to `report`, oldest first.

    The report itself is a member unless more than `MAX_BURST_SCAN` reports in the window
    are newer than it.
    """
    query = (
        select(Ticket.id, Ticket.number, Ticket.subject, Ticket.requester, Ticket.description)
        .where(*_window_filter(report, rule))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(MAX_BURST_SCAN)
    )
    members: list[BurstMember] = []
    for key, number, subject, requester, description in session.execute(query):
        if key == report.key:
            members.append(BurstMember(key, number, subject, requester, report.vector))
            continue
        vector = similarity.vector(description)
        if cosine(report.vector, vector) >= rule.threshold:
            members.append(BurstMember(key, number, subject, requester, vector))
    members.reverse()
    return members


def _open(
    session: Session,
    report: Report,
    burst: Sequence[BurstMember],
    reporters: int,
    rule: SurgeRule,
    at: datetime,
) -> IncidentSummary:
    incident = Incident(
        tenant=report.tenant,
        module=report.module,
        title=burst[0].subject[:MAX_TITLE_CHARS],
        status=IncidentStatus.INVESTIGATING,
        message_en=default_message(report.module, Language.EN),
        message_zh=default_message(report.module, Language.ZH),
        signature=centroid(member.vector for member in burst),
        created_at=at,
        updated_at=at,
        resolved_at=None,
    )
    link_tickets(incident, [member.key for member in burst], at)
    data: dict[str, JsonValue] = {
        "ticket_ids": [format_ticket_id(member.number) for member in burst],
        "reporters": reporters,
        "min_reports": rule.min_reports,
        "window_minutes": rule.window.total_seconds() / 60,
        "similarity_threshold": rule.threshold,
    }
    log_event(incident, IncidentEventKind.OPENED, SURGE_DETECTOR_ACTOR, data, at)
    session.add(incident)
    session.flush()
    return to_summary(incident, len(burst))
