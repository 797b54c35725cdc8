"""Related articles: ranking by shared tags, then module, then title, on a small KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
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
