"""Checks on user messages shared by every entry point (CLI, HTTP API)."""

from __future__ import annotations

from assistant.errors import InputError

MAX_MESSAGE_CHARS = 4000
"""Longest user message accepted; longer text is usually a pasted log that belongs in a ticket."""


def validate_message(message: str) -> str:
    """Return the message stripped of surrounding blanks.

    Raises:
        InputError: when the message is empty or longer than MAX_MESSAGE_CHARS.
    """
    stripped = message.strip()
    if not stripped:
        raise InputError(
            "the message is empty; type a question or describe the problem",
            code="empty_message",
        )
    if len(stripped) > MAX_MESSAGE_CHARS:
        raise InputError(
            f"the message has {len(stripped)} characters, more than the limit of "
            f"{MAX_MESSAGE_CHARS}; shorten it or attach long logs to a ticket",
            code="message_too_long",
            length=len(stripped),
            limit=MAX_MESSAGE_CHARS,
        )
    return stripped
