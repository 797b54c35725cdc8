"""AI-drafted replies of tickets: their storage, the agents' decisions and the edit distance."""

from assistant.drafts.edit_distance import levenshtein
from assistant.drafts.schemas import (
    DraftAcceptance,
    DraftCitation,
    DraftContent,
    DraftDecision,
    DraftEngine,
    DraftRecord,
    DraftStats,
)
from assistant.drafts.store import (
    Decision,
    DraftAlreadyDecidedError,
    DraftNotFoundError,
    DraftStore,
)

__all__ = [
    "Decision",
    "DraftAcceptance",
    "DraftAlreadyDecidedError",
    "DraftCitation",
    "DraftContent",
    "DraftDecision",
    "DraftEngine",
    "DraftNotFoundError",
    "DraftRecord",
    "DraftStats",
    "DraftStore",
    "levenshtein",
]
