"""Extractive evidence: the sentences or steps of retrieved chunks that answer a question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text import error_code_tokens, tokenize, without_code_parts
from retrieval.search import asks_how_to

MAX_EVIDENCE_UNITS = 4
MAX_STEPS = 8
MAX_EVIDENCE_CHARS = 900
MIN_UNIT_OVERLAP = 0.15
CODE_EXPLANATION_UNITS = 3
"""Units after a line or heading with an error code that explain it: the cause and the fix."""
"""Share of the question's tokens a sentence must contain to be quoted, unless it is a step."""

LIST_BONUS = 0.2
"""Score a list gains over its share of the question's words."""
NUMBERED_STEPS_BONUS = 0.5
"""Score numbered steps gain on a how-to question. Without it, "怎么导出工作区数据？" quoted the
bullet list of export limits instead of the five export steps. Eval figures were the same at
0.35 and 0.5."""
_NUMBERED_RE = re.compile(r"\d+[.)、]")
_STEP_RE = re.compile(r"^\s*(?:\d+[.)、]|[-*+]|[一二三四五六七八九十]+[、.])\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？；!?])|(?<=[.])\s+(?=[A-Z\"'(\[])")
_MARKUP_RE = re.compile(
    r"!\[[^\]]*\]\([^)]*\)"
    r"|</?(?:a|b|br|code|details|div|em|i|img|kbd|p|span|strong|sub|summary|sup|video)\b[^>]*>",
    re.IGNORECASE,
)
"""Images and HTML tags; placeholders such as `<time>` or `<时间>` are text and stay."""
_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REFERENCE_ITEM_RE = re.compile(
    r"^\s*(?:\d+[.)、]|[-*+]|[一二三四五六七八九十]+[、.])\s*"
    r"(?:`[^`]*`|[\"“']?\[[^\]]+\]\([^)]*\)[\"”']?)[.。]?\s*$"
)
"""A list item that is only a code span or only a link: an item of a list of codes or of a
"see also" list, not a step."""


@dataclass(frozen=True)
class EvidenceUnit:
    """A quotable sentence, table or list of steps from one chunk."""

    text: str
    is_steps: bool
    overlap: float


def split_units(text: str) -> list[tuple[str, bool]]:
    """Split chunk text into sentences and table rows, keeping each list of steps together.

    A table row is quoted under its table's header row, so it can be read on its own.
    """
    units: list[tuple[str, bool]] = []
    steps: list[str] = []
    header: str | None = None
    for raw_line in text.splitlines():
        line = _clean(raw_line)
        if _STEP_RE.match(raw_line):
            if not _REFERENCE_ITEM_RE.match(raw_line):
                steps.append(line)
            continue
        if steps:
            units.append(("\n".join(steps[:MAX_STEPS]), True))
            steps = []
        if not line.startswith("|"):
            header = None
        if not line or line.startswith("```") or set(line) <= {"|", "-", ":", " "}:
            continue
        if line.startswith("|"):
            if header is None:
                header = line
            else:
                units.append((_table_row(header, line), False))
            continue
        units.extend((s.strip(), False) for s in _SENTENCE_END_RE.split(line) if s.strip())
    if steps:
        units.append(("\n".join(steps[:MAX_STEPS]), True))
    return units


