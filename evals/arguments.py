"""Arguments of the `assistant eval` subcommand, kept apart so the CLI parser stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.validation import output_folder, positive_count

DEFAULT_WORKERS = 2
"""Worker threads; the embedded engine is CPU-bound, so more threads than cores do not help."""


def add_parser(sub: Any) -> None:
    """Add the `eval` subcommand to the `assistant` parser."""
    parser = sub.add_parser("eval", help="run the eval suite and report quality metrics")
    parser.add_argument(
        "--dataset",
        action="append",
        type=Path,
        help="JSON Lines case file, or a real-questions file; repeatable "
        "(default: every evals/datasets/*.jsonl)",
    )
    parser.add_argument(
        "--kb", help="existing KB to evaluate (default: samples/kb in a temporary data dir)"
    )
    parser.add_argument("--model", help="litellm model string (default: the configured engine)")
    parser.add_argument(
        "--repeat", type=positive_count("--repeat"), default=1, help="trials per case (default: 1)"
    )
    parser.add_argument("--tag", action="append", help="run only cases with this tag; repeatable")
    parser.add_argument("--report", type=output_folder, help="folder for the JSON and HTML reports")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--gate", action="store_true", help="exit 1 when a metric drops below the baseline"
    )
    parser.add_argument(
        "--baseline", type=Path, help="baseline report (default: evals/baselines/embedded.json)"
    )
    parser.add_argument(
        "--workers",
        type=positive_count("--workers"),
        default=DEFAULT_WORKERS,
        help="worker threads (default: 2)",
    )
