"""Stale KB articles, on a small KB with a changelog in each language."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.settings import Settings
from insights.stale_docs import StaleDocsReport, find_stale_docs
from retrieval.chunk_store import StoredChunk
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import write_kb

CHANGELOG_EN = """---
title: Release notes
module: general
tags: [changelog]
language: en
---
# Release notes

## 3.2 (current)

- **Gantt baselines** let you compare the plan with a snapshot.

## 3.1

- **GitLab integration** for GitLab 15.0 or later.

## 3.0

- **Gantt chart** with dependencies.

## Version summary

| Version | Changes |
| --- | --- |
| 3.2 | Kanban boards with swimlanes |
"""

CHANGELOG_ZH = """---
title: 更新日志
module: general
tags: [changelog]
language: zh
---
# 更新日志

## 3.2

- **看板泳道**：看板支持泳道。
"""


def _article(title: str, module: str, body: str, *, language: str = "en", **versions: str) -> str:
    version_lines = "".join(f'  {key}: "{value}"\n' for key, value in versions.items())
    front = f"versions:\n{version_lines}" if versions else ""
    return (
        f"---\ntitle: {title}\nmodule: {module}\n{front}language: {language}\n---\n"
        f"# {title}\n\n{body}\n"
    )


@pytest.fixture(scope="module")
def chunks(tmp_path_factory: pytest.TempPathFactory) -> list[StoredChunk]:
    root = tmp_path_factory.mktemp("stale-kb")
    folder = write_kb(
        root / "kb",
        {
            "en/changelog.md": CHANGELOG_EN,
            "zh/changelog.md": CHANGELOG_ZH,
            "en/gantt/old.md": _article(
                "Gantt basics", "gantt", "Drag a bar to move a task.", introduced_in="3.0"
            ),
            "en/gantt/updated.md": _article(
                "Gantt plans", "gantt", "Since 3.2 you can save a baseline.", introduced_in="3.0"
            ),
            "en/gantt/removed.md": _article(
                "Old Gantt print",
                "gantt",
                "Print the chart.",
                introduced_in="3.0",
                removed_in="3.1",
            ),
            "en/integrations/gitlab.md": _article(
                "GitLab", "integrations", "Works with GitLab 15.0.", introduced_in="3.0"
            ),
            "en/boards/board.md": _article(
                "Boards", "boards", "Cards move between columns.", introduced_in="3.0"
            ),
            "zh/boards/board.md": _article(
                "看板", "boards", "卡片在列之间移动。", language="zh", introduced_in="3.0"
            ),
            "en/tasks/undated.md": _article("Tasks", "tasks", "Create a task."),
        },
    )
    kb = KnowledgeBase(Settings(data_dir=root / "data"), "default.default")
    ingest_folder(kb, folder)
    try:
        return kb.chunk_store.all_chunks()
    finally:
        kb.close()


def _stale(report: StaleDocsReport) -> dict[str, tuple[str, str]]:
    return {doc.doc: (doc.described_version, doc.changed_in) for doc in report.stale}


def test_changelog_gives_releases_and_current_version(chunks: list[StoredChunk]) -> None:
    report = find_stale_docs(chunks)

    assert report.releases == ["3.0", "3.1", "3.2"]
    assert report.current_version == "3.2"
    assert report.checked_docs == 7
    assert report.unversioned_docs == 1


def test_article_predating_module_change_is_stale(chunks: list[StoredChunk]) -> None:
    report = find_stale_docs(chunks)

    assert _stale(report) == {
        "en/gantt/old.md": ("3.0", "3.2"),
        "en/integrations/gitlab.md": ("3.0", "3.1"),
        "zh/boards/board.md": ("3.0", "3.2"),
    }
    [gantt] = [doc for doc in report.stale if doc.doc == "en/gantt/old.md"]
    assert "Gantt baselines" in gantt.change


def test_module_changes_read_per_changelog_language(chunks: list[StoredChunk]) -> None:
    changes = {(c.module, c.language): c.version for c in find_stale_docs(chunks).module_changes}

    assert changes == {
        ("gantt", "en"): "3.2",
        ("integrations", "en"): "3.1",
        ("boards", "zh"): "3.2",
    }


def test_product_version_setting_ignores_later_releases(chunks: list[StoredChunk]) -> None:
    report = find_stale_docs(chunks, product_version="3.1")

    assert report.current_version == "3.1"
    assert _stale(report) == {"en/integrations/gitlab.md": ("3.0", "3.1")}


def test_invalid_product_version_is_rejected(chunks: list[StoredChunk]) -> None:
    with pytest.raises(InputError, match="invalid version 'three'"):
        find_stale_docs(chunks, product_version="three")


def test_kb_without_changelog_flags_nothing(chunks: list[StoredChunk]) -> None:
    articles = [chunk for chunk in chunks if "changelog" not in chunk.doc]

    report = find_stale_docs(articles)

    assert report.current_version is None
    assert report.releases == []
    assert report.stale == []