def select_evidence(
    question: str,
    text: str,
    terms: Sequence[str] | None = None,
    headings: Sequence[str] = (),
) -> list[EvidenceUnit]:
    """Return the units of a chunk that best support an answer, in document order.

    Args:
        question: The user's question.
        text: The chunk's text.
        terms: Search tokens to look for instead of the question's own, for a chunk in
            another language than the question: the glossary's translations of its terms.
        headings: The chunk's headings, which may name an error code that its text explains.
    """
    tokens = terms if terms is not None else tokenize(question)
    question_tokens = set(without_code_parts(tokens))
    if not question_tokens:
        return []
    units = split_units(text)
    explanations = _code_explanations(units, error_code_tokens(question_tokens), headings)
    scored: list[tuple[int, EvidenceUnit]] = []
    for index, (unit_text, is_steps) in enumerate(units):
        # A table row is scored on the row alone, not on the header quoted above it.
        scored_text = unit_text.rsplit("\n", 1)[-1] if unit_text.startswith("|") else unit_text
        overlap = len(question_tokens & set(tokenize(scored_text))) / len(question_tokens)
        if explanations:
            # A question about an error code gets what the chunk says about that code only.
            if index in explanations:
                scored.append((index, EvidenceUnit(unit_text, is_steps, 1.0)))
            continue
        if overlap >= MIN_UNIT_OVERLAP or is_steps:
            scored.append((index, EvidenceUnit(unit_text, is_steps, overlap)))
    how_to = asks_how_to(question)
    best = sorted(scored, key=lambda item: (-_unit_score(item[1], how_to), item[0]))
    chosen: list[tuple[int, EvidenceUnit]] = []
    length = 0
    for index, unit in best[:MAX_EVIDENCE_UNITS]:
        if chosen and length + len(unit.text) > MAX_EVIDENCE_CHARS:
            break
        chosen.append((index, unit))
        length += len(unit.text)
    return _merge_table_rows([unit for _, unit in sorted(chosen, key=lambda item: item[0])])


def _code_explanations(
    units: list[tuple[str, bool]], codes: set[str], headings: Sequence[str]
) -> set[int]:
    """Return the indices of the units that name or explain an error code of the question.

    They are a line with the code and up to `CODE_EXPLANATION_UNITS` lines after it, or as many
    lines under a heading with the code, up to the next line that names another code or asks a
    question.
    """
    if not codes:
        return set()
    starts = [
        index for index, (text, _) in enumerate(units) if not codes.isdisjoint(tokenize(text))
    ]
    if not codes.isdisjoint(tokenize(" ".join(headings))):
        starts.insert(0, -1)
    indices: set[int] = set()
    for start in starts:
        indices.add(start)
        for index in range(start + 1, min(start + 1 + CODE_EXPLANATION_UNITS, len(units))):
            text = units[index][0]
            # The next code, or the next question of a FAQ, starts another topic.
            if error_code_tokens(tokenize(text)) or text.rstrip().endswith(("?", "？")):
                break
            indices.add(index)
    return {index for index in indices if index >= 0}


def _unit_score(unit: EvidenceUnit, how_to: bool) -> float:
    """Return a unit's score: its overlap with the question, plus a bonus for a list.

    Numbered steps get a larger bonus on a how-to question.
    """
    if not unit.is_steps:
        return unit.overlap
    numbered = how_to and _NUMBERED_RE.match(unit.text) is not None
    return unit.overlap + (NUMBERED_STEPS_BONUS if numbered else LIST_BONUS)


def _merge_table_rows(units: list[EvidenceUnit]) -> list[EvidenceUnit]:
    """Quote rows of one table under a single header instead of one header per row."""
    merged: list[EvidenceUnit] = []
    for unit in units:
        previous = merged[-1] if merged else None
        if previous and unit.text.startswith("|") and previous.text.startswith("|"):
            header = unit.text.rsplit("\n", 1)[0]
            if previous.text.startswith(header):
                row = unit.text.rsplit("\n", 1)[-1]
                overlap = max(previous.overlap, unit.overlap)
                merged[-1] = EvidenceUnit(f"{previous.text}\n{row}", False, overlap)
                continue
        merged.append(unit)
    return merged


def _table_row(header: str, row: str) -> str:
    separator = "|" + "|".join(" --- " for _ in range(header.count("|") - 1)) + "|"
    return f"{header}\n{separator}\n{row}"


def _clean(line: str) -> str:
    line = line.lstrip("#").strip() if line.lstrip().startswith("#") else line
    line = _MARKUP_RE.sub("", line)
    line = _LINK_RE.sub(r"\1", line)
    return line.strip().strip("*_").strip()
