"""Scores and Markdown tables of the real-questions benchmark, computed from its per-row file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from metrics import hit_at, mean, reciprocal_rank_at
from tables import markdown_table

Row = dict[str, Any]

HIT_K = 5
MRR_K = 10
ANSWER = "answer"
CLARIFY = "clarify"
WORST_MISSES = 10
GROUPS: dict[str, Callable[[Row], bool]] = {
    "all": lambda row: True,
    "same-language": lambda row: row["pair"] == "same",
    "cross-language": lambda row: row["pair"] == "cross",
    "en->openproject": lambda row: row["lang"] == "en" and row["kb"] == "openproject",
    "zh->github-docs-zh-cn": lambda row: row["lang"] == "zh" and row["kb"] == "github-docs-zh-cn",
    "zh->openproject": lambda row: row["lang"] == "zh" and row["kb"] == "openproject",
    "en->github-docs-zh-cn": lambda row: row["lang"] == "en" and row["kb"] == "github-docs-zh-cn",
}
"""Row selections. A `lang->kb` group has the questions in `lang` asked against KB `kb`."""
TARGETS = (
    ("same-language hit@5", "same-language", "hit_at_5", 0.75),
    ("cross-language hit@5", "cross-language", "hit_at_5", 0.40),
    ("unanswerable not answered", "all", "not_answered_share", 0.85),
    ("answerable answered", "all", "answered_share", 0.70),
)
"""(label, group, metric, minimum)."""


def group_metrics(rows: list[Row], ask_run: bool) -> dict[str, Any]:
    """Return retrieval and routing scores of one group, ours beside the baseline's."""
    answerable = [r for r in rows if r["expected_doc"] is not None]
    unanswerable = [r for r in rows if r["expected_doc"] is None]
    metrics: dict[str, Any] = {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit_at_5": mean([hit_at(r["rank"], HIT_K) for r in answerable]),
        "mrr_at_10": mean([reciprocal_rank_at(r["rank"], MRR_K) for r in answerable]),
        "baseline_hit_at_5": mean([hit_at(r["baseline_rank"], HIT_K) for r in answerable]),
        "baseline_mrr_at_10": mean(
            [reciprocal_rank_at(r["baseline_rank"], MRR_K) for r in answerable]
        ),
        "baseline_answered_share": mean([float(r["baseline_any_result"]) for r in answerable]),
        "baseline_not_answered_share": mean(
            [float(not r["baseline_any_result"]) for r in unanswerable]
        ),
    }
    if ask_run:
        metrics |= {
            "answered_share": mean([float(r["action"] == ANSWER) for r in answerable]),
            "not_answered_share": mean([float(r["action"] != ANSWER) for r in unanswerable]),
            "clarify_share": mean([float(r["action"] == CLARIFY) for r in unanswerable]),
            "actions": dict(Counter(r["action"] for r in rows).most_common()),
        }
    return metrics


def intent_distribution(rows: list[Row]) -> dict[str, Any]:
    """Return intent counts overall and per language, and counts per labelled category."""
    by_category: dict[str, Counter[str]] = {}
    for row in rows:
        by_category.setdefault(row["category"], Counter())[row["intent"]] += 1
    return {
        "overall": dict(Counter(r["intent"] for r in rows).most_common()),
        "by_language": {
            lang: dict(Counter(r["intent"] for r in rows if r["lang"] == lang).most_common())
            for lang in ("en", "zh")
        },
        "by_category": {cat: dict(c.most_common()) for cat, c in sorted(by_category.items())},
    }


def worst_misses(rows: list[Row], pair: str) -> list[dict[str, Any]]:
    """Return the answerable rows of a pair kind missing from the top 5, lowest rank first."""
    misses = [
        r
        for r in rows
        if r["pair"] == pair and r["expected_doc"] is not None and not hit_at(r["rank"], HIT_K)
    ]
    misses.sort(key=lambda r: (r["rank"] is not None, -(r["rank"] or 0), r["id"], r["lang"]))
    return [
        {
            "id": r["id"],
            "lang": r["lang"],
            "kb": r["kb"],
            "expected_doc": r["expected_doc"],
            "rank": r["rank"],
            "first": r["top5"][0] if r["top5"] else None,
        }
        for r in misses[:WORST_MISSES]
    ]


def question_counts(rows: list[Row]) -> dict[str, dict[str, int]]:
    """Return the number of distinct questions per KB, answerable and unanswerable."""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        if row["lang"] != "en":
            continue
        kb_counts = counts.setdefault(row["kb"], {"answerable": 0, "unanswerable": 0})
        kb_counts["answerable" if row["expected_doc"] is not None else "unanswerable"] += 1
    return counts


