"""Tip choice and order: role, version, dismissals, KB articles, language and ranking."""

from __future__ import annotations

import dataclasses
from typing import Any

from assistant.domain import Language, Role
from assistant.onboarding.catalog import Catalog
from assistant.onboarding.ranking import TipAudience, TipReason, rank_tips
from assistant.onboarding.store import FeatureUsage
from retrieval.related import DocumentTopic


def _ids(catalog: Catalog, topics: dict[str, DocumentTopic], audience: TipAudience) -> list[str]:
    return [ranked.tip.id for ranked in rank_tips(catalog, audience, topics)]


def _member(**changes: Any) -> TipAudience:
    audience = TipAudience(role=Role.MEMBER, persona=None, version="3.4", language=Language.EN)
    return dataclasses.replace(audience, **changes)


def test_rank_tips_hides_features_newer_than_user_version(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    ids = _ids(catalog, sample_topics, _member(version="3.3"))

    assert "recurring-tasks" not in ids, "recurring tasks came in 3.4"
    assert "quiet-hours" not in ids
    assert "boards-wip-limits" in ids


def test_rank_tips_hides_removed_features(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    assert "classic-boards" in _ids(catalog, sample_topics, _member(version="3.2"))
    assert "classic-boards" not in _ids(catalog, sample_topics, _member(version="3.3"))
    assert "classic-boards" not in _ids(catalog, sample_topics, _member(version="3.4.1"))


def test_rank_tips_shows_own_release_notes(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    ids = _ids(catalog, sample_topics, _member(version="3.3"))

    assert "whats-new-3.3" in ids
    assert "whats-new-3.2" not in ids
    assert "whats-new-3.4" not in ids


def test_rank_tips_filters_by_product_role(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    member_ids = _ids(catalog, sample_topics, _member())
    guest_ids = _ids(catalog, sample_topics, _member(role=Role.GUEST))
    admin_ids = _ids(catalog, sample_topics, _member(role=Role.ADMIN))

    assert "sso" not in member_ids
    assert "sso" in admin_ids
    assert "guest-basics" in guest_ids
    assert "guest-basics" not in member_ids
    for tip_id in guest_ids:
        tip = catalog.tip(tip_id)
        assert tip is not None
        assert Role.GUEST in tip.roles, tip_id


def test_rank_tips_excludes_dismissed_tips(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    before = _ids(catalog, sample_topics, _member())
    after = _ids(catalog, sample_topics, _member(dismissed=frozenset({before[0]})))

    assert before[0] not in after
    assert after == before[1:]


def test_rank_tips_puts_unused_features_before_used_ones(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    first = _ids(catalog, sample_topics, _member(persona="developer"))[0]
    first_tip = catalog.tip(first)
    assert first_tip is not None
    usage = FeatureUsage(used=frozenset({first_tip.feature}))

    ranked = rank_tips(catalog, _member(persona="developer", usage=usage), sample_topics)

    used_positions = [i for i, r in enumerate(ranked) if r.tip.feature == first_tip.feature]
    unused_positions = [i for i, r in enumerate(ranked) if r.tip.feature != first_tip.feature]
    assert min(used_positions) > max(unused_positions)
    assert TipReason.UNUSED_FEATURE not in ranked[-1].reasons


def test_rank_tips_puts_persona_tips_first(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    developer = rank_tips(catalog, _member(persona="developer"), sample_topics, limit=3)
    manager = rank_tips(catalog, _member(persona="project_manager"), sample_topics, limit=3)

    assert developer[0].tip.id == "git-integration"
    assert [r.tip.id for r in manager[:2]] == ["recurring-tasks", "gantt-baselines"]
    assert TipReason.NEW_IN_VERSION in manager[0].reasons, "recurring tasks came in 3.4"
    for ranked in developer:
        assert "developer" in ranked.tip.personas, ranked.tip.id
        assert TipReason.PERSONA_MATCH in ranked.reasons


def test_rank_tips_prefers_newer_features(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    audience = _member(role=Role.ADMIN, persona="workspace_admin", version="3.3")

    fresh = _ids(catalog, sample_topics, dataclasses.replace(audience, first_version="3.3"))
    upgraded = _ids(catalog, sample_topics, dataclasses.replace(audience, first_version="3.1"))

    assert fresh[0] == "ip-allowlist", "3.3 is the user's version, so its feature is new"
    assert fresh.index("sso") > fresh.index("roles-permissions"), "3.2 is old news on 3.3"
    assert set(upgraded[:3]) == {"sso", "ip-allowlist", "audit-log"}, "all came after 3.1"
    assert upgraded[:3] == ["sso", "audit-log", "ip-allowlist"], "then by priority"


def test_rank_tips_marks_tips_near_what_user_asked(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    usage = FeatureUsage(asked=frozenset({"timesheets"}))

    ranked = rank_tips(catalog, _member(persona="developer", usage=usage), sample_topics)
    ids = [r.tip.id for r in ranked]

    timers = ranked[ids.index("timers")]
    assert TipReason.RELATED_TO_QUESTIONS in timers.reasons
    assert ids.index("timers") < ids.index("git-integration")
    assert ids.index("timesheets") > ids.index("create-task"), "asked-about tips come later"


def test_rank_tips_skips_missing_article(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    topics = {doc: topic for doc, topic in sample_topics.items() if "gantt-baselines" not in doc}

    assert "gantt-baselines" in _ids(catalog, sample_topics, _member())
    assert "gantt-baselines" not in _ids(catalog, topics, _member())


def test_rank_tips_skips_article_for_other_role(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    narrowed = dict(sample_topics)
    for doc in ("en/tasks/recurring-tasks.md", "zh/tasks/recurring-tasks.md"):
        narrowed[doc] = dataclasses.replace(sample_topics[doc], roles=("admin",))

    assert "recurring-tasks" not in _ids(catalog, narrowed, _member())
    assert "recurring-tasks" in _ids(catalog, narrowed, _member(role=Role.ADMIN))


def test_rank_tips_article_language_fallback(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    audience = _member(role=Role.ADMIN, language=Language.ZH)

    articles = {r.tip.id: r.article for r in rank_tips(catalog, audience, sample_topics)}

    assert articles["sso"].doc == "zh/admin/sso-saml.md"
    assert articles["sso"].title == "配置 SAML 单点登录（SSO）"
    assert articles["ip-allowlist"].doc == "en/admin/ip-allowlist.md", "no Chinese article"


def test_rank_tips_respects_limit(
    catalog: Catalog, sample_topics: dict[str, DocumentTopic]
) -> None:
    everything = _ids(catalog, sample_topics, _member())

    limited = [r.tip.id for r in rank_tips(catalog, _member(), sample_topics, limit=2)]

    assert limited == everything[:2]
