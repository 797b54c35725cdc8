"""Extractive evidence: the sentences or steps of retrieved chunks that answer a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import tokenize

MAX_EVIDENCE_UNITS = 4
MAX_STEPS = 8
MAX_EVIDENCE_CHARS = 900
MIN_UNIT_OVERLAP = 0.15
"""Share of the question's tokens a sentence must contain to be quoted, unless it is a step."""

_STEP_RE = re.compile(r"^\s*(?:\d+[.)、]|[-*+]|[一二三四五六七八九十]+[、.])\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[。！？；!?])|(?<=[.])\s+(?=[A-Z\"'(\[])")
_MARKUP_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<[^>]+>")
_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")


@dataclass(frozen=True)
class EvidenceUnit:
    """A quotable sentence, table or list of steps from one chunk."""

    text: str
    is_steps: bool
    overlap: float


def split_units(text: str) -> list[tuple[str, bool]]:
    """Split chunk text into sentences, keeping each list of steps and each table together."""
    units: list[tuple[str, bool]] = []
    steps: list[str] = []
    for raw_line in text.splitlines():
        line = _clean(raw_line)
        if _STEP_RE.match(raw_line):
            steps.append(line)
            continue
        if steps:
            units.append(("\n".join(steps[:MAX_STEPS]), True))
            steps = []
        if not line or line.startswith("```") or set(line) <= {"|", "-", ":", " "}:
            continue
        if line.startswith("|"):
            units.append((line, False))
            continue
        units.extend((s.strip(), False) for s in _SENTENCE_END_RE.split(line) if s.strip())
    if steps:
        units.append(("\n".join(steps[:MAX_STEPS]), True))
    return units


def select_evidence(question: str, text: str) -> list[EvidenceUnit]:
    """Return the units of a chunk that best support an answer, in document order."""
    question_tokens = set(tokenize(question))
    if not question_tokens:
        return []
    scored: list[tuple[int, EvidenceUnit]] = []
    for index, (unit_text, is_steps) in enumerate(split_units(text)):
        overlap = len(question_tokens & set(tokenize(unit_text))) / len(question_tokens)
        if overlap >= MIN_UNIT_OVERLAP or is_steps:
            scored.append((index, EvidenceUnit(unit_text, is_steps, overlap)))
    best = sorted(scored, key=lambda item: (-(item[1].overlap + 0.2 * item[1].is_steps), item[0]))
    chosen: list[tuple[int, EvidenceUnit]] = []
    length = 0
    for index, unit in best[:MAX_EVIDENCE_UNITS]:
        if chosen and length + len(unit.text) > MAX_EVIDENCE_CHARS:
            break
        chosen.append((index, unit))
        length += len(unit.text)
    return [unit for _, unit in sorted(chosen, key=lambda item: item[0])]


def _clean(line: str) -> str:
    line = line.lstrip("#").strip() if line.lstrip().startswith("#") else line
    line = _MARKUP_RE.sub("", line)
    line = _LINK_RE.sub(r"\1", line)
    return line.strip().strip("*_").strip()
