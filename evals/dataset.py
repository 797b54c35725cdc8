"""Eval cases and their loaders: the JSON Lines case format and the real-questions format.

A case is one conversation of user turns. Its `expected` block describes the reply to the last
turn. Facts are checked by substring, case-insensitive after NFKC normalization: a required fact
passes when it appears in the answer or in the text of a chunk the answer cites, and a forbidden
claim fails the case when it appears in the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.domain import ActionType, Intent, Role, Tier
from assistant.errors import InputError

ESCALATION_ACTIONS = frozenset({ActionType.OPEN_TICKET, ActionType.ESCALATE, ActionType.HANDOFF})
"""Actions that put the conversation in front of a person."""

REAL_QUESTION_CATEGORIES = frozenset({"how-to", "troubleshooting", "account-billing"})
"""Real-questions categories whose questions the KB should answer when they name a document."""


_KB_MARKER_RE = re.compile(r"\[kb:\s*([\w.-]+)\]")


ModelT = TypeVar("ModelT", bound=BaseModel)


class DatasetError(InputError):
    """A dataset file is missing, is not JSON Lines, or has a case that fails validation."""


class Expected(BaseModel):
    """Expected outcome of the last user turn of a case."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent | None = None
    """Expected intent; None when the case does not score intent."""
    docs: list[str] = Field(default_factory=list)
    """Relevant KB documents, as paths relative to the KB folder; empty when none is relevant."""
    action: ActionType
    """Expected action of the agent."""
    tier: Tier | None = None
    """Support tier of the ticket the action opens, when one is expected."""
    team: str | None = None
    """Roster team of that ticket."""
    must_contain: list[str] = Field(default_factory=list)
    """Facts that must appear in the answer or in a cited chunk."""
    must_not_contain: list[str] = Field(default_factory=list)
    """Claims that must not appear in the answer."""


class EvalCase(BaseModel):
    """One conversation to run and the expected reply to its last turn."""

    model_config = ConfigDict(extra="forbid")

    id: str
    """Unique case id."""
    conversation: list[str] = Field(min_length=1)
    """User turns, sent in order in one conversation."""
    role: Role = Role.MEMBER
    """Role of the asking user in the product."""
    product_version: str | None = None
    """Product version of the asking user."""
    language: str = Field(pattern=r"^(en|zh)$")
    """Language of the conversation."""
    expected: Expected
    tags: list[str] = Field(default_factory=list)
    """Free labels such as `multi_turn`, `injection` or `gate`."""
    version: int = 1
    """Version of the case; bump it when the expectation changes."""
    source: str = ""
    """File and line the case was loaded from."""

    @field_validator("conversation")
    @classmethod
    def _turns_not_blank(cls, turns: list[str]) -> list[str]:
        if any(not turn.strip() for turn in turns):
            raise ValueError("conversation turns must not be blank")
        return turns


def load_models(path: Path, model: type[ModelT], kind: str) -> list[ModelT]:
    """Load a JSON Lines file of one pydantic model per line, each given its `source`.

    Suites beside the graph's cases (drafts, tips) keep their cases in such files.

    Raises:
        DatasetError: naming the file and line of the first invalid record or duplicate id.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset: {exc}") from exc
    records: list[ModelT] = []
    seen: set[object] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = model.model_validate(json.loads(line) | {"source": where})
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: invalid JSON: {exc.msg}") from exc
        except (ValidationError, TypeError) as exc:
            raise DatasetError(f"{where}: invalid {kind}: {exc}") from exc
        record_id = getattr(record, "id", None)
        if record_id in seen:
            raise DatasetError(f"{where}: duplicate case id {record_id!r}")
        seen.add(record_id)
        records.append(record)
    return records


def load_cases(paths: Iterable[Path]) -> list[EvalCase]:
    """Load and validate the cases of several files, in either supported format.

    Raises:
        DatasetError: naming the file and line of the first invalid case, or a duplicate id.
    """
    cases: list[EvalCase] = []
    seen: dict[str, str] = {}
    for path in paths:
        for case in _load_file(path):
            if case.id in seen:
                raise DatasetError(
                    f"{case.source}: duplicate case id {case.id!r}, first at {seen[case.id]}"
                )
            seen[case.id] = case.source
            cases.append(case)
    return cases


def _load_file(path: Path) -> list[EvalCase]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the dataset: {exc}") from exc
    cases = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: invalid JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise DatasetError(f"{where}: expected a JSON object, got {type(record).__name__}")
        cases.extend(_parse_record(record, where))
    return cases


def _parse_record(record: dict[str, object], where: str) -> list[EvalCase]:
    try:
        if "question_en" in record or "question_zh" in record:
            return real_question_cases(record, where)
        return [EvalCase.model_validate(record | {"source": where})]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise DatasetError(f"{where}: invalid case: {problems}") from exc


def real_question_cases(record: dict[str, object], where: str) -> list[EvalCase]:
    """Map a real-questions record to one case per question language; intent is not scored.

    A question in an answerable category that names an expected document should be answered.
    Any other question should not be answered: its expected action is `open_ticket`, and the
    scorer accepts every action except `answer` for cases tagged `not_answer`. A `[kb: NAME]`
    marker in the notes becomes the tag `kb:NAME`.
    """
    expected_doc = record.get("expected_doc")
    answerable = record.get("category") in REAL_QUESTION_CATEGORIES and bool(expected_doc)
    expected = Expected(
        docs=[str(expected_doc)] if expected_doc else [],
        action=ActionType.ANSWER if answerable else ActionType.OPEN_TICKET,
    )
    tags = ["real_question", f"category:{record.get('category')}"]
    tags.append("answer" if answerable else "not_answer")
    marker = _KB_MARKER_RE.search(str(record.get("notes") or ""))
    if marker:
        tags.append(f"kb:{marker.group(1)}")
    cases = []
    for language in ("en", "zh"):
        question = record.get(f"question_{language}")
        if not question:
            continue
        cases.append(
            EvalCase(
                id=f"{record.get('id') or where}-{language}",
                conversation=[str(question)],
                language=language,
                expected=expected,
                tags=tags,
                source=where,
            )
        )
    return cases
