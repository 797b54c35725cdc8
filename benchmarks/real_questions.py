"""Retrieval and routing quality on the real dev questions, beside a plain BM25 baseline.

Ingests the English OpenProject manual (KB `openproject`) and the Chinese GitHub Docs
translation (KB `github-docs-zh-cn`). Every dev question then goes in English and in Chinese to
its KB through `assistant search` and `assistant ask`, one process per KB and language, and
the results are scored. Run from the repo root:

    .venv/bin/python benchmarks/real_questions.py [--corpora ../shared/corpora]
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from bm25_baseline import Bm25Baseline
from cli_runner import (
    configure_logging,
    fresh_data_dir,
    ingest,
    load_average,
    run_cli,
    use_semantic_rerank,
)
from corpora import (
    KB_NAMES,
    LANGUAGES,
    REPO_ROOT,
    Question,
    add_corpora_argument,
    load_questions,
    pair_kind,
    resolve_corpora,
)
from engine import activate_data_dir, open_kb
from metrics import distinct_docs, latency_summary, rank_of, time_calls
from real_questions_report import render_report, summarize

logger = logging.getLogger("benchmarks.real_questions")

SEARCH_TOP_K = 20
WARMUP_QUERIES = 3
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
RowKey = tuple[str, str]
"""(question id, language)."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpora_argument(parser)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="empty ASSISTANT_DATA_DIR for the run, kept afterwards "
        "(default: a new temp folder, removed after a successful run)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS_DIR,
        help="folder for real_questions.json and real_questions_rows.jsonl (default: %(default)s)",
    )
    parser.add_argument(
        "--skip-ask", action="store_true", help="measure search only, without `assistant ask`"
    )
    parser.add_argument(
        "--no-semantic-rerank",
        dest="semantic_rerank",
        action="store_false",
        help="run with ASSISTANT_SEMANTIC_RERANK=false and write real_questions_words.json "
        "and real_questions_words_rows.jsonl instead",
    )
    return parser.parse_args(argv)


def questions_by_kb(questions: list[Question]) -> dict[str, list[Question]]:
    """Group the questions by the KB they target."""
    return {kb: [q for q in questions if q.kb == kb] for kb in KB_NAMES}


def run_searches(
    by_kb: dict[str, list[Question]], data_dir: Path
) -> tuple[dict[RowKey, list[str]], dict[str, float]]:
    """Return each question's ranked distinct docs and each batch's wall time."""
    ranked: dict[RowKey, list[str]] = {}
    batch_seconds: dict[str, float] = {}
    for kb, questions in by_kb.items():
        for lang in LANGUAGES:
            args = ["search", "-", "--json", "--kb", kb, "--top-k", str(SEARCH_TOP_K)]
            run = run_cli(args, data_dir, [q.text[lang] for q in questions])
            batch_seconds[f"{lang}->{kb}"] = round(run.seconds, 3)
            for question, record in zip(questions, run.records, strict=True):
                ranked[(question.id, lang)] = distinct_docs(r["doc"] for r in record["results"])
    return ranked, batch_seconds


def run_asks(
    by_kb: dict[str, list[Question]], data_dir: Path
) -> tuple[dict[RowKey, dict[str, Any]], dict[str, float]]:
    """Return each question's action and intent from `assistant ask`, and each batch's time."""
    replies: dict[RowKey, dict[str, Any]] = {}
    batch_seconds: dict[str, float] = {}
    for kb, questions in by_kb.items():
        for lang in LANGUAGES:
            run = run_cli(
                ["ask", "-", "--json", "--kb", kb], data_dir, [q.text[lang] for q in questions]
            )
            batch_seconds[f"{lang}->{kb}"] = round(run.seconds, 3)
            for question, record in zip(questions, run.records, strict=True):
                replies[(question.id, lang)] = {
                    "action": record["action"]["type"],
                    "intent": record["intent"]["name"],
                    "intent_confidence": record["intent"]["confidence"],
                    "reply_language": record["language"],
                    "citations": [c["doc"] for c in record["citations"]],
                }
    return replies, batch_seconds


