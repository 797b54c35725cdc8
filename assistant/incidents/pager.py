"""Page L3 engineering about a new incident: a JSON POST to the pager webhook, or a log line.

The webhook URL (`ASSISTANT_PAGER_WEBHOOK_URL`) may carry a secret token, so it is never
logged. A failed page is logged and recorded on the incident, and not retried.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from typing import Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from assistant.domain import Tier
from assistant.incidents.schemas import IncidentSummary

logger = logging.getLogger(__name__)

PAGE_EVENT = "incident_opened"
MAX_ERROR_CHARS = 300


class PageResult(BaseModel):
    """Outcome of one page, recorded as the `paged` event of the incident."""

    model_config = ConfigDict(frozen=True)

    target: Literal["webhook", "log"]
    """`log` when no webhook URL is configured: the page is only a WARNING log line."""

    delivered: bool
    """True when the webhook returned 2xx, or for a log-only page."""

    status_code: int | None = None
    error: str | None = None


def page_payload(incident: IncidentSummary, ticket_ids: tuple[str, ...]) -> dict[str, JsonValue]:
    """Return the JSON body of the page: the event, the paged tier and the incident."""
    return {
        "event": PAGE_EVENT,
        "tier": Tier.L3.value,
        "incident": incident.model_dump(mode="json") | {"ticket_ids": list(ticket_ids)},
    }


class WebhookPager:
    """Pager that POSTs to one webhook URL. With an empty URL, every page is only a log line."""

    def __init__(self, url: str, timeout_seconds: float) -> None:
        self._url = url
        self._timeout = timeout_seconds

    def page(self, incident: IncidentSummary, ticket_ids: tuple[str, ...]) -> PageResult:
        """Page L3 about the incident and its tickets and return whether the webhook accepted it."""
        if not self._url:
            logger.warning(
                "page L3: incident %s tenant=%s module=%s (no pager webhook configured)",
                incident.id,
                incident.tenant,
                incident.module,
            )
            return PageResult(target="log", delivered=True)
        body = json.dumps(page_payload(incident, ticket_ids)).encode("utf-8")
        request = urllib.request.Request(
            self._url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                status = int(response.status)
        except urllib.error.HTTPError as error:
            logger.warning(
                "page L3 of incident %s failed: webhook returned HTTP %d", incident.id, error.code
            )
            return PageResult(target="webhook", delivered=False, status_code=error.code)
        except (urllib.error.URLError, OSError) as error:
            reason = str(getattr(error, "reason", error))[:MAX_ERROR_CHARS]
            logger.warning("page L3 of incident %s failed: %s", incident.id, reason)
            return PageResult(target="webhook", delivered=False, error=reason)
        except http.client.HTTPException as error:
            # A malformed response or URL. Only the class name is kept, because the message of
            # `InvalidURL` may quote the URL and its token.
            reason = f"invalid HTTP exchange: {type(error).__name__}"
            logger.warning("page L3 of incident %s failed: %s", incident.id, reason)
            return PageResult(target="webhook", delivered=False, error=reason)
        logger.warning("paged L3 about incident %s: webhook returned HTTP %d", incident.id, status)
        return PageResult(target="webhook", delivered=True, status_code=status)
