"""Draft eval suite: the shipped cases, scoring of one draft and the suite's metrics."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assistant.domain import Language
from assistant.drafts import DraftCitation, DraftContent, DraftEngine
from assistant.i18n import translate
from evals.dataset import DatasetError
from evals.drafts import DraftCase, DraftCaseResult, load_draft_cases, score_draft, summarize_drafts
from evals.runner import SAMPLE_KB_DIR
from graphs.support.drafts import WrittenDraft
from tests.factories import make_hit

CHUNK_TEXT = "The column is set to Block and is full. Ask a project admin to raise the limit."
HIT = make_hit(
    "en/boards/kanban-boards.md",
    CHUNK_TEXT,
    chunk_id="en/boards/kanban-boards.md#4-abc",
    title="Boards",
    heading_path=["Boards", "WIP limits"],
    score=0.05,
    module="boards",
)


def _case(**expected: object) -> DraftCase:
    return DraftCase.model_validate(
        {
            "id": "draft-wip-en",
            "language": "en",
            "ticket": {
                "intent": "troubleshooting",
                "module": "boards",
                "transcript": [{"role": "user", "content": "WIP limit reached (BOARD-409)"}],
            },
            "expected": {"docs": ["en/boards/kanban-boards.md"]} | expected,
        }
    )


def _draft(body: list[str], citations: tuple[DraftCitation, ...]) -> WrittenDraft:
    lines = [translate("draft_greeting", Language.EN), translate("draft_thanks", Language.EN), ""]
    lines += [translate("answer_intro", Language.EN), *body, "", "Sources:", "[1] Boards (x.md)"]
    lines += ["", translate("draft_signoff", Language.EN)]
    content = DraftContent(
        text="\n".join(lines),
        language=Language.EN,
        citations=citations,
        engine=DraftEngine.EXTRACTIVE if citations else DraftEngine.NO_KB,
        retrieval_confidence=0.9,
    )
    return WrittenDraft(content=content, query="WIP limit reached", hits=[HIT])


CITED = (DraftCitation(doc=HIT["doc"], title="Boards", chunk_id=HIT["chunk_id"], score=0.05),)


def test_shipped_cases_cover_languages_and_docs() -> None:
    cases = load_draft_cases()

    assert len(cases) >= 30
    assert {case.language for case in cases} == {Language.EN, Language.ZH}
    missing = [d for c in cases for d in c.expected.docs if not (SAMPLE_KB_DIR / d).is_file()]
    assert missing == []
    assert all(case.expected.docs or case.expected.engine for case in cases)


def test_invalid_case_names_file_and_line(tmp_path: Path) -> None:
    good = _case().model_dump(mode="json", exclude={"source"})
    bad = good | {"id": "other", "language": "fr"}
    path = tmp_path / "drafts.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")

    with pytest.raises(
        DatasetError, match=r"line 2 of dataset file '.*drafts.jsonl' is not a valid draft case"
    ):
        load_draft_cases(path)


def test_grounded_draft_citing_expected_doc_passes() -> None:
    draft = _draft(["The column is set to Block and is full. [1]"], CITED)

    result = score_draft(_case(must_contain=["raise the limit"]), draft, [], 0.01)

    assert result.failures == []
    assert result.groundedness == 1.0
    assert result.citation_hit == 1.0
    assert result.facts_ok is True
    assert result.language_ok is True


def test_unsupported_sentence_lowers_groundedness_proportionally() -> None:
    draft = _draft(
        ["The column is set to Block and is full. [1]", "Reinstall the mobile app twice. [1]"],
        CITED,
    )

    result = score_draft(_case(), draft, [], 0.01)

    assert result.groundedness == 0.5


def test_draft_missing_citation_and_fact_fails() -> None:
    draft = _draft([], ())

    result = score_draft(_case(must_contain=["raise the limit"], engine="llm"), draft, [], 0.01)

    assert result.groundedness is None
    assert result.citation_hit == 0.0
    assert result.failures == [
        "citation: no expected doc cited (cited [])",
        "engine: expected llm, got no_kb",
        "missing fact: 'raise the limit'",
    ]


def test_summary_must_list_expected_missing_details() -> None:
    draft = _draft(["The column is set to Block and is full. [1]"], CITED)
    listed = [translate("bug_detail_steps", Language.EN)]

    result = score_draft(
        _case(missing=["bug_detail_steps", "bug_detail_actual"]), draft, listed, 0.01
    )

    assert result.failures == ["summary: bug_detail_actual not listed as missing"]


BASE_RESULT = DraftCaseResult(
    id="x",
    tags=[],
    language="en",
    passed=True,
    failures=[],
    expected_docs=[],
    retrieved_docs=[],
    cited_docs=[],
    answer="",
    engine="extractive",
    groundedness=None,
    citation_hit=None,
    facts_ok=None,
    language_ok=True,
    seconds=0.0,
)


def _result(**values: Any) -> DraftCaseResult:
    return replace(BASE_RESULT, **values)


def test_summarize_drafts_averages_over_applicable_cases() -> None:
    results = [
        _result(groundedness=1.0, citation_hit=1.0, facts_ok=True),
        _result(groundedness=0.5, citation_hit=0.0, facts_ok=False, passed=False),
        _result(language_ok=False, passed=False),
        _result(),
    ]

    metrics = summarize_drafts(results)

    assert metrics == {
        "draft_cases": 4.0,
        "draft_pass_rate": 0.5,
        "draft_groundedness": 0.75,
        "draft_citation_hit": 0.5,
        "draft_correctness": 0.5,
        "draft_language_accuracy": 0.75,
    }
