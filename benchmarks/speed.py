"""Latency, ingest time and memory of the embedded engine (no LLM, offline embedder).

Measures (a) warm `SupportAgent.ask` over the sample KB, (b) the CLI answering one question
from a cold start, (c) warm search over a KB of at least 10,000 chunks built from varied copies
of the real manuals, (d) ingest of the real manuals into fresh KBs and (e) the peak memory of a
process that serves searches and asks on the large KB. Run from the repo root:

    .venv/bin/python benchmarks/speed.py [--corpora ../shared/corpora] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import logging
import pstats
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_runner import (
    benchmark_env,
    configure_logging,
    fresh_data_dir,
    ingest,
    load_average,
    run_cli,
)
from corpora import (
    KB_NAMES,
    LANGUAGES,
    REPO_ROOT,
    add_corpora_argument,
    load_questions,
    resolve_corpora,
)
from engine import activate_data_dir, open_agent, open_kb
from large_kb import manual_files, write_copy
from metrics import latency_summary, time_calls
from queries import SHORT_QUERIES, SUPPORT_QUESTIONS
from speed_report import check_targets, render_report

logger = logging.getLogger("benchmarks.speed")

SAMPLE_KB_FOLDER = REPO_ROOT / "samples" / "kb"
SAMPLE_KB = "sample"
LARGE_KB = "large"
WARMUP_CALLS = 5
CLI_RUNS = 5
CLI_QUESTION = "How do I give a guest access to just one project?"
PROFILE_TOP_FUNCTIONS = 15
TOP_UP_SLICES = 10
"""A partial copy of the manuals is added in this many slices."""
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpora_argument(parser)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="empty working folder, kept afterwards "
        "(default: a new temp folder, removed after a successful run)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="folder for speed.json")
    parser.add_argument("--asks", type=int, default=200, help="timed warm asks (default: 200)")
    parser.add_argument(
        "--searches", type=int, default=300, help="timed searches on the large KB (default: 300)"
    )
    parser.add_argument(
        "--min-chunks", type=int, default=10_000, help="chunks of the large KB (default: 10000)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write cProfile top functions of the warm ask and search loops",
    )
    return parser.parse_args(argv)


def profile_calls(label: str, call: Callable[[str], object], inputs: list[str]) -> str:
    """Return the cProfile top functions by cumulative time of one untimed pass."""
    profiler = cProfile.Profile()
    profiler.enable()
    for text in inputs:
        call(text)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(PROFILE_TOP_FUNCTIONS)
    return f"## {label}\n{stream.getvalue()}"


def measure_warm_asks(data_dir: Path, count: int, profiles: list[str] | None) -> dict[str, Any]:
    """Time `SupportAgent.ask` on the sample KB in this process, after a warm-up."""
    from graphs.support.state import UserContext

    agent = open_agent(activate_data_dir(data_dir), SAMPLE_KB)
    user = UserContext(id="bench-speed")
    questions = list(itertools.islice(itertools.cycle(SUPPORT_QUESTIONS), count))
    actions: list[str] = []

    def ask(question: str) -> None:
        actions.append(agent.ask(question, user).output["action"]["type"])

    timings = time_calls(ask, questions, WARMUP_CALLS)
    timed_actions = Counter(actions[-len(questions) :])
    summary = latency_summary(timings) | {"actions": dict(timed_actions.most_common())}
    if profiles is not None:
        profiles.append(
            profile_calls("warm ask, sample KB", ask, questions[: len(SUPPORT_QUESTIONS)])
        )
    agent.close()
    return summary


def measure_cli_cold(data_dir: Path) -> dict[str, Any]:
    """Time `assistant ask QUESTION --json` end to end, after one priming run that is reported."""
    args = ["ask", CLI_QUESTION, "--json", "--kb", SAMPLE_KB]
    priming = run_cli(args, data_dir)
    runs = [run_cli(args, data_dir) for _ in range(CLI_RUNS)]
    seconds = [run.seconds for run in runs]
    return {
        "runs": CLI_RUNS,
        "median_s": round(statistics.median(seconds), 3),
        "max_s": round(max(seconds), 3),
        "median_cpu_s": round(statistics.median(run.cpu_seconds for run in runs), 3),
        "priming_run_s": round(priming.seconds, 3),
        "action": priming.records[0]["action"]["type"],
    }


def measure_manual_ingest(corpora: Path, data_dir: Path) -> dict[str, Any]:
    """Ingest each real manual into a fresh KB with the CLI."""
    return {kb: ingest(corpora / kb, kb, data_dir) for kb in KB_NAMES}


def build_large_kb(
    corpora: Path, data_dir: Path, min_chunks: int, chunks_per_copy: int
) -> dict[str, Any]:
    """Copy the manuals until the ingested KB has at least `min_chunks` chunks.

    Whole copies are written up to the estimate from the real manuals' chunk count, ingested
    at once and timed. Slices of a tenth of the next copy are then added and ingested
    incrementally until the KB is large enough, so it ends only a little above `min_chunks`.
    """
    folder = data_dir / "large-corpus"
    files = manual_files({kb: corpora / kb for kb in KB_NAMES})
    copies = max(1, min_chunks // chunks_per_copy)
    for index in range(copies):
        write_copy(files, folder, index)
    report = ingest(folder, LARGE_KB, data_dir)
    report["chunks_of_whole_copies"] = report["chunks"]
    slice_size = max(1, len(files) // TOP_UP_SLICES)
    top_ups: list[float] = []
    while report["chunks"] < min_chunks and len(top_ups) < TOP_UP_SLICES:
        start = len(top_ups) * slice_size
        write_copy(files[start : start + slice_size], folder, copies)
        top_up = ingest(folder, LARGE_KB, data_dir)
        top_ups.append(top_up["ingest_seconds"])
        report |= {"chunks": top_up["chunks"], "files": top_up["files"]}
    return report | {
        "whole_copies": copies,
        "top_up_slices": len(top_ups),
        "top_up_ingest_seconds": round(sum(top_ups), 3),
    }


def large_kb_queries(corpora: Path, count: int) -> list[str]:
    """Return `count` queries: the dev questions in both languages, short and support queries."""
    dev = [q.text[lang] for q in load_questions(corpora) for lang in LANGUAGES]
    mix = [*dev, *SHORT_QUERIES, *SUPPORT_QUESTIONS]
    return list(itertools.islice(itertools.cycle(mix), count))


def measure_large_search(
    data_dir: Path, queries: list[str], profiles: list[str] | None
) -> dict[str, Any]:
    """Time `KnowledgeBase.search` (default top-k) on the large KB in a warm process."""
    kb = open_kb(activate_data_dir(data_dir), LARGE_KB)
    started = time.perf_counter()
    kb.retriever()
    load_seconds = time.perf_counter() - started
    summary = latency_summary(time_calls(kb.search, queries, WARMUP_CALLS))
    if profiles is not None:
        profiles.append(profile_calls("warm search, large KB", kb.search, queries[:100]))
    kb.close()
    return summary | {"load_seconds": round(load_seconds, 3)}


def measure_peak_memory(data_dir: Path, corpora: Path, searches: int) -> dict[str, Any]:
    """Run `memory_probe.py` on the large KB and return its report."""
    probe = Path(__file__).with_name("memory_probe.py")
    command = [
        sys.executable,
        str(probe),
        "--data-dir",
        str(data_dir),
        "--kb",
        LARGE_KB,
        "--corpora",
        str(corpora),
        "--searches",
        str(searches),
        "--asks",
        "50",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, env=benchmark_env(data_dir), check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"memory probe failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout.splitlines()[-1])


def write_results(result: dict[str, Any], profiles: list[str] | None, folder: Path) -> None:
    """Write speed.json and, when profiling, speed_profile.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "speed.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if profiles:
        (folder / "speed_profile.txt").write_text("\n".join(profiles), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run every speed measurement, print the tables and write the result files."""
    args = parse_args(argv)
    configure_logging()
    corpora = resolve_corpora(args.corpora)
    work = fresh_data_dir(args.data_dir, "assistant-bench-speed-")
    logger.info("working folder %s", work)
    profiles: list[str] | None = [] if args.profile else None
    load_at_start = load_average()

    sample_ingest = ingest(SAMPLE_KB_FOLDER, SAMPLE_KB, work / "sample")
    cli = measure_cli_cold(work / "sample")
    asks = measure_warm_asks(work / "sample", args.asks, profiles)
    manuals = measure_manual_ingest(corpora, work / "manuals")
    per_copy = sum(report["chunks"] for report in manuals.values())
    large = build_large_kb(corpora, work / "large", args.min_chunks, per_copy)
    queries = large_kb_queries(corpora, args.searches)
    search = measure_large_search(work / "large", queries, profiles)
    memory = measure_peak_memory(work / "large", corpora, args.searches)

    result: dict[str, Any] = {
        "sample_ingest": sample_ingest,
        "warm_ask": asks,
        "cli_cold_ask": cli,
        "manual_ingest": manuals,
        "large_kb": large,
        "large_search": search,
        "peak_memory": memory,
        "load_average": {"start": load_at_start, "end": load_average()},
    }
    result["targets"] = check_targets(result)
    write_results(result, profiles, args.results)
    sys.stdout.write(render_report(result))
    if args.data_dir is None:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
