"""Pull reproduction details (version, steps, expected and actual result) out of a bug report."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A full stop after the number ends the sentence ("Version 3.3."); a dot and a digit go on.
_VERSION_RE = re.compile(
    r"(?:version|版本|ver\.?|\bv|since|after|from|\bin|\bon|upgrad\w*\s+to|升级到|更新到|从)"
    r"\s*+[:：]?\s*+(\d+\.\d+(?:\.\d+)?)(?!\d|\.\d)"
    r"|(?<![\d.])(\d+\.\d+(?:\.\d+)?)\s*(?:版本|版)"
    r"|(?<![\d.])(\d+\.\d+\.\d+)(?!\d|\.\d)",
    re.IGNORECASE,
)
# "3.4 版本..." and "-5%" start with a number or a dash but are not list items.
_STEP_LINE_RE = re.compile(r"^\s*(?:\d+[.)、](?!\d)|[-*](?=\s))\s*(.+)$")
_STEPS_INLINE_RE = re.compile(
    r"(?:steps(?: to reproduce)?|复现步骤|重现步骤|步骤)\s*[:：]\s*"
    r"(.+?)(?=(?:\bexpected|期望|预期|\bactual|实际)|$)",
    re.IGNORECASE | re.DOTALL,
)

_SENTENCE_END = r"[。!！?？\n]|\.(?=\s|$)"
"""The end of a sentence: 。, !, ?, a line break, or a full stop that is not inside "3.4.1" or
"report.pdf"."""
# The possessive `\s*+` never gives back blanks, so a long run of blanks costs linear time.
_LABEL_END = r"\s*+[:：]?\s*+"
_SEPARATOR = r"\s*+(?:[,;，；。]|\.(?=\s))\s*+"

_ACTUAL_LEAD = (
    # A lead starts right after the last character of the expected result, never inside blanks.
    r"(?<=\S)(?:"
    rf"(?:{_SEPARATOR}|\s*+)"
    r"(?:\bbut(?:\s+instead)?\b(?:\s+(?:(?:i|we|it)\s+)?(?:got|get|received|saw)\b)?"
    r"|\binstead\b(?!\s+of\b)"
    r"|\bactual(?:ly|\s+(?:result|behaviou?r))?\b"
    r"|实际(?:结果|上)?(?:是)?|结果却|却|但是|可是|然而)"
    # Words that also start other clauses count only after a comma or a full stop.
    rf"|{_SEPARATOR}"
    r"(?:(?:(?:i|we|it)\s+)?(?:got|gets|getting|received|saw)\b|结果(?:是)?|但|不过))"
)
"""Words between an expected result and the actual one: "but", "instead", "actual", "实际",
"却", or after a comma "got", "结果"."""

_EXPECTED_RE = re.compile(
    r"(?:\bexpected(?:\s+(?:result|behaviou?r|outcome))?\b|期望(?:结果)?|预期(?:结果)?|本应该?|应该)"
    + _LABEL_END
    + r"(?P<expected>.+?)"
    + rf"(?:(?:{_ACTUAL_LEAD}){_LABEL_END}(?P<actual>.+?))?"
    + rf"(?={_SENTENCE_END}|$)",
    re.IGNORECASE,
)
"""An expected result, and the actual one when the same sentence gives it: "Expected a PDF,
got a blank page", "expected X but instead Y", "预期导出 PDF，实际白屏"."""

_ACTUAL_RE = re.compile(
    r"(?:\bactual(?:\s+(?:result|behaviou?r))?\b|\binstead\b(?!\s+of\b)"
    r"|\bbut\s+(?:(?:i|we)\s+)?(?:got|get|received|saw)\b|实际(?:结果)?|结果却|却)"
    + _LABEL_END
    + rf"(?P<actual>.+?)(?={_SENTENCE_END}|$)",
    re.IGNORECASE,
)
"""An actual result named as such, anywhere in the report: "Actual: error 500", "实际：…"."""

