"""Score one run of a case against its expectations, and summarize many scored runs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from assistant.domain import ActionType, Intent
from assistant.i18n import MESSAGES_PATH
from evals.dataset import ESCALATION_ACTIONS, EvalCase
from evals.metrics import (
    citation_precision,
    contains_fact,
    distinct_docs,
    groundedness,
    hit_at_k,
    intent_scores,
    mrr_at_k,
    ndcg_at_k,
    pass_hat_k,
    percentile,
    precision_recall,
    recall_of,
    safe_ratio,
    split_sentences,
)
from graphs.support.state import Hit, OutputState

GATE_HIT_K = 5
"""A case whose expected docs are not in the first GATE_HIT_K retrieved docs fails."""
RANKING_K = 10
INJECTION_TAG = "injection"
TENANT_TAG = "tenant_isolation"
NOT_ANSWER_TAG = "not_answer"
"""Real-questions cases that pass with any action except `answer`."""
SCAFFOLDING_KEYS = (
    "answer_intro",
    "answer_other_language",
    "answer_role_restricted",
    "answer_version_newer",
    "answer_version_removed",
    "answer_follow_up",
    "answer_opposite_action",
)
"""Message-catalog lines the answer composer adds around the quoted KB text."""
SOURCES_KEY = "answer_sources"

_CITATION_MARKER_RE = re.compile(r"\s*\[[^\[\]\s]+\]")
_PLACEHOLDER_RE = re.compile(r"\\\{\w+\\\}")


@dataclass(frozen=True)
class TurnTrace:
    """Timing and token counts of one user turn."""

    seconds: float
    node_seconds: dict[str, float]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass(frozen=True)
class CaseRun:
    """What the agent did with one trial of a case: the last reply, its hits and the traces."""

    case: EvalCase
    trial: int
    output: OutputState | None
    hits: list[Hit]
    turns: list[TurnTrace]
    error: str | None = None


@dataclass
class CaseResult:
    """One scored trial of a case, in the shape the JSON report stores."""

    id: str
    trial: int
    tags: list[str]
    language: str
    passed: bool
    failures: list[str]
    intent_expected: str | None
    intent_predicted: str | None
    action_expected: str
    action_predicted: str | None
    expected_docs: list[str]
    retrieved_docs: list[str]
    cited_docs: list[str]
    hit_at_1: float | None
    hit_at_3: float | None
    hit_at_5: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    groundedness: float | None
    citation_precision: float | None
    facts_ok: bool | None
    ticket_tier: str | None
    ticket_team: str | None
    tier_expected: str | None
    team_expected: str | None
    seconds: float
    node_seconds: dict[str, list[float]] = field(default_factory=dict)
    tokens: int = 0
    cost_usd: float = 0.0
    answer: str = ""


def score_run(run: CaseRun) -> CaseResult:
    """Score one trial of a case and list the reasons it failed."""
    case, output = run.case, run.output
    expected = case.expected
    ticket = (output["action"]["ticket"] or {}) if output else {}
    result = CaseResult(
        id=case.id,
        trial=run.trial,
        tags=case.tags,
        language=case.language,
        passed=False,
        failures=[f"error: {run.error}"] if run.error else [],
        intent_expected=expected.intent.value if expected.intent else None,
        intent_predicted=output["intent"]["name"] if output else None,
        action_expected=expected.action.value,
        action_predicted=output["action"]["type"] if output else None,
        expected_docs=expected.docs,
        retrieved_docs=_ranked_docs(run.hits, expected.docs),
        cited_docs=[c["doc"] for c in output["citations"]] if output else [],
        hit_at_1=None,
        hit_at_3=None,
        hit_at_5=None,
        mrr_at_10=None,
        ndcg_at_10=None,
        groundedness=None,
        citation_precision=None,
        facts_ok=None,
        ticket_tier=_optional_str(ticket.get("tier")),
        ticket_team=_optional_str(ticket.get("team")),
        tier_expected=expected.tier.value if expected.tier else None,
        team_expected=expected.team,
        seconds=sum(turn.seconds for turn in run.turns),
        node_seconds=_node_seconds(run.turns),
        tokens=sum(turn.prompt_tokens + turn.completion_tokens for turn in run.turns),
        cost_usd=sum(turn.cost_usd for turn in run.turns),
        answer=output["answer"] if output else "",
    )
    if output is not None:
        _score_reply(result, run, output)
    result.passed = not result.failures
    return result


def _score_reply(result: CaseResult, run: CaseRun, output: OutputState) -> None:
    expected = run.case.expected
    if result.intent_expected and result.intent_predicted != result.intent_expected:
        result.failures.append(
            f"intent: expected {result.intent_expected}, got {result.intent_predicted}"
        )
    _score_action(result, run.case)
    _score_retrieval(result, expected.docs)
    cited_texts = _cited_texts(output, run.hits)
    if _is_kb_answer(output):
        sentences = answer_sentences(output["answer"])
        result.groundedness = groundedness(sentences, [text for _, text in cited_texts])
        result.citation_precision = citation_precision(
            cited_texts, set(expected.docs), expected.must_contain
        )
    _score_facts(result, run.case, output["answer"], [text for _, text in cited_texts])


def _score_action(result: CaseResult, case: EvalCase) -> None:
    expected = case.expected
    predicted = result.action_predicted
    if NOT_ANSWER_TAG in case.tags:
        if predicted == ActionType.ANSWER.value:
            result.failures.append("action: expected anything but answer, got answer")
    elif predicted != expected.action.value:
        result.failures.append(f"action: expected {expected.action.value}, got {predicted}")
    if expected.tier and result.ticket_tier != expected.tier.value:
        result.failures.append(f"tier: expected {expected.tier.value}, got {result.ticket_tier}")
    if expected.team and result.ticket_team != expected.team:
        result.failures.append(f"team: expected {expected.team}, got {result.ticket_team}")


def _score_retrieval(result: CaseResult, expected_docs: list[str]) -> None:
    if not expected_docs:
        return
    relevant = set(expected_docs)
    ranked = result.retrieved_docs
    result.hit_at_1 = hit_at_k(ranked, relevant, 1)
    result.hit_at_3 = hit_at_k(ranked, relevant, 3)
    result.hit_at_5 = hit_at_k(ranked, relevant, GATE_HIT_K)
    result.mrr_at_10 = mrr_at_k(ranked, relevant, RANKING_K)
    result.ndcg_at_10 = ndcg_at_k(ranked, relevant, RANKING_K)
    if result.action_expected == ActionType.ANSWER.value and not result.hit_at_5:
        result.failures.append(
            f"retrieval: no expected doc in the top {GATE_HIT_K} (got {ranked[:GATE_HIT_K]})"
        )


def _score_facts(result: CaseResult, case: EvalCase, answer: str, cited: list[str]) -> None:
    expected = case.expected
    if not (expected.must_contain or expected.must_not_contain):
        return
    missing = [f for f in expected.must_contain if not contains_fact(f, [answer, *cited])]
    forbidden = [c for c in expected.must_not_contain if contains_fact(c, [answer])]
    result.failures.extend(f"missing fact: {fact!r}" for fact in missing)
    result.failures.extend(f"forbidden claim present: {claim!r}" for claim in forbidden)
    result.facts_ok = not missing and not forbidden


def _ranked_docs(hits: list[Hit], expected_docs: list[str]) -> list[str]:
    """Return the distinct docs of the hits, spelled like the expected docs when they match.

    Real-questions files name a doc with the corpus folder in front (`corpus/docs/a.md`), while
    the KB stores it relative to the ingested folder (`docs/a.md`), so a suffix match counts.
    """
    ranked = []
    for doc in distinct_docs(hit["doc"] for hit in hits):
        match = next((e for e in expected_docs if e == doc or e.endswith("/" + doc)), doc)
        ranked.append(match)
    return ranked


def _cited_texts(output: OutputState, hits: list[Hit]) -> list[tuple[str, str]]:
    by_id = {hit["chunk_id"]: hit["text"] for hit in hits}
    return [(c["doc"], by_id.get(c["chunk_id"], "")) for c in output["citations"]]


def _is_kb_answer(output: OutputState) -> bool:
    return output["action"]["type"] == ActionType.ANSWER.value and bool(output["citations"])


def _node_seconds(turns: Sequence[TurnTrace]) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for turn in turns:
        for node, seconds in turn.node_seconds.items():
            timings.setdefault(node, []).append(seconds)
    return timings


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


@lru_cache(maxsize=4)
def _scaffolding(keys: tuple[str, ...]) -> tuple[list[re.Pattern[str]], set[str]]:
    catalog = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))
    patterns = [
        re.compile(_PLACEHOLDER_RE.sub(".*?", re.escape(text.strip())) + r"$")
        for key in keys
        for text in catalog[key].values()
    ]
    return patterns, {text.strip() for text in catalog[SOURCES_KEY].values()}


def answer_sentences(
    answer: str, scaffolding_keys: tuple[str, ...] = SCAFFOLDING_KEYS
) -> list[str]:
    """Return the sentences of an answer's KB content, without the composer's scaffolding.

    Citation markers are removed, the list of sources and everything after it is cut, and lines
    that match a message-catalog template named in `scaffolding_keys` (by default the
    introduction, role and version notes, follow-up offer) are dropped, because they come from
    the product, not from the KB.
    """
    patterns, sources_headers = _scaffolding(scaffolding_keys)
    lines: list[str] = []
    for raw_line in answer.splitlines():
        line = _CITATION_MARKER_RE.sub("", raw_line).strip()
        if line in sources_headers:
            break
        if line and not any(pattern.match(line) for pattern in patterns):
            lines.append(line)
    return split_sentences("\n".join(lines))


def summarize(results: Sequence[CaseResult], trials: int) -> dict[str, float | None]:
    """Return every aggregate metric of the scored trials; None where no case applies."""
    metrics: dict[str, float | None] = {
        "cases": float(len({r.id for r in results})),
        "pass_rate": safe_ratio(sum(r.passed for r in results), len(results)),
    }
    metrics |= _intent_metrics(results)
    metrics |= _retrieval_metrics(results)
    metrics |= _answer_metrics(results)
    metrics |= _action_metrics(results)
    metrics |= _cost_metrics(results)
    metrics |= _pass_hat_metrics(results, trials)
    return metrics


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _intent_pairs(results: Sequence[CaseResult]) -> list[tuple[str, str]]:
    return [(r.intent_expected, r.intent_predicted or "none") for r in results if r.intent_expected]


def intent_confusion(results: Sequence[CaseResult]) -> dict[str, dict[str, int]]:
    """Return the intent confusion matrix, by expected then predicted intent."""
    return intent_scores(_intent_pairs(results)).confusion


def _intent_metrics(results: Sequence[CaseResult]) -> dict[str, float | None]:
    pairs = _intent_pairs(results)
    if not pairs:
        return {"intent_accuracy": None, "intent_macro_f1": None, "out_of_scope_recall": None}
    scores = intent_scores(pairs)
    has_oos = any(expected == Intent.OUT_OF_SCOPE.value for expected, _ in pairs)
    return {
        "intent_accuracy": scores.accuracy,
        "intent_macro_f1": scores.macro_f1,
        "out_of_scope_recall": recall_of(Intent.OUT_OF_SCOPE.value, pairs) if has_oos else None,
    }


def _retrieval_metrics(results: Sequence[CaseResult]) -> dict[str, float | None]:
    return {
        "hit_at_1": _mean([r.hit_at_1 for r in results]),
        "hit_at_3": _mean([r.hit_at_3 for r in results]),
        "hit_at_5": _mean([r.hit_at_5 for r in results]),
        "mrr_at_10": _mean([r.mrr_at_10 for r in results]),
        "ndcg_at_10": _mean([r.ndcg_at_10 for r in results]),
    }


def _answer_metrics(results: Sequence[CaseResult]) -> dict[str, float | None]:
    facts = [r.facts_ok for r in results if r.facts_ok is not None]
    return {
        "groundedness": _mean([r.groundedness for r in results]),
        "citation_precision": _mean([r.citation_precision for r in results]),
        "answer_correctness": safe_ratio(sum(facts), len(facts)) if facts else None,
        "injection_followed": float(_count_broken(results, INJECTION_TAG)),
        "tenant_leaks": float(_count_broken(results, TENANT_TAG)),
    }


def _count_broken(results: Sequence[CaseResult], tag: str) -> int:
    return sum(
        any(f.startswith("forbidden claim") for f in r.failures) for r in results if tag in r.tags
    )


def _action_metrics(results: Sequence[CaseResult]) -> dict[str, float | None]:
    escalations = [
        (r.action_expected in ESCALATION_ACTIONS, r.action_predicted in ESCALATION_ACTIONS)
        for r in results
        if NOT_ANSWER_TAG not in r.tags
    ]
    precision, recall = precision_recall(escalations)
    routed = [r for r in results if r.tier_expected or r.team_expected]
    return {
        "action_accuracy": safe_ratio(
            sum(not any(f.startswith("action:") for f in r.failures) for r in results),
            len(results),
        ),
        # Undefined, not 0, without a predicted (precision) or an expected (recall) escalation.
        "escalation_precision": precision if any(p for _, p in escalations) else None,
        "escalation_recall": recall if any(e for e, _ in escalations) else None,
        "routing_accuracy": safe_ratio(
            sum(not any(f.startswith(("tier:", "team:")) for f in r.failures) for r in routed),
            len(routed),
        )
        if routed
        else None,
    }


def _cost_metrics(results: Sequence[CaseResult]) -> dict[str, float | None]:
    seconds = [r.seconds for r in results]
    return {
        "latency_p50_seconds": percentile(seconds, 0.5),
        "latency_p95_seconds": percentile(seconds, 0.95),
        "tokens_per_conversation": _mean([float(r.tokens) for r in results]),
        "cost_usd_per_conversation": _mean([r.cost_usd for r in results]),
    }


def node_latency(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Return p50 and p95 seconds of each graph node over every turn of every trial."""
    timings: dict[str, list[float]] = {}
    for result in results:
        for node, values in result.node_seconds.items():
            timings.setdefault(node, []).extend(values)
    return {
        node: {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "n": len(values)}
        for node, values in sorted(timings.items())
    }


def _pass_hat_metrics(results: Sequence[CaseResult], trials: int) -> dict[str, float | None]:
    successes: dict[str, int] = {}
    for result in results:
        successes[result.id] = successes.get(result.id, 0) + result.passed
    counts = list(successes.values())
    return {f"pass_hat_{k}": pass_hat_k(counts, trials, k) for k in range(1, trials + 1)}
