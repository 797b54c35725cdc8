"""Run every benchmark and rewrite docs/benchmarks.md from their result files.

    .venv/bin/python benchmarks/run_all.py [--corpora ../shared/corpora]

Benchmarks are never part of `make test`: they need the corpora folder, which is not in the
repository, and take several minutes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import api_speed_report
import real_questions_report
import speed_report
from cli_runner import configure_logging
from corpora import REPO_ROOT, add_corpora_argument, resolve_corpora

logger = logging.getLogger("benchmarks.run_all")

BENCHMARKS_DIR = REPO_ROOT / "benchmarks"
RESULTS_DIR = BENCHMARKS_DIR / "results"
DOCS_PAGE = REPO_ROOT / "docs" / "benchmarks.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_corpora_argument(parser)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also write cProfile tables of the warm loops to benchmarks/results/speed_profile.txt",
    )
    parser.add_argument(
        "--skip-run", action="store_true", help="only rewrite the page from the result files"
    )
    return parser.parse_args(argv)


def run_script(name: str, corpora: Path | None, *extra: str) -> None:
    """Run one benchmark script in its own process, streaming its output.

    Raises:
        SystemExit: when the script fails, with its exit code.
    """
    corpora_args = ["--corpora", str(corpora)] if corpora is not None else []
    command = [sys.executable, str(BENCHMARKS_DIR / name), *corpora_args, *extra]
    logger.info("running %s", " ".join(command))
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        sys.exit(f"{name} failed with exit code {completed.returncode}")


def machine_description() -> str:
    """Return cores, CPU model, memory, OS and Python version of this machine."""
    cpu_model = "unknown CPU"
    memory = "unknown memory"
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu_model = models[0] if models else cpu_model
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{total_kib / 1024 / 1024:.0f} GiB RAM"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cores} cores (nproc), {cpu_model}, {memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def load_result(name: str) -> dict[str, Any]:
    """Read one result file written by a benchmark script."""
    path = RESULTS_DIR / name
    if not path.exists():
        sys.exit(f"{path} is missing; run the benchmarks without --skip-run first")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def commands_section() -> str:
    """Return the page's section listing the commands the benchmarks run."""
    return """## Commands

```
.venv/bin/python benchmarks/run_all.py --corpora ../shared/corpora
```

runs `benchmarks/real_questions.py` and `benchmarks/speed.py` (each takes the same
`--corpora`) and `benchmarks/api_speed.py` (no corpora), then `real_questions.py
--no-semantic-rerank`, and rewrites this page from `benchmarks/results/`. With `--profile`,
`speed.py` also writes the cProfile top functions of its warm loops to
`benchmarks/results/speed_profile.txt`. Every child process gets a fresh `ASSISTANT_DATA_DIR`
under the temp folder and empty `ASSISTANT_LLM_MODEL` and `ASSISTANT_EMBEDDING_MODEL`, so all
figures are for the embedded engine: no LLM, offline embedders, no network. The semantic
reranker is on (`ASSISTANT_SEMANTIC_RERANK=true`, the default) everywhere but in the last
section, whatever the shell that starts the run sets.

`real_questions.py` runs, per KB:

```
assistant ingest CORPORA/openproject --kb openproject
assistant ingest CORPORA/github-docs-zh-cn --kb github-docs-zh-cn
assistant search - --json --kb KB --top-k 20   # once per language, one question per stdin line
assistant ask - --json --kb KB                 # once per language, one question per stdin line
```

`speed.py` ingests `samples/kb` as KB `sample` and runs `assistant ask "..." --json --kb sample`
six times, reporting the first run apart from the other five. It then times `SupportAgent.ask`
and `KnowledgeBase.search` in one warm process and ingests each real manual into a fresh KB.
Last, it starts `benchmarks/memory_probe.py` to measure the peak memory.
"""


