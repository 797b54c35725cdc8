"""Read-only access to saved conversations: whether one exists, its last intent, counts."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import NotFoundError
from assistant.tenants import conversation_thread_id
from graphs.support.checkpoints import open_checkpoints


class ConversationNotFoundError(NotFoundError):
    """Raised when a tenant has no saved conversation with the requested id."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            f"conversation {conversation_id!r} not found for this tenant",
            code="conversation_not_found",
            conversation_id=conversation_id,
        )


class ConversationReader:
    """Reads the checkpoints that `SupportAgent` writes, without running the graph."""

    def __init__(self, checkpoint_path: Path) -> None:
        self._connection, self._saver = open_checkpoints(checkpoint_path)

    def last_intent(self, tenant: str, conversation_id: str) -> str | None:
        """Return the intent name of the conversation's latest turn, or None if it has none.

        Another tenant's conversation is not found, because thread ids start with the tenant.

        Raises:
            InputError: the conversation id is invalid.
            ConversationNotFoundError: the tenant has no such conversation.
        """
        thread_id = conversation_thread_id(tenant, conversation_id)
        saved = self._saver.get_tuple({"configurable": {"thread_id": thread_id}})
        if saved is None:
            raise ConversationNotFoundError(conversation_id)

        intent = saved.checkpoint["channel_values"].get("intent")
        if isinstance(intent, dict) and isinstance(intent.get("name"), str):
            return str(intent["name"])
        return None

    def count_conversations(self, tenant: str) -> int:
        """Count the tenant's saved conversations, from the distinct checkpoint thread ids."""
        prefix = conversation_thread_id(tenant, "x").removesuffix("x")
        # The saver's lock guards the shared connection. The checkpointer creates its tables
        # on first write, so a new data dir has none yet.
        with self._saver.lock:
            exists = self._connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'"
            ).fetchone()
            if exists is None:
                return 0
            row = self._connection.execute(
                "SELECT COUNT(DISTINCT thread_id) FROM checkpoints"
                " WHERE substr(thread_id, 1, ?) = ?",
                (len(prefix), prefix),
            ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the checkpoint connection."""
        self._connection.close()
