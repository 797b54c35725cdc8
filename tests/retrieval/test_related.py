"""Related articles: ranking by shared tags, then module, then title, on a small KB, and the
confident retrieved articles suggested next to a ticket."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.related import RetrievedChunk, confident_articles
from tests.conftest import write_kb


def _article(title: str, module: str, tags: list[str], language: str = "en") -> str:
    return (
        f"---\ntitle: {title}\nmodule: {module}\ntags: [{', '.join(tags)}]\n"
        f"language: {language}\n---\n# {title}\n\nThis page explains {title.lower()} in detail.\n"
    )


@pytest.fixture
def related_kb(settings: Settings, tmp_path: Path) -> KnowledgeBase:
    folder = write_kb(
        tmp_path / "kb",
        {
            "gantt/baseline.md": _article("Set a baseline", "gantt", ["gantt", "baseline"]),
            "gantt/export.md": _article("Export a Gantt chart", "gantt", ["baseline", "export"]),
            "tasks/plan.md": _article("Plan tasks", "tasks", ["gantt", "baseline"]),
            "gantt/zoom.md": _article("Zoom the timeline", "gantt", []),
            "gantt/colors.md": _article("Color bars", "gantt", []),
            "billing/invoice.md": _article("Download an invoice", "billing", ["invoice"]),
            "zh/baseline.md": _article("设置基线", "gantt", ["gantt", "baseline"], "zh"),
        },
    )
    kb = KnowledgeBase(settings, "related")
    ingest_folder(kb, folder)
    return kb


def test_related_articles_ranking(
    related_kb: KnowledgeBase,
) -> None:
    related = related_kb.related_articles(["gantt/baseline.md"])

    assert related == [
        {"doc": "tasks/plan.md", "title": "Plan tasks"},
        {"doc": "gantt/export.md", "title": "Export a Gantt chart"},
        {"doc": "gantt/colors.md", "title": "Color bars"},
    ]


def test_related_articles_exclude_cited_docs_and_respect_limit(
    related_kb: KnowledgeBase,
) -> None:
    related = related_kb.related_articles(["gantt/baseline.md", "tasks/plan.md"], limit=2)

    docs = [article["doc"] for article in related]
    assert docs == ["gantt/export.md", "gantt/colors.md"]


def test_related_articles_skip_other_languages_and_unrelated_modules(
    related_kb: KnowledgeBase,
) -> None:
    related = related_kb.related_articles(["gantt/baseline.md"], limit=10)

    docs = {article["doc"] for article in related}
    assert "zh/baseline.md" not in docs
    assert "billing/invoice.md" not in docs
    assert "gantt/zoom.md" in docs


def test_related_articles_ignore_tags_spanning_many_modules(
    settings: Settings, tmp_path: Path
) -> None:
    folder = write_kb(
        tmp_path / "kb",
        {
            "gantt/slow.md": _article("Gantt is slow", "gantt", ["troubleshooting", "gantt"]),
            "gantt/print.md": _article("Print a Gantt chart", "gantt", ["gantt"]),
            "boards/empty.md": _article("Board is empty", "boards", ["troubleshooting"]),
            "sso/fails.md": _article("SSO login fails", "admin", ["troubleshooting"]),
            "billing/card.md": _article("Card declined", "billing", ["troubleshooting"]),
        },
    )
    kb = KnowledgeBase(settings, "generic-tags")
    ingest_folder(kb, folder)

    related = kb.related_articles(["gantt/slow.md"], limit=10)

    assert [article["doc"] for article in related] == ["gantt/print.md"]


def test_related_articles_prefer_the_reply_language(related_kb: KnowledgeBase) -> None:
    related = related_kb.related_articles(["gantt/baseline.md"], language="zh")

    assert related[0] == {"doc": "zh/baseline.md", "title": "设置基线"}
    assert {"doc": "tasks/plan.md", "title": "Plan tasks"} in related


def test_related_articles_empty_for_unknown_doc(related_kb: KnowledgeBase) -> None:
    assert related_kb.related_articles(["missing.md"]) == []
    assert related_kb.related_articles([]) == []


def test_related_articles_filter_role_version(settings: Settings, tmp_path: Path) -> None:
    header = "---\ntitle: {title}\nmodule: gantt\ntags: [gantt]\nlanguage: en\n{extra}---\n"
    body = "# {title}\n\nThis page explains {title} in detail.\n"

    def article(title: str, extra: str = "") -> str:
        return header.format(title=title, extra=extra) + body.format(title=title)

    folder = write_kb(
        tmp_path / "kb",
        {
            "gantt/baseline.md": article("Set a baseline"),
            "gantt/admin.md": article("Lock the schedule", "roles: [admin]\n"),
            "gantt/new.md": article(
                "Critical path", 'versions:\n  introduced_in: "3.5"\n  removed_in: null\n'
            ),
            "gantt/old.md": article(
                "Classic Gantt", 'versions:\n  introduced_in: "3.0"\n  removed_in: "3.2"\n'
            ),
        },
    )
    kb = KnowledgeBase(settings, "related-roles")
    ingest_folder(kb, folder)

    everything = {a["doc"] for a in kb.related_articles(["gantt/baseline.md"], limit=10)}
    member_on_34 = {
        a["doc"]
        for a in kb.related_articles(["gantt/baseline.md"], limit=10, role="member", version="3.4")
    }
    admin_on_35 = {
        a["doc"]
        for a in kb.related_articles(["gantt/baseline.md"], limit=10, role="admin", version="3.5")
    }

    assert everything == {"gantt/admin.md", "gantt/new.md", "gantt/old.md"}
    assert member_on_34 == set()
    assert admin_on_35 == {"gantt/admin.md", "gantt/new.md"}


MIN_CONFIDENCE = 0.35


def _hit(doc: str, confidence: float, **changes: object) -> RetrievedChunk:
    hit = RetrievedChunk(
        doc=doc,
        title=f"Title of {doc}",
        confidence=confidence,
        language="en",
        roles=[],
        introduced_in=None,
        removed_in=None,
    )
    return hit | changes  # type: ignore[return-value]


def test_confident_articles_distinct_by_confidence() -> None:
    hits = [
        _hit("a.md", 0.5),
        _hit("low.md", 0.2),
        _hit("a.md", 0.7),
        _hit("b.md", 0.9),
        _hit("d.md", 0.4),
        _hit("e.md", 0.36),
    ]

    articles = confident_articles(hits, MIN_CONFIDENCE)

    assert articles == [
        {"doc": "b.md", "title": "Title of b.md"},
        {"doc": "a.md", "title": "Title of a.md"},
        {"doc": "d.md", "title": "Title of d.md"},
    ]


def test_confident_articles_none_confident() -> None:
    hits = [_hit("a.md", 0.34), _hit("b.md", 0.1)]

    assert confident_articles(hits, MIN_CONFIDENCE) == []
    assert confident_articles([], MIN_CONFIDENCE) == []


def test_confident_articles_filter_role_version() -> None:
    hits = [
        _hit("admin.md", 0.9, roles=["admin"]),
        _hit("new.md", 0.8, introduced_in="3.5"),
        _hit("old.md", 0.7, introduced_in="3.0", removed_in="3.2"),
        _hit("guest.md", 0.6, roles=["admin", "member", "guest"]),
        _hit("anyone.md", 0.5),
    ]

    guest_on_34 = confident_articles(hits, MIN_CONFIDENCE, role="guest", version="3.4")
    admin_on_35 = confident_articles(hits, MIN_CONFIDENCE, role="admin", version="3.5")

    assert [a["doc"] for a in guest_on_34] == ["guest.md", "anyone.md"]
    assert [a["doc"] for a in admin_on_35] == ["admin.md", "new.md", "guest.md"]


def test_confident_articles_prefer_reply_language() -> None:
    hits = [_hit("en/sso.md", 0.9), _hit("zh/sso.md", 0.6, language="zh")]
    english_only = [_hit("en/sso.md", 0.9)]

    in_chinese = confident_articles(hits, MIN_CONFIDENCE, language="zh")
    no_chinese_hit = confident_articles(english_only, MIN_CONFIDENCE, language="zh")

    assert [a["doc"] for a in in_chinese] == ["zh/sso.md"]
    assert [a["doc"] for a in no_chinese_hit] == ["en/sso.md"]
