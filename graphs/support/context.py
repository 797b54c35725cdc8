"""Run-time dependencies of the support agent, passed to every node through `Runtime`."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.incidents import SurgeDetector
from assistant.intents import IntentClassifier
from assistant.llm import LLMClient
from assistant.settings import Settings
from assistant.tenants import DEFAULT_TENANT
from assistant.tickets import Roster, TicketStore
from retrieval.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class AgentContext:
    """Stores, models and settings one agent run uses."""

    settings: Settings
    kb: KnowledgeBase
    classifier: IntentClassifier
    tickets: TicketStore
    roster: Roster
    llm: LLMClient | None = None
    channel: str = "cli"
    tenant: str = DEFAULT_TENANT
    """Tenant whose KB, conversations and tickets this agent works on."""
    surge: SurgeDetector | None = None
    """Checks new tickets for a surge of similar reports; None turns the check off."""
