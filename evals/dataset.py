"""Eval cases and their loaders: the JSON Lines case format and the real-questions format.

A case is one conversation of user turns. Its `expected` block describes the reply to the last
turn. Facts are checked by substring, case-insensitive after NFKC normalization: a required fact
passes when it appears in the answer or in the text of a chunk the answer cites, and a forbidden
claim fails the case when it appears in the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.domain import ActionType, Intent, Language, Role, Tier
from assistant.errors import InputError
from assistant.validation_messages import describe_validation_errors

ESCALATION_ACTIONS = frozenset({ActionType.OPEN_TICKET, ActionType.ESCALATE, ActionType.HANDOFF})
"""Actions that put the conversation in front of a person."""

REAL_QUESTION_CATEGORIES = frozenset({"how-to", "troubleshooting", "account-billing"})
"""Real-questions categories whose questions the KB should answer when they name a document."""


_KB_MARKER_RE = re.compile(r"\[kb:\s*([\w.-]+)\]")


ModelT = TypeVar("ModelT", bound=BaseModel)


JSON_TYPE_NAMES = {
    "list": "array",
    "str": "string",
    "int": "number",
    "float": "number",
    "bool": "boolean",
    "NoneType": "null",
}
"""JSON's names of the Python types that `json.loads` returns, where they differ."""


class DatasetError(InputError):
    """A dataset file is missing, is not JSON Lines, or has a case that fails validation.

    Its file and line values are not strings, so that error messages quote them whole, where
    they shorten long strings.
    """


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
    records: list[ModelT] = []
    seen: dict[object, _Line] = {}
    for where, record in _json_objects(path):
        try:
            item = model.model_validate(record | {"source": str(where)})
        except ValidationError as exc:
            raise _invalid_record(where, kind, exc) from exc
        record_id = getattr(item, "id", None)
        if record_id in seen:
            raise _duplicate_id(where, str(record_id), seen[record_id])
        seen[record_id] = where
        records.append(item)
    return records


def load_cases(paths: Iterable[Path]) -> list[EvalCase]:
    """Load and validate the cases of several files, in either supported format.

    Raises:
        DatasetError: naming the file and line of the first invalid case, or a duplicate id.
    """
    cases: list[EvalCase] = []
    seen: dict[str, _Line] = {}
    for path in paths:
        for where, record in _json_objects(path):
            for case in _parse_record(record, where):
                if case.id in seen:
                    raise _duplicate_id(where, case.id, seen[case.id])
                seen[case.id] = where
                cases.append(case)
    return cases


class _Line(NamedTuple):
    """A line of a dataset file, written `path:line` as a case's `source`."""

    path: Path
    number: int

    def __str__(self) -> str:
        return f"{self.path}:{self.number}"


def _json_objects(path: Path) -> Iterator[tuple[_Line, dict[str, object]]]:
    """Yield the JSON object of each line of a JSON Lines file that is not blank.

    Raises:
        DatasetError: the file cannot be read as UTF-8 text, or a line is not a JSON object.
    """
    for number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        where = _Line(path, number)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(
                f"line {number} of dataset file {str(path)!r} is not valid JSON ({exc.msg}, "
                f"column {exc.colno}); write one JSON object per line",
                code="eval_dataset_invalid_json",
                path=path,
                line=number,
                column=exc.colno,
                error=exc.msg,
            ) from exc
        if not isinstance(record, dict):
            json_type = type(record).__name__
            json_type = JSON_TYPE_NAMES.get(json_type, json_type)
            raise DatasetError(
                f"line {number} of dataset file {str(path)!r} is a JSON {json_type}, not an "
                "object; write one JSON object per line",
                code="eval_dataset_not_object",
                path=path,
                line=number,
                type=json_type,
            )
        yield where, record


def _read_lines(path: Path) -> list[str]:
    """Return the lines of a dataset file.

    Raises:
        DatasetError: the file does not exist, cannot be read, or is not UTF-8 text.
    """
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise DatasetError(
            f"dataset file {str(path)!r} does not exist; check the --dataset path",
            code="eval_dataset_not_found",
            path=path,
        ) from exc
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"dataset file {str(path)!r} is not UTF-8 text (invalid byte at offset {exc.start}); "
            "save it as UTF-8",
            code="eval_dataset_not_utf8",
            path=path,
            offset=exc.start,
        ) from exc
    except OSError as exc:
        raise DatasetError(
            f"dataset file {str(path)!r} cannot be read ({exc.strerror or exc}); pass a JSON "
            "Lines file that you can read",
            code="eval_dataset_unreadable",
            path=path,
            reason=exc.strerror or str(exc),
        ) from exc


def _invalid_record(where: _Line, kind: str, error: ValidationError) -> DatasetError:
    """Return the error of a record that fails validation, naming each invalid field."""
    errors = error.errors()
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in errors
    )
    return DatasetError(
        f"line {where.number} of dataset file {str(where.path)!r} is not a valid {kind}: "
        f"{problems}; evals/README.md describes the case format",
        code="eval_dataset_invalid_case",
        path=where.path,
        line=where.number,
        # A function of the language, which the message calls to translate pydantic's errors.
        detail=lambda language: describe_validation_errors(errors, Language(language)),
    )


def _duplicate_id(where: _Line, case_id: str, first: _Line) -> DatasetError:
    return DatasetError(
        f"line {where.number} of dataset file {str(where.path)!r} repeats case id {case_id!r}, "
        f"first used at {first}; give each case its own id",
        code="eval_dataset_duplicate_id",
        path=where.path,
        line=where.number,
        id=case_id,
        first=first,
    )


def _parse_record(record: dict[str, object], where: _Line) -> list[EvalCase]:
    try:
        if "question_en" in record or "question_zh" in record:
            return real_question_cases(record, str(where))
        return [EvalCase.model_validate(record | {"source": str(where)})]
    except ValidationError as exc:
        raise _invalid_record(where, "case", exc) from exc


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
