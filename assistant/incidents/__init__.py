"""Incidents: surge detection over new tickets, the incident store and the L3 pager.

Public ids look like `INC-000042`: `INC-` plus the database key zero-padded to six digits.
"""

from assistant.incidents.detector import SurgeDetector, known_issue_notice
from assistant.incidents.schemas import (
    OPEN_INCIDENT_STATUSES,
    IncidentDetail,
    IncidentEventKind,
    IncidentList,
    IncidentRecord,
    IncidentStatus,
    IncidentSummary,
    IncidentUpdate,
    SurgeOutcome,
    SurgeRule,
)
from assistant.incidents.store import (
    IncidentNotFoundError,
    IncidentResolvedError,
    IncidentStore,
    InvalidIncidentIdError,
)

__all__ = [
    "OPEN_INCIDENT_STATUSES",
    "IncidentDetail",
    "IncidentEventKind",
    "IncidentList",
    "IncidentNotFoundError",
    "IncidentRecord",
    "IncidentResolvedError",
    "IncidentStatus",
    "IncidentStore",
    "IncidentSummary",
    "IncidentUpdate",
    "InvalidIncidentIdError",
    "SurgeDetector",
    "SurgeOutcome",
    "SurgeRule",
    "known_issue_notice",
]
