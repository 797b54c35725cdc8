"""Domain vocabulary shared by every layer: intents, actions, roles, tiers and languages."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    """User goal behind a support message, recognized at L1."""

    HOW_TO = "how_to"
    TROUBLESHOOTING = "troubleshooting"
    BUG_REPORT = "bug_report"
    OUTAGE = "outage"
    ACCOUNT_ACCESS = "account_access"
    PERMISSIONS = "permissions"
    BILLING = "billing"
    FEATURE_REQUEST = "feature_request"
    DATA_LOSS_SECURITY = "data_loss_security"
    HUMAN_HANDOFF = "human_handoff"
    FEEDBACK = "feedback"
    GREETING = "greeting"
    OUT_OF_SCOPE = "out_of_scope"


class ActionType(StrEnum):
    """Agent action taken on a message once its intent is recognized."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    OPEN_TICKET = "open_ticket"
    ESCALATE = "escalate"
    HANDOFF = "handoff"
    REFUSE = "refuse"


class Role(StrEnum):
    """Role of the user inside the project-management product."""

    ADMIN = "admin"
    MEMBER = "member"
    GUEST = "guest"


class Tier(StrEnum):
    """Support tier: L1 is the assistant, L2 specialists, L3 engineering."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


class Priority(StrEnum):
    """Ticket priority."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Language(StrEnum):
    """Languages the assistant answers in."""

    ZH = "zh"
    EN = "en"


MODULES: tuple[str, ...] = (
    "tasks",
    "gantt",
    "boards",
    "permissions",
    "notifications",
    "time_tracking",
    "integrations",
    "admin",
    "account",
    "billing",
    "general",
)
"""Product modules that KB documents, tickets and the roster's skills refer to."""
