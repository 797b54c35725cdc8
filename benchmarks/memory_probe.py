"""Child process of the speed benchmark: load a KB, serve searches and asks, report peak memory.

Prints one JSON object with `max_rss_mb` (the process's own `ru_maxrss`, which Linux reports
in KiB) so the parent's earlier children do not count.

    .venv/bin/python benchmarks/memory_probe.py --data-dir DIR --kb NAME --corpora DIR
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import sys
import time
from pathlib import Path

from corpora import LANGUAGES, load_questions
from engine import activate_data_dir, open_agent
from queries import SHORT_QUERIES, SUPPORT_QUESTIONS

KIB_PER_MIB = 1024


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="ASSISTANT_DATA_DIR")
    parser.add_argument("--kb", required=True, help="name of the ingested KB")
    parser.add_argument("--corpora", type=Path, required=True, help="folder of the dev questions")
    parser.add_argument("--searches", type=int, default=300, help="number of searches")
    parser.add_argument("--asks", type=int, default=50, help="number of `ask` calls")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve the searches and asks, then print the peak resident memory as JSON."""
    args = parse_args(argv)
    from graphs.support.state import UserContext

    started = time.perf_counter()
    agent = open_agent(activate_data_dir(args.data_dir), args.kb)
    dev = [q.text[lang] for q in load_questions(args.corpora) for lang in LANGUAGES]
    queries = itertools.cycle([*dev, *SHORT_QUERIES, *SUPPORT_QUESTIONS])
    for query in itertools.islice(queries, args.searches):
        agent.context.kb.search(query)
    for question in itertools.islice(itertools.cycle(SUPPORT_QUESTIONS), args.asks):
        agent.ask(question, UserContext(id="bench-memory"))
    agent.close()

    usage = resource.getrusage(resource.RUSAGE_SELF)
    sys.stdout.write(
        json.dumps(
            {
                "max_rss_mb": round(usage.ru_maxrss / KIB_PER_MIB, 1),
                "searches": args.searches,
                "asks": args.asks,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