def method_section(real: dict[str, Any]) -> str:
    """Return the page's section defining every figure."""
    counts = real["questions"]
    per_kb = "; ".join(
        f"`{kb}`: {c['answerable']} answerable, {c['unanswerable']} unanswerable"
        for kb, c in counts.items()
    )
    total = sum(c["answerable"] + c["unanswerable"] for c in counts.values())
    return f"""## Method

- Questions: {total} dev questions ({per_kb}), each asked in English and in Chinese against
  the KB it targets, so every figure below counts question-language pairs. Answerable
  questions have an expected page and unanswerable ones have none.
- Same-language: English questions on `openproject` (English manual) and Chinese questions on
  `github-docs-zh-cn` (Chinese manual). Cross-language: the other two pairs.
- hit@5 and MRR@10: rank of the expected page in the list of distinct docs, in order of first
  occurrence in the top 20 chunks; answerable questions only.
- Answered: `action.type` of `assistant ask` is `answer`. Not answered: any other action
  (`clarify`, `open_ticket`, `escalate`, `handoff`, `refuse`); `clarify` is also shown alone.
- Baseline (BM25): what a user would build without this project. `rank_bm25.BM25Okapi` over
  `jieba.lcut_for_search` tokens of lower-cased text (tokens without a letter or digit
  dropped), one chunk per Markdown section split on heading lines, distinct docs ranked as
  above. It has no way to decline, so it counts as answering whenever any section scores above
  zero.
- Latency: per-call timings in one warm process after 3-5 untimed calls, not through the CLI.
  The CPU columns give the process CPU time of the same calls. It depends less than wall time
  on other processes sharing the cores, but the targets are judged on wall time.
"""


def limits_section() -> str:
    """Return the page's section on how far the figures can be trusted."""
    return """## Limits

- The dev set is small: one question moves a pair's hit@5 by 1/12 (openproject) or 1/15
  (github-docs-zh-cn). Differences of one or two questions are noise.
- The held-out questions are not measured here.
- Timings come from one run on the machine above. The load averages at the top show how much
  other work shared the cores, so compare runs made under similar load.
- The 10k-chunk KB is made of perturbed copies of the two manuals, so its vocabulary is
  smaller than that of a real KB of the same size.
- `github-docs-zh-cn` has index pages with nothing but front matter. `assistant ingest` skips
  them, which is why its file count is below the number of `.md` files.
- Per-question rows (ids, languages, expected and top-5 docs, action, intent) are in
  `benchmarks/results/real_questions_rows.jsonl`.
- The semantic reranker's gain in same-language hit@5 is two questions, both at rank 5: what
  it adds, what it costs, and which other changes were tried and reverted are in
  [docs/evals.md](evals.md#the-real-question-targets-and-what-the-semantic-reranker-adds).
"""


def _load_line(real: dict[str, Any], speed: dict[str, Any]) -> str:
    loads = [
        f"{name} {result['load_average']['start'][0]} at start, "
        f"{result['load_average']['end'][0]} at end"
        for name, result in (("real_questions.py", real), ("speed.py", speed))
    ]
    return (
        "Load average (1 min) during the runs: " + "; ".join(loads) + ". A load above the "
        "core count means other processes shared the CPU and the timings are pessimistic.\n"
    )


def words_only_section(words_only: dict[str, Any]) -> str:
    """Return the page's section on the real questions with the semantic reranker off."""
    return (
        "## Real questions without the semantic reranker\n\n"
        "The same questions, run by `real_questions.py --no-semantic-rerank` right after the "
        "other benchmarks: `ASSISTANT_SEMANTIC_RERANK=false` for ingest, search and ask, so "
        "pages are ranked by their words and the hashed vectors alone.\n\n"
        + real_questions_report.render_summary(words_only)
    )


def render_page(
    real: dict[str, Any],
    speed: dict[str, Any],
    api_speed: dict[str, Any],
    words_only: dict[str, Any],
    machine: str,
) -> str:
    """Return the whole benchmarks page."""
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    return "\n".join(
        [
            "# Benchmarks\n",
            f"Measured on {today} with `benchmarks/run_all.py`.\n",
            f"Machine: {machine}.\n",
            _load_line(real, speed),
            commands_section(),
            method_section(real),
            "## Real questions\n",
            real_questions_report.render_report(real, include_misses=False),
            "## Speed, ingest and memory\n",
            speed_report.render_report(speed),
            api_speed_report.render_section(api_speed),
            words_only_section(words_only),
            limits_section(),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks (unless --skip-run) and rewrite docs/benchmarks.md."""
    args = parse_args(argv)
    configure_logging()
    corpora = resolve_corpora(args.corpora)
    if not args.skip_run:
        run_script("real_questions.py", corpora)
        run_script("speed.py", corpora, *(["--profile"] if args.profile else []))
        run_script("api_speed.py", None)
        run_script("real_questions.py", corpora, "--no-semantic-rerank")
    page = render_page(
        load_result("real_questions.json"),
        load_result("speed.json"),
        load_result("api_speed.json"),
        load_result("real_questions_words.json"),
        machine_description(),
    )
    DOCS_PAGE.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PAGE.write_text(page, encoding="utf-8")
    logger.info("wrote %s", DOCS_PAGE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