def run_baseline(
    by_kb: dict[str, list[Question]], corpora: Path
) -> tuple[dict[RowKey, list[str]], dict[str, dict[str, float]]]:
    """Return the baseline's ranked docs per question and its warm per-query latency per KB."""
    ranked: dict[RowKey, list[str]] = {}
    latency: dict[str, dict[str, float]] = {}
    for kb, questions in by_kb.items():
        baseline = Bm25Baseline(corpora / kb)
        queries = [q.text[lang] for q in questions for lang in LANGUAGES]
        timings = time_calls(baseline.ranked_docs, queries, WARMUP_QUERIES)
        latency[kb] = latency_summary(timings) | {"chunks": len(baseline.sections)}
        for question in questions:
            for lang in LANGUAGES:
                ranked[(question.id, lang)] = baseline.ranked_docs(question.text[lang])
    return ranked, latency


def measure_search_latency(
    by_kb: dict[str, list[Question]], data_dir: Path
) -> dict[str, dict[str, float]]:
    """Time `KnowledgeBase.search` per query in a warm process, one KB at a time."""
    settings = activate_data_dir(data_dir)
    latency: dict[str, dict[str, float]] = {}
    for kb_name, questions in by_kb.items():
        kb = open_kb(settings, kb_name)
        queries = [q.text[lang] for q in questions for lang in LANGUAGES]
        search = functools.partial(kb.search, top_k=SEARCH_TOP_K)
        timings = time_calls(search, queries, WARMUP_QUERIES)
        latency[kb_name] = latency_summary(timings) | {"chunks": len(kb.chunk_store.all_chunks())}
        kb.close()
    return latency


def build_rows(
    questions: list[Question],
    ranked: dict[RowKey, list[str]],
    baseline: dict[RowKey, list[str]],
    replies: dict[RowKey, dict[str, Any]] | None,
) -> list[dict[str, Any]]:
    """Return one row per question and language with our and the baseline's outcome."""
    rows = []
    for question in questions:
        for lang in LANGUAGES:
            key = (question.id, lang)
            expected = question.expected_doc
            row: dict[str, Any] = {
                "id": question.id,
                "lang": lang,
                "kb": question.kb,
                "pair": pair_kind(question.kb, lang),
                "category": question.category,
                "expected_doc": expected,
                "top5": ranked[key][:5],
                "rank": rank_of(expected, ranked[key]) if expected else None,
                "baseline_top5": baseline[key][:5],
                "baseline_rank": rank_of(expected, baseline[key]) if expected else None,
                "baseline_any_result": bool(baseline[key]),
            }
            row |= replies[key] if replies is not None else {"action": None, "intent": None}
            rows.append(row)
    return rows


def results_stem(semantic_rerank: bool) -> str:
    """Return the name, without suffix, of a run's result files."""
    return "real_questions" if semantic_rerank else "real_questions_words"


def write_results(
    result: dict[str, Any], rows: list[dict[str, Any]], folder: Path, stem: str
) -> None:
    """Write the summary JSON and the per-question rows (ids, paths and labels only)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with (folder / f"{stem}_rows.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write the result files."""
    args = parse_args(argv)
    configure_logging()
    use_semantic_rerank(args.semantic_rerank)
    corpora = resolve_corpora(args.corpora)
    data_dir = fresh_data_dir(args.data_dir, "assistant-bench-real-")
    logger.info("data dir %s", data_dir)
    questions = load_questions(corpora)
    by_kb = questions_by_kb(questions)
    load_at_start = load_average()

    ingests = [ingest(corpora / kb, kb, data_dir) for kb in KB_NAMES]
    ranked, search_batches = run_searches(by_kb, data_dir)
    replies, ask_batches = (None, {}) if args.skip_ask else run_asks(by_kb, data_dir)
    baseline, baseline_latency = run_baseline(by_kb, corpora)
    latency = measure_search_latency(by_kb, data_dir)

    rows = build_rows(questions, ranked, baseline, replies)
    result = summarize(rows, ask_run=replies is not None)
    result |= {
        "ingest": ingests,
        "search_latency": latency,
        "baseline_latency": baseline_latency,
        "batch_wall_seconds": {"search": search_batches, "ask": ask_batches},
        "load_average": {"start": load_at_start, "end": load_average()},
        "semantic_rerank": args.semantic_rerank,
    }
    write_results(result, rows, args.results, results_stem(args.semantic_rerank))
    sys.stdout.write(render_report(result))
    if args.data_dir is None:
        shutil.rmtree(data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
