"""Run eval cases through the support graph in worker threads and score every trial.

Each trial is its own conversation. Node latencies come from streaming the graph's updates: the
graph runs its nodes one after another, so the time between two updates is the time of the node
that produced the second one.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph.state import CompiledStateGraph

from assistant.domain import Intent, Language, Priority, Tier
from assistant.errors import AssistantError
from assistant.llm import price_usd
from assistant.settings import Settings
from assistant.tenants import conversation_thread_id, kb_tenant
from assistant.tickets import TicketStore
from assistant.tickets.schemas import TicketDraft
from assistant.tokens import count_tokens
from assistant.validation import validate_message
from evals.arguments import DEFAULT_WORKERS
from evals.dataset import EvalCase
from evals.scoring import CaseResult, CaseRun, TurnTrace, score_run
from graphs.support.context import AgentContext
from graphs.support.graph import build_graph
from graphs.support.service import SupportAgent
from graphs.support.state import InputState, OutputState, State, UserContext
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB_DIR = REPOSITORY_ROOT / "samples" / "kb"
OTHER_TENANT_DIR = Path(__file__).resolve().parent / "fixtures" / "other_tenant"
EVAL_TENANT = "eval"
OTHER_TENANT = "evalother"
SAMPLE_KB_NAME = f"{EVAL_TENANT}.samples"
OTHER_KB_NAME = f"{OTHER_TENANT}.private"
OTHER_TENANT_TICKET_SUBJECT = (
    "PROJECT-KESTREL-4471 SSO outage at kestrel.admin@acme-private.example"
)
"""Subject of a ticket seeded in another tenant; no answer of the eval tenant may contain it."""

Graph = CompiledStateGraph[State, AgentContext, InputState, OutputState]
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RunOptions:
    """How to run the cases."""

    kb_name: str | None = None
    """Existing KB to run against; None ingests the sample KB into a temporary data dir."""
    model: str | None = None
    """litellm model string; None keeps the configured engine."""
    repeat: int = 1
    workers: int = DEFAULT_WORKERS


@contextmanager
def eval_environment(settings: Settings, options: RunOptions) -> Iterator[tuple[Settings, str]]:
    """Yield the settings and KB name to run on, ingesting the samples when no KB is given.

    Without a KB name, a temporary data dir receives the sample KB for the eval tenant, plus a
    private KB and a ticket of another tenant for the tenant-isolation cases. The directory is
    removed afterwards.
    """
    if options.model is not None:
        settings = settings.model_copy(update={"llm_model": options.model})
    if options.kb_name is not None:
        yield settings, options.kb_name
        return
    data_dir = Path(tempfile.mkdtemp(prefix="assistant-eval-"))
    try:
        settings = settings.model_copy(update={"data_dir": data_dir, "database_url": ""})
        _seed_data_dir(settings)
        yield settings, SAMPLE_KB_NAME
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _seed_data_dir(settings: Settings) -> None:
    started = time.perf_counter()
    for name, folder in ((SAMPLE_KB_NAME, SAMPLE_KB_DIR), (OTHER_KB_NAME, OTHER_TENANT_DIR)):
        kb = KnowledgeBase(settings, name)
        try:
            ingest_folder(kb, folder)
        finally:
            kb.close()
    store = TicketStore(settings.resolved_database_url)
    try:
        store.create(
            TicketDraft(
                tenant=OTHER_TENANT,
                requester="kestrel.admin@acme-private.example",
                subject=OTHER_TENANT_TICKET_SUBJECT,
                description=OTHER_TENANT_TICKET_SUBJECT,
                intent=Intent.OUTAGE,
                module="admin",
                tier=Tier.L2,
                priority=Priority.URGENT,
                language=Language.EN,
            )
        )
    finally:
        store.close()
    logger.info("eval data dir seeded in %.1f s", time.perf_counter() - started)


def run_cases(
    cases: Sequence[EvalCase],
    settings: Settings,
    kb_name: str,
    options: RunOptions,
    progress: ProgressCallback | None = None,
) -> list[CaseResult]:
    """Run every case `options.repeat` times in worker threads and return the scored trials."""
    tenant = kb_tenant(kb_name, default=EVAL_TENANT)
    agent = SupportAgent(settings, kb_name, channel="cli", tenant=tenant)
    graph: Graph = build_graph(InMemorySaver())
    trials = [(case, trial) for trial in range(options.repeat) for case in cases]
    done = 0
    results: list[CaseResult] = []
    try:
        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            runs = pool.map(lambda item: run_case(graph, agent.context, *item), trials)
            for run in runs:
                results.append(score_run(run))
                done += 1
                if progress is not None:
                    progress(done, len(trials))
    finally:
        agent.close()
    return results


def run_case(graph: Graph, context: AgentContext, case: EvalCase, trial: int) -> CaseRun:
    """Send the case's turns in one new conversation and keep the last reply and its hits."""
    thread_id = conversation_thread_id(context.tenant, f"{case.id}-{trial}-{uuid.uuid4().hex}")
    config: Any = {"configurable": {"thread_id": thread_id}}
    user = UserContext(
        id=f"eval-{case.id}",
        role=case.role.value,
        locale="zh-CN" if case.language == "zh" else "en",
    )
    if case.product_version:
        user["product_version"] = case.product_version
    turns: list[TurnTrace] = []
    try:
        for message in case.conversation:
            turns.append(_run_turn(graph, context, config, validate_message(message), user))
    except AssistantError as exc:
        return CaseRun(case, trial, None, [], turns, error=f"{type(exc).__name__}: {exc}")
    values = cast(State, graph.get_state(config).values)
    output = OutputState(
        answer=values["answer"],
        language=values["language"],
        intent=values["intent"],
        action=values["action"],
        citations=values["citations"],
        related=values.get("related", []),
    )
    return CaseRun(case, trial, output, list(values.get("hits", [])), turns)


