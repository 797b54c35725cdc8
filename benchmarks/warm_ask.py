"""Warm `SupportAgent.ask` latency on the sample KB, alone: a quick before/after check.

    .venv/bin/python benchmarks/warm_ask.py [--count 200] [--data-dir DIR]

Ingests `samples/kb` into a fresh data folder, then times `count` calls of `SupportAgent.ask`
with the speed benchmark's support questions in this process after a warm-up, and prints the
summary as JSON. It is the warm-ask part of benchmarks/speed.py without the large-KB, ingest
and memory measurements.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli_runner import configure_logging, fresh_data_dir, ingest, load_average
from speed import SAMPLE_KB, SAMPLE_KB_FOLDER, measure_warm_asks

DEFAULT_COUNT = 200


def main() -> int:
    """Ingest the sample KB, time the warm `SupportAgent.ask` calls and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="timed calls")
    parser.add_argument("--data-dir", type=Path, help="empty folder to use (default: a temp dir)")
    args = parser.parse_args()
    configure_logging()

    data_dir = fresh_data_dir(args.data_dir, "warm-ask-")
    ingest(SAMPLE_KB_FOLDER, SAMPLE_KB, data_dir)
    summary = measure_warm_asks(data_dir, args.count, None)
    summary["load_average"] = load_average()
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
