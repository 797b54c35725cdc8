"""Locating the benchmark corpora and reading the dev questions.

The corpora live outside the repository (default `../shared/corpora` next to the repo root):
`openproject/` (English manual), `github-docs-zh-cn/` (Chinese manual) and
`questions-dev.jsonl`, whose `expected_doc` paths are relative to the corpora folder.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
QUESTIONS_FILE = "questions-dev.jsonl"
KB_NAMES = ("openproject", "github-docs-zh-cn")
"""KB names. Each KB is ingested from the corpora subfolder of the same name."""
KB_LANGUAGES = {"openproject": "en", "github-docs-zh-cn": "zh"}
"""Language of each manual. A question in that language counts as same-language."""
LANGUAGES = ("en", "zh")

_KB_NOTE_RE = re.compile(r"^\[kb:\s*([^\]]+)\]")


@dataclass(frozen=True)
class Question:
    """One dev question with both phrasings and its labels."""

    id: str
    kb: str
    category: str
    expected_doc: str | None
    """Path relative to the KB folder, or None when the KB cannot answer the question."""
    text: dict[str, str]
    """Question text by language code (`en`, `zh`)."""

    @property
    def answerable(self) -> bool:
        """Whether a KB page answers the question."""
        return self.expected_doc is not None


def add_corpora_argument(parser: argparse.ArgumentParser) -> None:
    """Add the `--corpora` option that every benchmark script takes."""
    parser.add_argument(
        "--corpora",
        type=Path,
        default=DEFAULT_CORPORA,
        help="folder with openproject/, github-docs-zh-cn/ and questions-dev.jsonl "
        "(default: %(default)s)",
    )


def resolve_corpora(path: Path) -> Path:
    """Return the corpora folder, or exit with a message naming what is missing."""
    missing = [
        str(path / name) for name in (*KB_NAMES, QUESTIONS_FILE) if not (path / name).exists()
    ]
    if missing:
        sys.exit(
            f"benchmark corpora not found: missing {', '.join(missing)}. "
            "Pass the folder that contains openproject/, github-docs-zh-cn/ and "
            f"{QUESTIONS_FILE} with --corpora (default: {DEFAULT_CORPORA})."
        )
    return path.resolve()


def load_questions(corpora: Path) -> list[Question]:
    """Read the dev questions, with `expected_doc` made relative to the question's KB folder."""
    questions = []
    with (corpora / QUESTIONS_FILE).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                questions.append(_parse_question(json.loads(line)))
    return questions


def _parse_question(record: dict[str, str | None]) -> Question:
    match = _KB_NOTE_RE.match(record.get("notes") or "")
    if match is None or match.group(1).strip() not in KB_NAMES:
        raise ValueError(f"question {record.get('id')!r}: notes must start with [kb: NAME]")
    kb = match.group(1).strip()
    expected = record.get("expected_doc")
    prefix = kb + "/"
    if expected is not None and expected.startswith(prefix):
        expected = expected[len(prefix) :]
    return Question(
        id=str(record["id"]),
        kb=kb,
        category=str(record["category"]),
        expected_doc=expected,
        text={lang: _one_line(str(record[f"question_{lang}"])) for lang in LANGUAGES},
    )


def _one_line(text: str) -> str:
    """Join a question onto one line, because the CLI reads one query per stdin line."""
    return " ".join(text.split())


def pair_kind(kb: str, language: str) -> str:
    """Return `same` when the question's language is the manual's language, else `cross`."""
    return "same" if KB_LANGUAGES[kb] == language else "cross"
