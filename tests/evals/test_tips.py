"""Tip eval suite: its dataset, and a scorer that catches each broken rule."""

from __future__ import annotations

from assistant.domain import Language, Role
from assistant.onboarding.catalog import shipped_catalog
from assistant.onboarding.ranking import TipReason
from assistant.onboarding.service import TipArticle, TipList, TipPublic
from evals.tips import TipCase, TipExpected, load_tip_cases, score_tips, summarize_tips
from tests.conftest import SAMPLE_KB
from tests.onboarding.conftest import topics_of

MIN_TIP_CASES = 20


def _tip(tip_id: str, doc: str, title: str) -> TipPublic:
    return TipPublic(
        id=tip_id,
        feature="x",
        text="text",
        article=TipArticle(doc=doc, title=title, url=None),
        reasons=[TipReason.UNUSED_FEATURE],
        rewritten=False,
    )


def _listed(*tips: TipPublic, role: Role = Role.MEMBER, version: str = "3.4") -> TipList:
    return TipList(
        user_id="u1",
        language=Language.EN,
        role=role,
        persona=None,
        product_version=version,
        tips=list(tips),
    )


def _case(**changes: object) -> TipCase:
    return TipCase.model_validate(
        {"id": "c1", "language": "en", "expected": TipExpected()} | changes
    )


SSO = ("sso", "en/admin/sso-saml.md", "Set up SAML single sign-on (SSO)")
BOARDS = (
    "boards-wip-limits",
    "en/boards/kanban-boards.md",
    "Boards: columns, swimlanes and WIP limits",
)


def test_tip_dataset_has_enough_valid_cases() -> None:
    cases = load_tip_cases()

    assert len(cases) >= MIN_TIP_CASES
    catalog = shipped_catalog()
    for case in cases:
        for tip_id in [*case.expected.include, *case.expected.exclude, *case.dismissed]:
            assert catalog.tip(tip_id) is not None, f"{case.id}: unknown tip {tip_id}"
        for event in case.events:
            catalog.check_feature(event.feature)


def test_score_tips_passes_correct_listing() -> None:
    topics = topics_of(SAMPLE_KB)
    case = _case(expected={"first": "boards-wip-limits", "exclude": ["sso"]})

    result = score_tips(case, _listed(_tip(*BOARDS)), shipped_catalog(), topics, 0.01)

    assert result.passed, result.failures


def test_score_tips_flags_expectations_and_rule_breaks() -> None:
    topics = topics_of(SAMPLE_KB)
    case = _case(dismissed=["boards-wip-limits"], expected={"include": ["timers"], "count": 1})
    listed = _listed(_tip(*BOARDS), _tip(*SSO), version="3.2")

    result = score_tips(case, listed, shipped_catalog(), topics, 0.01)

    assert not result.passed
    assert "missing tip 'timers'" in result.failures
    assert "count: expected 1 tips, got 2" in result.failures
    assert result.rule_violations == 2, result.failures
    assert "tip 'boards-wip-limits': was dismissed" in result.failures
    assert "tip 'sso': is not for role member" in result.failures


def test_score_tips_flags_bad_citations() -> None:
    topics = topics_of(SAMPLE_KB)
    listed = _listed(
        _tip("sso", "en/admin/sso-saml.md", "Another title"),
        _tip("timers", "en/missing.md", "Missing"),
        _tip("boards-wip-limits", "zh/boards/kanban-boards.md", "看板：列、泳道与 WIP 限制"),
        role=Role.ADMIN,
    )

    result = score_tips(_case(), listed, shipped_catalog(), topics, 0.01)
    metrics = summarize_tips([result])

    assert result.citation_errors == 3, result.failures
    assert metrics["tips_citation_validity"] == 0.0
    assert any("not in the KB" in failure for failure in result.failures)
    assert any("although the KB has en/boards/kanban-boards.md" in f for f in result.failures)
