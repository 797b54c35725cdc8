"""Long-lived resources of the HTTP service, built once by the app's lifespan."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from api.rate_limit import TokenBucketLimiter
from assistant.drafts import DraftStore
from assistant.errors import NotFoundError
from assistant.feedback import FeedbackStore
from assistant.incidents import IncidentStore
from assistant.keys import KeyStore
from assistant.onboarding.service import OnboardingService
from assistant.settings import Settings, ensure_data_dir
from assistant.surveys import SurveyStatusReader
from assistant.tenants import tenant_kb_name
from assistant.tickets import Roster, TicketStore
from assistant.turns import TurnStore
from graphs.support.conversations import ConversationReader
from graphs.support.service import SupportAgent
from insights.activity import ActivityReader
from retrieval.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)


class TenantKbNotFoundError(NotFoundError):
    """Raised when a tenant names a KB it has not uploaded anything to."""

    def __init__(self, kb: str) -> None:
        super().__init__(
            f"knowledge base {kb!r} does not exist for this tenant",
            code="tenant_kb_not_found",
            kb=kb,
        )


def open_tenant_kb(settings: Settings, tenant: str, kb: str) -> KnowledgeBase:
    """Open a tenant's existing KB.

    Raises:
        InputError: the KB name is invalid.
        TenantKbNotFoundError: nothing was ingested into it yet.
    """
    knowledge_base = KnowledgeBase(settings, tenant_kb_name(tenant, kb))
    if not knowledge_base.exists:
        raise TenantKbNotFoundError(kb)
    return knowledge_base


class AgentRegistry:
    """One `SupportAgent` per (tenant, KB), created on first use and reused afterwards.

    Each KB has a lock held while its agent answers and while its index changes, so an
    upload never swaps the index under a running search.
    """

    def __init__(self, settings: Settings, turns: TurnStore, roster: Roster) -> None:
        self._settings = settings
        self._turns = turns
        self._roster = roster
        self._agents: dict[tuple[str, str], SupportAgent] = {}
        self._kb_locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def kb_lock(self, tenant: str, kb: str) -> threading.Lock:
        """Return the lock of one tenant's KB."""
        with self._lock:
            return self._kb_locks.setdefault((tenant, kb), threading.Lock())

    def get(self, tenant: str, kb: str) -> SupportAgent:
        """Return the agent of a tenant's KB, creating it on first use.

        Raises:
            InputError: the KB name is invalid.
            TenantKbNotFoundError: the tenant has no such KB.
        """
        open_tenant_kb(self._settings, tenant, kb)
        with self._lock:
            agent = self._agents.get((tenant, kb))
            if agent is None:
                agent = SupportAgent(
                    self._settings,
                    tenant_kb_name(tenant, kb),
                    channel="api",
                    tenant=tenant,
                    turns=self._turns,
                    roster=self._roster,
                )
                self._agents[(tenant, kb)] = agent
                logger.info("created the agent of tenant=%s kb=%s", tenant, kb)
            return agent

    def invalidate(self, tenant: str, kb: str) -> None:
        """Make the agent of a KB re-read its index after an ingest or a removal."""
        with self._lock:
            agent = self._agents.get((tenant, kb))
        if agent is not None:
            agent.context.kb.invalidate()

    def close(self) -> None:
        """Close every agent's connections."""
        with self._lock:
            agents = list(self._agents.values())
            self._agents.clear()
        for agent in agents:
            agent.close()


@dataclass
class Resources:
    """Stores, agents and limits shared by every request."""

    settings: Settings
    keys: KeyStore
    tickets: TicketStore
    roster: Roster
    agents: AgentRegistry
    limiter: TokenBucketLimiter
    feedback: FeedbackStore
    conversations: ConversationReader
    turns: TurnStore
    """The turn log every agent of this process records in."""
    activity: ActivityReader
    """Reads turns, tickets and feedback together for the ops dashboard and reports."""
    onboarding: OnboardingService
    incidents: IncidentStore
    drafts: DraftStore
    """Drafted replies of tickets and the agents' decisions on them."""

    @cached_property
    def surveys(self) -> SurveyStatusReader:
        """Survey status of conversations, read from the feedback, ticket and turn stores."""
        idle = timedelta(minutes=self.settings.survey_idle_minutes)
        return SurveyStatusReader(self.feedback, self.tickets, self.turns, idle=idle)

    @classmethod
    def open(cls, settings: Settings, roster: Roster) -> Resources:
        """Open the stores named by the settings; every agent routes tickets with `roster`."""
        ensure_data_dir(settings)
        turns = TurnStore(settings.resolved_database_url)
        return cls(
            settings=settings,
            keys=KeyStore(settings.resolved_database_url),
            tickets=TicketStore(settings.resolved_database_url),
            roster=roster,
            agents=AgentRegistry(settings, turns, roster),
            limiter=TokenBucketLimiter(settings.api_rate_per_second, settings.api_rate_burst),
            feedback=FeedbackStore(settings.resolved_database_url),
            conversations=ConversationReader(settings.checkpoint_path),
            turns=turns,
            activity=ActivityReader(settings.resolved_database_url),
            onboarding=OnboardingService.open(settings, turns),
            incidents=IncidentStore(settings.resolved_database_url),
            drafts=DraftStore(settings.resolved_database_url),
        )

    def close(self) -> None:
        """Close the agents and the stores."""
        self.agents.close()
        self.turns.close()
        self.activity.close()
        self.incidents.close()
        self.drafts.close()
        self.conversations.close()
        self.onboarding.close()
        self.feedback.close()
        self.tickets.close()
        self.keys.close()