def summarize(rows: list[Row], *, ask_run: bool) -> dict[str, Any]:
    """Return every score of the run, the target checks and the worst misses."""
    groups = {
        name: group_metrics([r for r in rows if keep(r)], ask_run) for name, keep in GROUPS.items()
    }
    targets = []
    for label, group, metric, minimum in TARGETS:
        value = groups[group].get(metric)
        passed = None if value is None else value >= minimum
        targets.append(
            {"target": label, "group": group, "value": value, "minimum": minimum, "passed": passed}
        )
    return {
        "questions": question_counts(rows),
        "ask_run": ask_run,
        "hit_k": HIT_K,
        "mrr_k": MRR_K,
        "groups": groups,
        "targets": targets,
        "intents": intent_distribution(rows) if ask_run else None,
        "worst_misses": {pair: worst_misses(rows, pair) for pair in ("same", "cross")},
    }


def render_summary(result: dict[str, Any]) -> str:
    """Return the tables of retrieval, routing, targets and latency."""
    return "\n".join(
        [
            "### Retrieval (answerable questions, ranked distinct docs)\n\n"
            + _retrieval_table(result),
            "### Answered or not\n\n" + _routing_table(result),
            "### Targets\n\n" + _targets_table(result),
            "### Ingest and warm search latency\n\n" + _latency_table(result),
        ]
    )


def render_report(result: dict[str, Any], *, include_misses: bool = True) -> str:
    """Return the benchmark's Markdown tables."""
    parts = [render_summary(result)]
    if result["ask_run"]:
        parts.append("### Actions per group\n\n" + _actions_table(result))
        parts.append("### Intents\n\n" + _intents_tables(result["intents"]))
    if include_misses:
        parts.append("### Worst retrieval misses (not in top 5)\n\n" + _misses_table(result))
    return "\n".join(parts)


def _retrieval_table(result: dict[str, Any]) -> str:
    rows = [
        [
            name,
            g["answerable"],
            g["hit_at_5"],
            g["baseline_hit_at_5"],
            g["mrr_at_10"],
            g["baseline_mrr_at_10"],
        ]
        for name, g in result["groups"].items()
    ]
    headers = ["group", "questions", "hit@5", "hit@5 BM25", "MRR@10", "MRR@10 BM25"]
    return markdown_table(headers, rows)


def _routing_table(result: dict[str, Any]) -> str:
    rows = [
        [
            name,
            g["answerable"],
            g.get("answered_share"),
            g["baseline_answered_share"],
            g["unanswerable"],
            g.get("not_answered_share"),
            g.get("clarify_share"),
            g["baseline_not_answered_share"],
        ]
        for name, g in result["groups"].items()
    ]
    headers = [
        "group",
        "answerable",
        "answered",
        "BM25 answered (any result)",
        "unanswerable",
        "not answered",
        "of which clarify",
        "BM25 not answered (no result)",
    ]
    return markdown_table(headers, rows)


def _targets_table(result: dict[str, Any]) -> str:
    rows = [
        [t["target"], t["group"], t["value"], f">= {t['minimum']}", t["passed"]]
        for t in result["targets"]
    ]
    return markdown_table(["target", "group", "measured", "target", "result"], rows)


def _latency_table(result: dict[str, Any]) -> str:
    ingests = {i["kb"]: i for i in result["ingest"]}
    rows = []
    for kb, ours in result["search_latency"].items():
        base = result["baseline_latency"][kb]
        rows.append(
            [
                kb,
                ingests[kb]["files"],
                ingests[kb]["chunks"],
                ingests[kb]["ingest_seconds"],
                ours["p50_ms"],
                ours["p95_ms"],
                ours["cpu_p95_ms"],
                base["chunks"],
                base["p50_ms"],
                base["p95_ms"],
                base["cpu_p95_ms"],
            ]
        )
    headers = [
        "KB",
        "files",
        "chunks",
        "ingest s",
        "search p50 ms",
        "search p95 ms",
        "search CPU p95 ms",
        "BM25 sections",
        "BM25 p50 ms",
        "BM25 p95 ms",
        "BM25 CPU p95 ms",
    ]
    return markdown_table(headers, rows)


def _actions_table(result: dict[str, Any]) -> str:
    actions = ["answer", "clarify", "open_ticket", "escalate", "handoff", "refuse"]
    rows = [
        [name, *(g["actions"].get(a, 0) for a in actions)] for name, g in result["groups"].items()
    ]
    return markdown_table(["group", *actions], rows)


def _intents_tables(intents: dict[str, Any]) -> str:
    overall = intents["overall"]
    by_language = intents["by_language"]
    rows = [
        [name, by_language["en"].get(name, 0), by_language["zh"].get(name, 0), count]
        for name, count in overall.items()
    ]
    table = markdown_table(["intent", "en", "zh", "total"], rows)
    category_rows = [
        [category, ", ".join(f"{name} {count}" for name, count in counts.items())]
        for category, counts in intents["by_category"].items()
    ]
    return table + "\n" + markdown_table(["labelled category", "intents (en + zh)"], category_rows)


def _misses_table(result: dict[str, Any]) -> str:
    rows = [
        [pair, m["id"], m["lang"], m["expected_doc"], m["rank"], m["first"]]
        for pair, misses in result["worst_misses"].items()
        for m in misses
    ]
    return markdown_table(["pair", "id", "lang", "expected doc", "rank", "ranked first"], rows)