def _run_turn(
    graph: Graph, context: AgentContext, config: Any, message: str, user: UserContext
) -> TurnTrace:
    node_seconds: dict[str, float] = {}
    started = last = time.perf_counter()
    updates = graph.stream(
        {"message": message, "user": user}, config=config, context=context, stream_mode="updates"
    )
    for update in updates:
        now = time.perf_counter()
        for node in cast(dict[str, Any], update):
            node_seconds[node] = node_seconds.get(node, 0.0) + now - last
        last = now
    seconds = time.perf_counter() - started
    values = cast(State, graph.get_state(config).values)
    prompt_text = "\n".join([message, *(hit["text"] for hit in values.get("hits", []))])
    prompt_tokens = count_tokens(prompt_text)
    completion_tokens = count_tokens(values.get("answer", ""))
    cost = _cost_usd(context.settings, prompt_tokens, completion_tokens)
    return TurnTrace(seconds, node_seconds, prompt_tokens, completion_tokens, cost)


def _cost_usd(settings: Settings, prompt_tokens: int, completion_tokens: int) -> float:
    """Estimate the LLM cost of a turn with litellm's price table; 0 for the embedded engine.

    The prompt estimate is the message plus the retrieved chunks, which is what the answer
    prompt carries; the intent-classification call of an LLM setup is not counted.
    """
    if not settings.llm_model:
        return 0.0
    price = price_usd(settings.llm_model, prompt_tokens, completion_tokens)
    if price is None:
        _warn_unpriced(settings.llm_model)
        return 0.0
    return price


@lru_cache(maxsize=8)
def _warn_unpriced(model: str) -> None:
    logger.warning("no litellm price for model %s; cost counted as 0", model)


# ---- suites beside the support graph's cases ---------------------------------------------
# Features other than the chat graph score their own cases on the same seeded data dir. Each
# suite returns metrics under its own prefix and report cases marked with their `suite`.


@dataclass(frozen=True)
class SuiteResult:
    """Metrics and report cases of one suite that runs beside the support graph's cases."""

    metrics: dict[str, float | None] = field(default_factory=dict)
    cases: list[dict[str, Any]] = field(default_factory=list)


Suite = Callable[[Settings, str, Sequence[str]], SuiteResult]
"""A suite takes the settings, the KB name and the `--tag` filter (empty for every case)."""


def extra_suites() -> list[Suite]:
    """Return the suites that run after the support graph's cases, on the sample KB."""
    # Imported here because the suites import this module for `SuiteResult`.
    from evals.drafts import run_draft_suite
    from evals.tips import run_tip_suite

    return [run_draft_suite, run_tip_suite]


def run_extra_suites(settings: Settings, kb_name: str, tags: Sequence[str]) -> SuiteResult:
    """Run every extra suite and merge their metrics and report cases."""
    merged = SuiteResult()
    for suite in extra_suites():
        result = suite(settings, kb_name, tags)
        merged.metrics.update(result.metrics)
        merged.cases.extend(result.cases)
    return merged


class ProgressBar:
    """A plain-text progress bar on stderr, redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self._label = label
        self._started = time.perf_counter()
        self._last_line = -1

    def __call__(self, done: int, total: int) -> None:
        """Draw the bar for `done` of `total` items."""
        filled = self.WIDTH * done // total if total else self.WIDTH
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        elapsed = time.perf_counter() - self._started
        line = f"{self._label} [{bar}] {done}/{total} {elapsed:5.1f}s"
        if sys.stderr.isatty():
            sys.stderr.write("\r" + line + ("\n" if done == total else ""))
        elif done == total or done * 10 // max(total, 1) != self._last_line:
            sys.stderr.write(line + "\n")
            self._last_line = done * 10 // max(total, 1)
        sys.stderr.flush()
