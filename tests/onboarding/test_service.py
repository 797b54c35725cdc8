"""Onboarding service: profiles and defaults, dismissals, tour, and LLM rewriting with fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.domain import Language, Role
from assistant.llm import LLMClient
from assistant.onboarding.catalog import Catalog, UnknownChoiceError
from assistant.onboarding.ranking import TipReason
from assistant.onboarding.rewrite import MAX_REWRITE_CHARS, RewriteRequest, TipRewriter
from assistant.onboarding.service import (
    OnboardingService,
    TipNotFoundError,
    TipQuery,
    UsageEventInput,
)
from assistant.onboarding.store import OnboardingStore, TourStatus
from assistant.prompts import render_prompt
from assistant.settings import Settings
from assistant.turns import TurnDraft, TurnStore
from retrieval.related import DocumentTopic

MODEL = "openai/gpt-4o-mini"
REWRITTEN = "Keep bottlenecks visible: cap each board column with a WIP limit."


def _service(
    store: OnboardingStore, catalog: Catalog, llm: LLMClient | None = None, url: str = ""
) -> OnboardingService:
    return OnboardingService(store, catalog, TipRewriter(llm), url)


def _mock_llm(tmp_path: Path, mock_response: object) -> LLMClient:
    settings = Settings(data_dir=tmp_path, llm_model=MODEL)
    return LLMClient(settings, extra={"mock_response": mock_response})


def test_tips_use_stored_profile_when_query_has_none(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    service = _service(store, catalog)
    event = UsageEventInput(
        user_id="u1",
        feature="tasks",
        role=Role.ADMIN,
        persona="workspace_admin",
        product_version="3.2",
    )
    service.record_event("acme", event)

    tips = service.tips("acme", TipQuery(user_id="u1", language=Language.EN), sample_topics)

    assert tips.role is Role.ADMIN
    assert tips.persona == "workspace_admin"
    assert tips.product_version == "3.2"
    assert tips.tips[0].id == "sso"


def test_tips_query_overrides_stored_profile(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    service = _service(store, catalog)
    service.record_event("acme", UsageEventInput(user_id="u1", feature="tasks", role=Role.ADMIN))

    query = TipQuery(user_id="u1", language=Language.EN, role=Role.GUEST, product_version="3.1")
    tips = service.tips("acme", query, sample_topics)

    assert tips.role is Role.GUEST
    assert tips.persona == "guest", "guests default to the guest persona"
    assert tips.product_version == "3.1"
    assert "sso" not in [tip.id for tip in tips.tips]


def test_tips_default_to_member_and_current_version(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    tips = _service(store, catalog).tips(
        "acme", TipQuery(user_id="new", language=Language.ZH), sample_topics
    )

    assert tips.role is Role.MEMBER
    assert tips.product_version == catalog.current_version
    assert tips.tips, "a new member gets tips"
    for tip in tips.tips:
        assert tip.article.doc.startswith("zh/"), tip.id
        assert tip.text
        assert tip.rewritten is False


def test_record_event_rejects_unknown_feature_and_persona(
    store: OnboardingStore, catalog: Catalog
) -> None:
    service = _service(store, catalog)

    with pytest.raises(UnknownChoiceError):
        service.record_event("acme", UsageEventInput(user_id="u1", feature="teleport"))
    with pytest.raises(UnknownChoiceError):
        service.record_event(
            "acme", UsageEventInput(user_id="u1", feature="tasks", persona="astronaut")
        )
    assert store.feature_usage("acme", "u1").used == frozenset()


def test_dismiss_unknown_tip_raises_not_found(store: OnboardingStore, catalog: Catalog) -> None:
    with pytest.raises(TipNotFoundError):
        _service(store, catalog).dismiss("acme", "u1", "no-such-tip")


def test_dismissed_tip_never_returns(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    service = _service(store, catalog)
    query = TipQuery(user_id="u1", language=Language.EN, limit=20)
    first = service.tips("acme", query, sample_topics).tips[0].id

    service.dismiss("acme", "u1", first)

    for persona in catalog.personas:
        query = TipQuery(user_id="u1", language=Language.EN, persona=persona, limit=20)
        assert first not in [tip.id for tip in service.tips("acme", query, sample_topics).tips]


def test_tour_is_shown_until_finished(store: OnboardingStore, catalog: Catalog) -> None:
    service = _service(store, catalog)

    tour = service.tour("acme", "u1", Language.ZH)
    assert tour.show is True
    assert tour.status is None
    assert 3 <= len(tour.steps) <= 5
    assert tour.steps[0].title == "提出问题"

    finished = service.finish_tour("acme", "u1", TourStatus.COMPLETED, Language.EN, 5)
    assert finished.show is False
    assert finished.status is TourStatus.COMPLETED
    assert service.tour("acme", "u1", Language.EN).show is False
    assert service.tour("beta", "u1", Language.EN).show is True


def test_tip_url_uses_help_center(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    service = _service(store, catalog, url="https://help.example.com/kb/")

    tip = service.tips("acme", TipQuery(user_id="u1", language=Language.EN), sample_topics).tips[0]

    assert tip.article.url == f"https://help.example.com/kb/{tip.article.doc}"


def test_tips_are_rewritten_by_llm_when_configured(
    tmp_path: Path,
    store: OnboardingStore,
    catalog: Catalog,
    sample_topics: dict[str, DocumentTopic],
) -> None:
    service = _service(store, catalog, _mock_llm(tmp_path, REWRITTEN))

    tips = service.tips("acme", TipQuery(user_id="u1", language=Language.EN), sample_topics)

    assert all(tip.rewritten for tip in tips.tips)
    assert all(tip.text == REWRITTEN for tip in tips.tips)


@pytest.mark.parametrize(
    "mock_response",
    ["litellm.RateLimitError", "", "x" * (MAX_REWRITE_CHARS + 1)],
    ids=["provider-error", "empty-reply", "too-long-reply"],
)
def test_tips_keep_catalog_text_when_llm_fails(
    tmp_path: Path,
    store: OnboardingStore,
    catalog: Catalog,
    sample_topics: dict[str, DocumentTopic],
    mock_response: str,
) -> None:
    service = _service(store, catalog, _mock_llm(tmp_path, mock_response))

    tips = service.tips("acme", TipQuery(user_id="u1", language=Language.EN), sample_topics)

    for tip in tips.tips:
        entry = catalog.tip(tip.id)
        assert entry is not None
        assert tip.rewritten is False
        assert tip.text == entry.text.en


def test_rewriter_reuses_result_for_same_request(tmp_path: Path) -> None:
    request = RewriteRequest("sso", "Set up SSO.", "SSO", Language.EN, Role.ADMIN, None)
    rewriter = TipRewriter(_mock_llm(tmp_path, "first reply"))

    assert rewriter.rewrite(request) == "first reply"
    rewriter._llm = _mock_llm(tmp_path, "second reply")

    assert rewriter.rewrite(request) == "first reply"


def test_rewriter_without_model_keeps_catalog_text() -> None:
    request = RewriteRequest("sso", "Set up SSO.", "SSO", Language.EN, Role.ADMIN, None)

    assert TipRewriter(None).rewrite(request) is None


def test_rewrite_prompt_names_language_role_and_persona() -> None:
    prompt = render_prompt(
        "onboarding_tip",
        language_name="Simplified Chinese",
        max_chars=MAX_REWRITE_CHARS,
        role="guest",
        persona="project manager",
        article_title="访客能做什么",
    )

    assert "Write in Simplified Chinese" in prompt
    assert "They are a guest in the product, working as a project manager" in prompt
    assert "访客能做什么" in prompt


def _turn(user_id: str, cited_docs: tuple[str, ...]) -> TurnDraft:
    return TurnDraft(
        tenant="acme",
        kb="acme.default",
        channel="api",
        conversation_id="c1",
        user_id=user_id,
        user_role="member",
        product_version="3.4",
        language="en",
        intent="how_to",
        intent_confidence=0.9,
        action="answer",
        ticket_id=None,
        retrieval_confidence=0.8,
        kb_unanswered=False,
        module="time_tracking",
        question="How do I submit my timesheet?",
        cited_docs=cited_docs,
        created_at=datetime.now(UTC),
    )


def test_tips_count_cited_articles_as_asked(
    store: OnboardingStore, catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    turns = TurnStore(store.url)
    turns.record(_turn("u1", ("en/time_tracking/timesheets-and-reports.md",)))
    turns.record(_turn("someone-else", ("en/integrations/github-gitlab.md",)))
    service = OnboardingService(store, catalog, TipRewriter(None), turns=turns)
    try:
        query = TipQuery(user_id="u1", language=Language.EN, persona="developer", limit=20)
        tips = service.tips("acme", query, sample_topics).tips
    finally:
        turns.close()

    ids = [tip.id for tip in tips]
    timers = tips[ids.index("timers")]
    assert TipReason.RELATED_TO_QUESTIONS in timers.reasons
    assert ids[0] == "timers", "a tip next to the user's question comes first"
    git = tips[ids.index("git-integration")]
    assert TipReason.RELATED_TO_QUESTIONS not in git.reasons, "another user's turn"
    assert ids.index("timesheets") > ids.index("webhooks-api"), "asked about, so later"
