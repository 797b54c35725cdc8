"""Incidents of the caller's tenant: agent, ops and admin keys read them, agents and ops update.

An incident of another tenant returns 404, exactly like an incident that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import IncidentWriterDep, ResourcesDep, TicketReaderDep
from assistant.domain import MODULES
from assistant.errors import InputError
from assistant.incidents import IncidentDetail, IncidentList, IncidentStatus, IncidentUpdate
from assistant.incidents.schemas import IncidentRecord
from assistant.tickets.store import DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT

router = APIRouter(prefix="/v1/incidents", tags=["incidents"])


@router.get("", response_model=IncidentList)
def list_incidents(
    *,
    key: TicketReaderDep,
    resources: ResourcesDep,
    status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    module: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = DEFAULT_LIST_LIMIT,
) -> IncidentList:
    """List the tenant's incidents, newest first. `open=true` keeps only unresolved ones."""
    if module is not None and module not in MODULES:
        raise InputError(
            f"unknown module {module!r}; use one of: {', '.join(MODULES)}",
            code="invalid_module",
            module=module,
            valid=tuple(MODULES),
        )
    incidents = resources.incidents.list(
        key.tenant, status=status_, open_only=open_only, module=module, limit=limit
    )
    return IncidentList(incidents=incidents, count=len(incidents))


@router.get("/{incident_id}", response_model=IncidentDetail)
def get_incident(
    *, incident_id: str, key: TicketReaderDep, resources: ResourcesDep
) -> IncidentDetail:
    """Return one incident with its event log and linked tickets."""
    return resources.incidents.detail(incident_id, tenant=key.tenant)


@router.patch("/{incident_id}", response_model=IncidentRecord)
def update_incident(
    *, incident_id: str, body: IncidentUpdate, key: IncidentWriterDep, resources: ResourcesDep
) -> IncidentRecord:
    """Change an incident's status or public messages. A resolved incident returns 409.

    Once it is resolved, new reports are no longer linked to it, and replies stop mentioning it.
    """
    return resources.incidents.update(incident_id, body, tenant=key.tenant, actor=key.name)
