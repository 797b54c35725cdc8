"""Eval suite of onboarding tips: which user gets which tip, in which order, citing which article.

Each case is a user (role, persona, version, language), the usage events and dismissals to
store first, and the tip ids that must or must not be listed. The suite stores them through
the real onboarding service in the eval database and lists the tips against the eval KB.
Besides the case's expectations, it checks the rules every listed tip must follow. The tip's
roles and versions allow the user, and the user has not dismissed it. Its article is in the KB
under the same title and is written for the user's role and version. The article is in the
user's language when the KB has a fitting article in that language.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import Language, Role
from assistant.onboarding.catalog import Catalog, shipped_catalog
from assistant.onboarding.rewrite import TipRewriter
from assistant.onboarding.service import (
    MAX_TIPS_LIMIT,
    OnboardingService,
    TipList,
    TipPublic,
    TipQuery,
    UsageEventInput,
)
from assistant.onboarding.store import EventKind, OnboardingStore
from assistant.settings import Settings
from assistant.tenants import kb_tenant
from evals.dataset import load_models
from evals.metrics import safe_ratio
from evals.runner import SuiteResult
from retrieval.knowledge_base import KnowledgeBase
from retrieval.related import DocumentTopic, document_topics
from retrieval.versions import is_available

TIPS_DATASET = Path(__file__).resolve().parent / "datasets" / "tips" / "tips.v1.jsonl"
SUITE_NAME = "tips"


class TipCaseUser(BaseModel):
    """The user of a case. A missing field comes from the stored events or the defaults."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    persona: str | None = None
    product_version: str | None = None


class TipCaseEvent(BaseModel):
    """A usage event stored before the tips are listed."""

    model_config = ConfigDict(extra="forbid")

    feature: str
    kind: EventKind = EventKind.USED
    role: Role | None = None
    persona: str | None = None
    product_version: str | None = None


class TipExpected(BaseModel):
    """Expected tips of a case."""

    model_config = ConfigDict(extra="forbid")

    include: list[str] = Field(default_factory=list)
    """Tip ids that must be listed."""
    exclude: list[str] = Field(default_factory=list)
    """Tip ids that must not be listed."""
    first: str | None = None
    """Tip id that must be listed first."""
    count: int | None = None
    """Exact number of tips, when the case checks it."""


class TipCase(BaseModel):
    """One user state and the tips it must get."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int = 1
    """Version of the case; bump it when the expectation changes."""
    language: Language
    user: TipCaseUser = Field(default_factory=TipCaseUser)
    events: list[TipCaseEvent] = Field(default_factory=list)
    dismissed: list[str] = Field(default_factory=list)
    limit: int = Field(default=MAX_TIPS_LIMIT, ge=1, le=MAX_TIPS_LIMIT)
    expected: TipExpected
    tags: list[str] = Field(default_factory=list)
    source: str = ""
    """File and line the case was loaded from."""


@dataclass
class TipCaseResult:
    """One scored case, in the shape of the report's cases. `suite` names the suite."""

    id: str
    tags: list[str]
    language: str
    passed: bool
    failures: list[str]
    answer: str
    """The listed tip ids, best first."""
    cited_docs: list[str]
    tips_shown: int
    citation_errors: int
    """Listed tips whose article is missing, retitled, or not for the user's role, version
    or language."""
    rule_violations: int
    """Listed tips that the user's role, version or dismissals should have hidden."""
    seconds: float
    expected_docs: list[str] = field(default_factory=list)
    trial: int = 0
    suite: str = SUITE_NAME


def load_tip_cases(path: Path = TIPS_DATASET) -> list[TipCase]:
    """Load and validate the tip cases of a JSON Lines file.

    Raises:
        DatasetError: naming the file and line of the first invalid case or duplicate id.
    """
    return load_models(path, TipCase, "tip case")


def run_tip_suite(settings: Settings, kb_name: str, tags: Sequence[str] = ()) -> SuiteResult:
    """List the tips of every case (with a tag in `tags`, when given) and score them.

    Events and dismissals are stored in the ticket database of `settings`, for the tenant of
    `kb_name`, under a user id per case.
    """
    cases = [case for case in load_tip_cases() if not tags or set(tags) & set(case.tags)]
    if not cases:
        return SuiteResult(metrics={})
    tenant = kb_tenant(kb_name)
    kb = KnowledgeBase.open_existing(settings, kb_name)
    try:
        topics = document_topics(kb.chunk_store.all_chunks())
    finally:
        kb.close()
    store = OnboardingStore(settings.resolved_database_url)
    service = OnboardingService(store, shipped_catalog(), TipRewriter(None))
    try:
        results = [_run_case(case, tenant, service, topics) for case in cases]
    finally:
        store.close()
    return SuiteResult(metrics=summarize_tips(results), cases=[asdict(r) for r in results])