_ERROR_SYMPTOM_RE = re.compile(
    # An HTTP status or error code: "error 500", "HTTP 404", "500 Internal Server Error".
    r"\b(?:error|status|http|code)\s*+(?:code\s*+)?[:#]?\s*+[1-5]\d\d\b"
    r"|\b[45]\d\d\s+(?:error|internal server error|bad gateway|not found|forbidden"
    r"|unauthorized|service unavailable|gateway timeout)\b"
    # An error message, or a crash or failure with its details: "error: ...", "crashes with".
    r"|\b(?:error|exception)(?:\s+message)?\s*+[:：]\s*+\S"
    r"|\b(?:crash(?:es|ed)?|fail(?:s|ed)?|freezes|froze|hangs|hung)\s+with\b"
    r"|\b(?:shows?|showed|returns?|returned|gives?|gave|throws?|threw|displays?|displayed)"
    r"\s+(?:an?\s+|the\s+)?(?:\w+\s+)?(?:error|exception)\b"
    r"|\bblank\s+(?:page|screen)\b|\bwhite\s+screen\b|\bnothing\s+happens\b"
    r"|\b(?:does|did)\s+nothing\b"
    r"|(?:报错|错误码|错误代码|状态码|出错)\s*+[:：]?\s*+[1-5]\d\d|[1-5]\d\d\s*+错误"
    r"|报错|白屏|空白页|没有反应|没反应|无响应",
    re.IGNORECASE,
)
"""An error described with a detail (a code, a message, what the screen shows). A bare
"crashes" or "崩溃" says too little to count as the actual result."""
_TRAILING_INSTEAD_RE = re.compile(r"(?<!\s)\s++instead\W*$", re.IGNORECASE)
_CLAUSE_RE = re.compile(rf"[^,;，；。!！?？\n]+?(?=[,;，；]|{_SENTENCE_END}|$)")


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
    """Find the version, steps, expected and actual result that a bug report mentions.

    The actual result is, in this order: the one given with the expected result ("expected X,
    got Y"), one named as such ("Actual: Y", "实际：Y"), or the clause that describes an error
    with a detail ("the export crashes with error 500").
    """
    version_match = _VERSION_RE.search(text)
    version = known_version
    if version_match:
        version = next(group for group in version_match.groups() if group)
    expected, actual = _expected_and_actual(text)
    steps = [m.group(1).strip() for line in text.splitlines() if (m := _STEP_LINE_RE.match(line))]
    if not steps and (inline := _STEPS_INLINE_RE.search(text)):
        listed = inline.group(1)
        if actual and actual in listed:
            # "Steps: open board, drag a card. It shows error 500." ends with the result.
            listed = listed[: listed.index(actual)]
        parts = re.split(r"[,，;；→>]|\bthen\b|然后", listed)
        steps = [step for part in parts if (step := part.strip().rstrip("。.").strip())]
    return BugDetails(version, tuple(steps), expected, actual)


def _expected_and_actual(text: str) -> tuple[str | None, str | None]:
    expected = actual = None
    expected_span = (0, 0)
    if expected_match := _EXPECTED_RE.search(text):
        expected = _cleaned(expected_match.group("expected"))
        actual = _cleaned(expected_match.group("actual"))
        expected_span = expected_match.span()
    if actual is None and (actual_match := _ACTUAL_RE.search(text)):
        actual = _cleaned(actual_match.group("actual"))
    if actual is None:
        actual = _error_clause(text, expected_span)
    return expected, actual


def _error_clause(text: str, skipped: tuple[int, int]) -> str | None:
    """Return the first clause outside `skipped` that describes an error with a detail."""
    for clause in _CLAUSE_RE.finditer(text):
        if clause.start() < skipped[1] and clause.end() > skipped[0]:
            continue
        if _ERROR_SYMPTOM_RE.search(clause.group()):
            return _cleaned(clause.group())
    return None


def _cleaned(value: str | None) -> str | None:
    """Return a detail without surrounding blanks and punctuation, or None when nothing is left."""
    if value is None:
        return None
    # "got report.csv instead" names the actual result before "instead".
    value = _TRAILING_INSTEAD_RE.sub("", value)
    return value.strip(" \t,;:.，；：。") or None
