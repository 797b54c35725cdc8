"""Pull reproduction details (version, steps, expected and actual result) out of a bug report."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_RE = re.compile(
    r"(?:version|版本|ver\.?|\bv|since|after|from|\bin|\bon|upgrad\w*\s+to|升级到|更新到|从)"
    r"\s*[:：]?\s*(\d+\.\d+(?:\.\d+)?)(?![\d.])"
    r"|(?<![\d.])(\d+\.\d+(?:\.\d+)?)\s*(?:版本|版)"
    r"|(?<![\d.])(\d+\.\d+\.\d+)(?![\d.])",
    re.IGNORECASE,
)
# "3.4 版本..." and "-5%" start with a number or a dash but are not list items.
_STEP_LINE_RE = re.compile(r"^\s*(?:\d+[.)、](?!\d)|[-*](?=\s))\s*(.+)$")
_STEPS_INLINE_RE = re.compile(
    r"(?:steps(?: to reproduce)?|复现步骤|重现步骤|步骤)\s*[:：]\s*"
    r"(.+?)(?=(?:expected|期望|预期|actual|实际)|$)",
    re.IGNORECASE | re.DOTALL,
)
_EXPECTED_RE = re.compile(
    r"(?:expected(?: result)?|期望(?:结果)?|预期(?:结果)?|应该)\s*[:：]?\s*"
    r"(.+?)(?=(?:actual|but|实际|但是|却|结果却)|[。.!\n]|$)",
    re.IGNORECASE,
)
_ACTUAL_RE = re.compile(
    r"(?:actual(?: result)?|instead|实际(?:结果)?|结果却|却)\s*[:：]?\s*(.+?)(?=[。!\n]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BugDetails:
    """Details found in the user's words; None or empty where the user did not say."""

    product_version: str | None
    steps: tuple[str, ...]
    expected: str | None
    actual: str | None

    def missing(self) -> list[str]:
        """Return the message keys of the details still missing."""
        keys = []
        if not self.product_version:
            keys.append("bug_detail_version")
        if not self.steps:
            keys.append("bug_detail_steps")
        if not self.expected:
            keys.append("bug_detail_expected")
        if not self.actual:
            keys.append("bug_detail_actual")
        return keys


def extract_bug_details(text: str, known_version: str | None = None) -> BugDetails:
    """Find the version, steps, expected and actual result that a bug report mentions."""
    version_match = _VERSION_RE.search(text)
    version = known_version
    if version_match:
        version = next(group for group in version_match.groups() if group)
    steps = [m.group(1).strip() for line in text.splitlines() if (m := _STEP_LINE_RE.match(line))]
    if not steps and (inline := _STEPS_INLINE_RE.search(text)):
        parts = re.split(r"[,，;；→>]|\bthen\b|然后", inline.group(1))
        steps = [step for part in parts if (step := part.strip().rstrip("。.").strip())]
    expected = _first_group(_EXPECTED_RE, text)
    actual = _first_group(_ACTUAL_RE, text)
    return BugDetails(version, tuple(steps), expected, actual)


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1).strip() if match and match.group(1).strip() else None