def _run_case(
    case: TipCase, tenant: str, service: OnboardingService, topics: dict[str, DocumentTopic]
) -> TipCaseResult:
    started = time.perf_counter()
    user_id = f"eval-tips-{case.id}"
    for event in case.events:
        service.record_event(
            tenant,
            UsageEventInput(
                user_id=user_id,
                feature=event.feature,
                kind=event.kind,
                role=event.role,
                persona=event.persona,
                product_version=event.product_version,
            ),
        )
    for tip_id in case.dismissed:
        service.dismiss(tenant, user_id, tip_id)
    query = TipQuery(
        user_id=user_id,
        language=case.language,
        role=case.user.role,
        persona=case.user.persona,
        product_version=case.user.product_version,
        limit=case.limit,
    )
    listed = service.tips(tenant, query, topics)
    return score_tips(case, listed, service.catalog, topics, time.perf_counter() - started)


def score_tips(
    case: TipCase,
    listed: TipList,
    catalog: Catalog,
    topics: dict[str, DocumentTopic],
    seconds: float,
) -> TipCaseResult:
    """Score the tips listed for a case and list the reasons it failed."""
    ids = [tip.id for tip in listed.tips]
    expected = case.expected
    failures = [f"missing tip {tip_id!r}" for tip_id in expected.include if tip_id not in ids]
    failures += [f"unexpected tip {tip_id!r}" for tip_id in expected.exclude if tip_id in ids]
    if expected.first is not None and ids[:1] != [expected.first]:
        failures.append(f"first tip: expected {expected.first!r}, got {ids[:1]}")
    if expected.count is not None and len(ids) != expected.count:
        failures.append(f"count: expected {expected.count} tips, got {len(ids)}")

    citation_errors = 0
    rule_violations = 0
    for tip in listed.tips:
        citation_problems = _citation_problems(tip, listed, catalog, topics)
        rule_problems = _rule_problems(tip, listed, catalog, set(case.dismissed))
        citation_errors += bool(citation_problems)
        rule_violations += bool(rule_problems)
        failures += [f"tip {tip.id!r}: {problem}" for problem in citation_problems + rule_problems]

    return TipCaseResult(
        id=case.id,
        tags=case.tags,
        language=case.language.value,
        passed=not failures,
        failures=failures,
        answer=", ".join(ids),
        cited_docs=[tip.article.doc for tip in listed.tips],
        tips_shown=len(ids),
        citation_errors=citation_errors,
        rule_violations=rule_violations,
        seconds=seconds,
    )


def _citation_problems(
    tip: TipPublic, listed: TipList, catalog: Catalog, topics: dict[str, DocumentTopic]
) -> list[str]:
    topic = topics.get(tip.article.doc)
    if topic is None:
        return [f"cites {tip.article.doc}, which is not in the KB"]
    problems = []
    if topic.title != tip.article.title:
        problems.append(f"cites title {tip.article.title!r}, the KB has {topic.title!r}")
    if listed.role.value not in topic.roles:
        problems.append(f"cites {topic.doc}, which is not for role {listed.role.value}")
    if not is_available(topic.introduced_in, topic.removed_in, listed.product_version):
        problems.append(f"cites {topic.doc}, which is not for version {listed.product_version}")
    entry = catalog.tip(tip.id)
    own_doc = None if entry is None else entry.docs.in_order_of(listed.language)[0]
    own_topic = None if own_doc is None else topics.get(own_doc)
    # The ranking falls back to the other language when the user's article is missing or is
    # not for their role or version, so only a fitting article of their language is required.
    fits = (
        own_topic is not None
        and listed.role.value in own_topic.roles
        and is_available(own_topic.introduced_in, own_topic.removed_in, listed.product_version)
    )
    if fits and tip.article.doc != own_doc:
        problems.append(f"cites {tip.article.doc} although the KB has {own_doc}")
    return problems


def _rule_problems(
    tip: TipPublic, listed: TipList, catalog: Catalog, dismissed: set[str]
) -> list[str]:
    entry = catalog.tip(tip.id)
    if entry is None:
        return ["is not in the catalog"]
    problems = []
    if listed.role not in entry.roles:
        problems.append(f"is not for role {listed.role.value}")
    if not entry.applies_to(listed.product_version):
        problems.append(f"does not apply to version {listed.product_version}")
    if tip.id in dismissed:
        problems.append("was dismissed")
    return problems


def summarize_tips(results: Sequence[TipCaseResult]) -> dict[str, float | None]:
    """Return the suite's metrics, each prefixed with `tips_`."""
    shown = sum(r.tips_shown for r in results)
    cited_ok = shown - sum(r.citation_errors for r in results)
    return {
        "tips_cases": float(len(results)),
        "tips_pass_rate": safe_ratio(sum(r.passed for r in results), len(results)),
        "tips_citation_validity": safe_ratio(cited_ok, shown) if shown else None,
        "tips_rule_violations": float(sum(r.rule_violations for r in results)),
    }
