"""Surge detector: turns a burst of similar reports about one module into one incident.

It runs when the agent opens a ticket. Only tickets of the counting intents
(`ASSISTANT_SURGE_INTENTS`) are checked against the database, so other turns cost nothing.
A report similar to an open incident of its module is linked to it. Otherwise similar unlinked
reports from `ASSISTANT_SURGE_MIN_REPORTS` distinct requesters within
`ASSISTANT_SURGE_WINDOW_MINUTES` open an incident, and L3 is paged once for it. Repeated reports
of one requester count once, so one user cannot page L3. Reports without a requester id count
one each.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from assistant.database import DatabaseUnreachableError
from assistant.domain import Intent, Language
from assistant.i18n import translate
from assistant.incidents.pager import WebhookPager
from assistant.incidents.schemas import IncidentEventKind, IncidentSummary, SurgeOutcome, SurgeRule
from assistant.incidents.similarity import ConceptMatcher, TextSimilarity
from assistant.incidents.store import IncidentStore
from assistant.settings import Settings
from assistant.tickets.schemas import TicketRecord

logger = logging.getLogger(__name__)

PAGER_ACTOR = "pager"
"""Actor of the `paged` events."""


class SurgeDetector:
    """Checks each new ticket for a surge and pages L3 when one opens an incident.

    Args:
        store: Incident store on the ticket database.
        settings: Source of the surge thresholds and the pager webhook.
        concepts: Glossary matcher, so Chinese and English reports of one problem compare equal
            on shared terms. None compares tokens only.
        pager: Pager to use; defaults to the webhook of the settings.
    """

    def __init__(
        self,
        store: IncidentStore,
        settings: Settings,
        *,
        concepts: ConceptMatcher | None = None,
        pager: WebhookPager | None = None,
    ) -> None:
        self._store = store
        self._rule = SurgeRule.from_settings(settings)
        self._similarity = TextSimilarity(concepts)
        self._pager = pager or WebhookPager(
            settings.pager_webhook_url, settings.pager_timeout_seconds
        )

    def counts(self, intent: Intent) -> bool:
        """Return whether tickets of this intent count toward surges."""
        return intent in self._rule.intents

    def check(self, ticket: TicketRecord) -> SurgeOutcome | None:
        """Link the new ticket to an open incident, or open one if it completes a burst.

        A database error is logged and returns None, because the ticket is saved already and
        the reporter still gets their reply.
        """
        if not self.counts(ticket.intent):
            return None
        try:
            outcome = self._store.record_report(ticket, self._rule, self._similarity)
        except (SQLAlchemyError, DatabaseUnreachableError) as error:
            logger.warning("surge check of ticket %s failed: %s", ticket.id, error)
            return None
        if outcome is not None and outcome.opened:
            self._page(outcome.incident, outcome.linked_ticket_ids)
        return outcome

    def close(self) -> None:
        """Close the incident store's connections."""
        self._store.close()

    def _page(self, incident: IncidentSummary, ticket_ids: tuple[str, ...]) -> None:
        result = self._pager.page(incident, ticket_ids)
        try:
            self._store.add_event(
                incident.id,
                IncidentEventKind.PAGED,
                actor=PAGER_ACTOR,
                data=result.model_dump(mode="json"),
            )
        except (SQLAlchemyError, DatabaseUnreachableError) as error:
            logger.warning("recording the page of incident %s failed: %s", incident.id, error)


def known_issue_notice(incident: IncidentSummary, language: Language) -> str:
    """Return the known-issue sentence for a reporter: the incident's id, status and message."""
    return translate(
        "incident_known_issue",
        language,
        incident_id=incident.id,
        status=translate(f"incident_status_{incident.status.value}", language),
        message=incident.message(language),
    )
