"""Dataset validation, scoring of a reply, the regression gate and the HTML report."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.domain import ActionType
from evals.command import build_report
from evals.dataset import DatasetError, EvalCase, load_cases
from evals.gate import Tolerances, compare, format_rows
from evals.report import render_html
from evals.runner import SAMPLE_KB_DIR
from evals.scoring import CaseRun, TurnTrace, answer_sentences, score_run, summarize
from graphs.support.state import OutputState
from tests.factories import make_hit

DATASETS = sorted((Path(__file__).parents[2] / "evals" / "datasets").glob("*.jsonl"))


def test_shipped_datasets_load_and_name_existing_docs() -> None:
    cases = load_cases(DATASETS)

    assert len(cases) >= 300
    assert {c.language for c in cases} == {"en", "zh"}
    assert {c.expected.action for c in cases} == set(ActionType) - {ActionType.CLARIFY}
    missing = [d for c in cases for d in c.expected.docs if not (SAMPLE_KB_DIR / d).is_file()]
    assert missing == []


def test_load_cases_names_file_and_line_of_invalid_case(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = {"id": "a", "conversation": ["hi"], "language": "en", "expected": {"action": "answer"}}
    bad = good | {"id": "b", "expected": {"action": "dance"}}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")

    with pytest.raises(
        DatasetError,
        match=r"line 3 of dataset file '.*bad.jsonl' is not a valid case: expected.action",
    ):
        load_cases([path])


def test_load_cases_rejects_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    case = {"id": "a", "conversation": ["hi"], "language": "en", "expected": {"action": "answer"}}
    path.write_text(json.dumps(case) + "\n" + json.dumps(case) + "\n", encoding="utf-8")

    with pytest.raises(
        DatasetError, match="line 2 of dataset file '.*dup.jsonl' repeats case id 'a'"
    ):
        load_cases([path])


def test_load_cases_maps_real_questions(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    records = [
        {
            "id": "q1",
            "question_en": "How?",
            "question_zh": "怎么？",
            "category": "how-to",
            "expected_doc": "corpus/docs/a.md",
            "notes": "[kb: corpus] text",
        },
        {"id": "q2", "question_en": "Add X", "category": "feature-request", "expected_doc": None},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    cases = load_cases([path])

    assert [c.id for c in cases] == ["q1-en", "q1-zh", "q2-en"]
    assert cases[0].expected.action is ActionType.ANSWER
    assert "kb:corpus" in cases[0].tags
    assert cases[2].expected.action is ActionType.OPEN_TICKET
    assert "not_answer" in cases[2].tags


def _run(answer: str, facts: list[str], forbidden: list[str]) -> CaseRun:
    case = EvalCase.model_validate(
        {
            "id": "c1",
            "conversation": ["How do I save a baseline?"],
            "language": "en",
            "expected": {
                "intent": "how_to",
                "docs": ["en/b.md"],
                "action": "answer",
                "must_contain": facts,
                "must_not_contain": forbidden,
            },
        }
    )
    hit = make_hit("en/b.md", "A project can have up to 5 baselines. Click Save baseline.")
    output = OutputState(
        answer=answer,
        language="en",
        intent={"name": "how_to", "confidence": 0.9, "source": "model"},
        action={"type": "answer", "ticket": None, "reason": ""},
        citations=[{"doc": "en/b.md", "title": "t", "chunk_id": "en/b.md#0", "score": 1.0}],
        related=[],
    )
    trace = TurnTrace(0.5, {"retrieve_context": 0.2}, 10, 5, 0.0)
    return CaseRun(case, 0, output, [make_hit("en/x.md", "other"), hit], [trace])


def test_answer_sentences_drop_scaffolding_and_sources() -> None:
    answer = (
        "Here is what the help center says:\n"
        "Note: these steps need the admin role. As a guest, ask a workspace admin to do them "
        "for you.\nClick Save baseline. [1]\n\nSources:\n[1] Baselines (en/b.md)\n"
    )

    assert answer_sentences(answer) == ["Click Save baseline."]


def test_score_run_passes_grounded_answer() -> None:
    result = score_run(
        _run(
            "Here is what the help center says:\nClick Save baseline. [1]",
            ["5 baselines"],
            ["refund"],
        )
    )

    assert result.failures == []
    assert result.groundedness == 1.0
    assert result.citation_precision == 1.0
    assert result.hit_at_1 == 0.0
    assert result.mrr_at_10 == 0.5


def test_score_run_lists_failing_reasons() -> None:
    result = score_run(_run("Your refund is approved.", ["10 baselines"], ["refund"]))

    assert not result.passed
    assert "missing fact: '10 baselines'" in result.failures
    assert "forbidden claim present: 'refund'" in result.failures
    assert result.groundedness == 0.0


def test_summarize_two_trials_of_one_case() -> None:
    results = [
        score_run(_run("Click Save baseline. [1]", [], [])),
        score_run(_run("Nothing.", ["5 baselines", "missing"], [])),
    ]

    metrics = summarize(results, trials=2)

    assert metrics["cases"] == 1.0
    assert metrics["pass_rate"] == 0.5
    assert metrics["intent_accuracy"] == 1.0
    assert metrics["out_of_scope_recall"] is None
    assert metrics["pass_hat_1"] == 0.5
    assert metrics["pass_hat_2"] == 0.0


def test_gate_fails_metric_dropping_beyond_tolerance() -> None:
    tolerances = Tolerances.model_validate(
        {
            "metrics": {
                "hit_at_5": {"tolerance": 0.02},
                "tenant_leaks": {"tolerance": 0, "lower_is_better": True},
                "groundedness": {"tolerance": 0.02},
            }
        }
    )
    baseline = {"hit_at_5": 0.9, "tenant_leaks": 0.0, "groundedness": 0.95}
    current = {"hit_at_5": 0.885, "tenant_leaks": 1.0, "groundedness": 0.9}

    rows = {row.metric: row for row in compare(current, baseline, tolerances)}

    assert rows["hit_at_5"].passed
    assert not rows["tenant_leaks"].passed
    assert not rows["groundedness"].passed
    assert "groundedness" in format_rows(list(rows.values()))
    assert "FAIL" in format_rows(list(rows.values()))


def test_render_html_has_inline_svg_and_no_script() -> None:
    report = {
        "metrics": {"pass_rate": 0.5, "intent_accuracy": 1.0},
        "intent_confusion": {"how_to": {"how_to": 2, "bug_report": 1}},
        "node_latency": {"retrieve_context": {"p50": 0.1, "p95": 0.2, "n": 3}},
        "config": {},
        "cases": [{"id": "c1", "seconds": 0.1, "passed": False, "failures": ["a <b>"]}],
    }

    page = render_html(report, [report])

    assert page.count("<svg") == 3
    assert "<script" not in page
    assert "a &lt;b&gt;" in page


def test_build_report_records_its_time_with_offset() -> None:
    args = argparse.Namespace(dataset=None, repeat=1, workers=1, tag=None)
    before = datetime.now(UTC).replace(microsecond=0)

    report = build_report(
        [score_run(_run("Click Save baseline. [1]", [], []))], args, "embedded", "eval.x", 1.0
    )

    created = datetime.fromisoformat(report["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert before <= created <= datetime.now(UTC)
