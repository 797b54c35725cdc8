"""`assistant search` on the sample KB lists results under a score column that never rises."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.cli.conftest import run_cli

QUERIES = [
    "gantt baseline",
    "export csv",
    "SSO",
    "how do I invite a guest",
    "甘特图基线",
    "通知免打扰",
    "导出审计日志",
]
"""English and Chinese queries on which the order of pages and the chunk scores disagree."""
TOP_K = "8"
_RESULT_LINE_RE = re.compile(r"^(\d+)\. \[(\d+\.\d+)\] ")


def _printed_scores(stdout: str) -> list[list[float]]:
    """Return the scores of each query's results, read from the text output of a batch."""
    batches: list[list[float]] = []
    for line in stdout.splitlines():
        match = _RESULT_LINE_RE.match(line)
        assert match, f"not a result line: {line!r}"
        if match.group(1) == "1":
            batches.append([])
        batches[-1].append(float(match.group(2)))
    return batches


def test_printed_scores_never_increase(data_dir: Path) -> None:
    stdin = "\n".join(QUERIES).encode() + b"\n"

    result = run_cli(data_dir, "search", "-", "--top-k", TOP_K, stdin=stdin)

    assert result.returncode == 0, result.stderr.decode()
    batches = _printed_scores(result.stdout.decode())
    assert len(batches) == len(QUERIES)
    for query, scores in zip(QUERIES, batches, strict=True):
        assert len(scores) == int(TOP_K), query
        assert scores == sorted(scores, reverse=True), f"{query}: {scores}"


def test_json_scores_never_increase(data_dir: Path) -> None:
    stdin = "\n".join(QUERIES).encode() + b"\n"

    result = run_cli(data_dir, "search", "-", "--json", "--top-k", TOP_K, stdin=stdin)

    assert result.returncode == 0, result.stderr.decode()
    payloads = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(payloads) == len(QUERIES)
    for query, payload in zip(QUERIES, payloads, strict=True):
        results = payload["results"]
        scores = [hit["score"] for hit in results]
        assert scores == sorted(scores, reverse=True), f"{query}: {scores}"
        for doc in {hit["doc"] for hit in results}:
            page = [hit for hit in results if hit["doc"] == doc]
            assert len({hit["score"] for hit in page}) == 1, f"{query}: {doc} has one score"
            chunk_scores = [hit["chunk_score"] for hit in page]
            assert chunk_scores == sorted(chunk_scores, reverse=True), f"{query}: {doc}"


def test_json_results_keep_their_fields(data_dir: Path) -> None:
    result = run_cli(data_dir, "search", "SSO", "--json", "--top-k", "3")

    hit = json.loads(result.stdout)["results"][0]
    assert set(hit) == {
        "doc",
        "title",
        "chunk_id",
        "score",
        "chunk_score",
        "confidence",
        "heading_path",
        "text",
    }
