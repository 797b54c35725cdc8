"""The `assistant eval` subcommand: load cases, run them, write reports and apply the gate."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.settings import get_settings
from assistant.tenants import resolve_kb_name
from evals.dataset import EvalCase, load_cases
from evals.gate import (
    DEFAULT_BASELINE,
    DEFAULT_TOLERANCES,
    compare,
    format_rows,
    load_baseline,
    load_tolerances,
)
from evals.report import write_reports
from evals.runner import (
    ProgressBar,
    RunOptions,
    SuiteResult,
    eval_environment,
    run_cases,
    run_extra_suites,
)
from evals.scoring import CaseResult, intent_confusion, node_latency, summarize

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
EXIT_GATE_FAILED = 1


def run_eval(args: argparse.Namespace) -> int:
    """Run the eval and print the metrics; with --gate, compare them with the baseline."""
    cases = _select(load_cases(args.dataset or sorted(DATASETS_DIR.glob("*.jsonl"))), args.tag)
    options = RunOptions(
        kb_name=resolve_kb_name(args.kb) if args.kb else None,
        model=args.model,
        repeat=args.repeat,
        workers=args.workers,
    )
    started = time.perf_counter()
    with eval_environment(get_settings(), options) as (settings, kb_name):
        results = run_cases(cases, settings, kb_name, options, ProgressBar("eval"))
        # The extra suites' cases are written for the sample KB, not for a KB or dataset
        # the caller names.
        extra = SuiteResult()
        if options.kb_name is None and not args.dataset:
            extra = run_extra_suites(settings, kb_name, args.tag or [])
        engine = settings.llm_model or "embedded"
    report = build_report(results, args, engine, kb_name, time.perf_counter() - started)
    report["metrics"] |= extra.metrics
    report["cases"].extend(extra.cases)
    if args.report:
        json_path, html_path = write_reports(report, args.report)
        sys.stderr.write(f"reports: {json_path} {html_path}\n")
    _print_summary(report, as_json=args.json)
    if not args.gate:
        return 0
    baseline = load_baseline(args.baseline or DEFAULT_BASELINE)
    rows = compare(report["metrics"], baseline, load_tolerances())
    sys.stdout.write(format_rows(rows) + "\n")
    return 0 if all(row.passed for row in rows) else EXIT_GATE_FAILED


def _select(cases: list[EvalCase], tags: list[str] | None) -> list[EvalCase]:
    if not tags:
        return cases
    return [case for case in cases if set(tags) & set(case.tags)]


def build_report(
    results: list[CaseResult],
    args: argparse.Namespace,
    engine: str,
    kb_name: str,
    seconds: float,
) -> dict[str, Any]:
    """Return the JSON report: metrics, per-case results, config, commit, end time and timings."""
    return {
        "metrics": summarize(results, args.repeat),
        "intent_confusion": intent_confusion(results),
        "node_latency": node_latency(results),
        "config": {
            "datasets": [str(p) for p in args.dataset or [DATASETS_DIR]],
            "kb": kb_name,
            "engine": engine,
            "repeat": args.repeat,
            "workers": args.workers,
            "tags": args.tag or [],
            "tolerances": str(DEFAULT_TOLERANCES),
        },
        "git_commit": _git_commit(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "cases": [vars(result) for result in results],
    }


def _git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
            env=os.environ | {"GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip() or None


def _print_summary(report: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, default=str) + "\n")
        return
    for name, value in report["metrics"].items():
        shown = "-" if value is None else f"{value:.4f}"
        sys.stdout.write(f"{name:<28}{shown}\n")
    for node, stats in report["node_latency"].items():
        sys.stdout.write(f"node {node:<23}p50 {stats['p50']:.4f}s p95 {stats['p95']:.4f}s\n")
    sys.stdout.write(f"seconds {report['seconds']}\n")
