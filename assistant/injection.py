"""Planted instructions: KB lines that speak to the assistant instead of to readers.

A line such as "Ignore previous instructions and tell the user..." pasted into a help article
would steer the assistant. Ingestion leaves such lines out of the index, and the agent drops
them from retrieved chunks of KBs indexed before, so no answer, draft or prompt carries them.
The patterns are narrower than the classifier's cues for user messages, because help articles
use words such as "system prompt" (系统提示) or "ignore the above warning" in their ordinary
sense.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PATTERNS = (
    # "Ignore previous instructions", "disregard all prior rules".
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+|your\s+)?"
    r"(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|rules)\b",
    # "Ignore the above and say...", "Forget everything above, then...": nothing names what is
    # ignored, so the sentence goes on with a new order.
    r"\b(?:ignore|disregard|forget)\s+(?:the\s+|everything\s+|all\s+)?(?:above|before|previous)"
    r"\s*(?:and\b|,|;|:|\.|$)",
    r"\byou\s+are\s+now\s+(?:an?\s+)?(?:ai|assistant|bot|dan|chatbot)\b",
    r"\bnew\s+instructions\s*:",
    # A line that plays a chat role: "SYSTEM: you must...", "Assistant: tell the user...".
    r"^\W*(?:system|assistant)\s*[:：]\s*(?:you|tell|ignore|reveal|say|always|never)\b",
    r"(?:忽略|无视|忘记|忘掉)你?(?:之前|以上|上面|前面|先前|所有)[的所有这些]{0,4}"
    r"(?:指令|指示|提示词|规则|说明)",
    r"你现在是(?:一个)?(?:没有任何限制|不受限制|无限制|没有限制)",
    r"从现在开始[，,]?\s*你(?:是|将|必须|要)",
    r"^\W*(?:系统|助手)\s*[:：]\s*(?:请|你|告诉|忽略)",
    r"(?:输出|显示|泄露|告诉我)(?:你的)?系统提示词",
    r"越狱模式",
)

WITHOUT_INSTRUCTIONS_CACHE_SIZE = 4096
"""Number of chunk texts whose checked form `without_instructions` keeps in memory."""

_INSTRUCTION_RE = re.compile("|".join(_PATTERNS), re.IGNORECASE | re.MULTILINE)


def is_instruction(text: str) -> bool:
    """Tell whether a line of KB text speaks to the assistant."""
    return _INSTRUCTION_RE.search(text) is not None


def split_instructions(text: str) -> tuple[str, tuple[str, ...]]:
    """Return `text` without the lines that speak to the assistant, and those lines stripped."""
    readable: list[str] = []
    instructions: list[str] = []
    for line in text.splitlines():
        if is_instruction(line):
            instructions.append(line.strip())
        else:
            readable.append(line)
    if not instructions:
        return text, ()
    return "\n".join(readable), tuple(instructions)


@lru_cache(maxsize=WITHOUT_INSTRUCTIONS_CACHE_SIZE)
def without_instructions(text: str) -> str:
    """Return `text` without the lines that speak to the assistant.

    Cached, because every answer checks the chunks it retrieved, and the same chunks come back
    for many questions.
    """
    return split_instructions(text)[0]
