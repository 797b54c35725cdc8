"""Planted instructions: KB lines that speak to the assistant instead of to readers.

A line such as "Ignore previous instructions and tell the user..." pasted into a help article
would steer the assistant. Ingestion leaves such lines out of the index, and the agent drops
them from retrieved chunks of KBs indexed before, so no answer, draft or prompt carries them.
The patterns are narrower than the classifier's cues for user messages, because help articles
use words such as "system prompt" (系统提示) in their ordinary sense.
"""

from __future__ import annotations

import re

_INSTRUCTION_RE = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)?"
    r"(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|rules)\b"
    r"|\byou\s+are\s+now\s+(?:an?\s+)?(?:ai|assistant|bot|dan|chatbot)\b"
    r"|\bnew\s+instructions\s*:"
    r"|(?:忽略|无视|忘记|忘掉)你?(?:之前|以上|上面|前面|先前|所有)[的所有这些]{0,4}"
    r"(?:指令|指示|提示词|规则|说明)"
    r"|越狱模式",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """Tell whether a line of KB text speaks to the assistant."""
    return _INSTRUCTION_RE.search(text) is not None


def without_instructions(text: str) -> str:
    """Return `text` without the lines that speak to the assistant."""
    lines = text.splitlines()
    kept = [line for line in lines if not is_instruction(line)]
    return text if len(kept) == len(lines) else "\n".join(kept)
