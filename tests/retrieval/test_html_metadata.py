"""Metadata of HTML KB files from `<meta name>` tags and `<html lang>`, beside front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.domain import Language
from assistant.settings import Settings
from retrieval.documents import Document, SkippedFile, load_document, load_documents
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters
from tests.conftest import SAMPLE_KB, write_kb

SLACK_HTML = "en/integrations/slack-integration.html"
EN_BODY = "<h1>Create a board</h1><p>Open the Boards page of a project and click New board.</p>"
ZH_BODY = "<h1>创建看板</h1><p>在项目中打开“看板”页面，然后单击“新建看板”。看板按列显示任务。</p>"


def html_page(head: str, body: str = EN_BODY, *, html_tag: str = "<html>") -> str:
    return f"<!DOCTYPE html>\n{html_tag}\n<head>\n{head}\n</head>\n<body>{body}</body>\n</html>\n"


def load_html(root: Path, relative: str, content: str) -> Document:
    return load_document(write_kb(root, {relative: content}) / relative, root)


def skipped_file(root: Path, relative: str, content: str) -> SkippedFile:
    documents, skipped = load_documents(write_kb(root, {relative: content}))

    assert documents == []
    assert len(skipped) == 1
    assert skipped[0].doc == relative
    return skipped[0]


# --- meta tags -----------------------------------------------------------------------------


def test_meta_tags_set_every_field(tmp_path: Path) -> None:
    head = """<meta charset="utf-8">
<meta name="title" content="Boards overview">
<meta name="module" content="boards">
<meta name="roles" content="admin, member">
<meta name="introduced_in" content="3.0">
<meta name="removed_in" content="3.10">
<meta name="tags" content="boards, kanban">
<meta name="language" content="en">
<title>Boards - Northstar Help Center</title>"""

    document = load_html(tmp_path, "guides/page.html", html_page(head, ZH_BODY))

    assert document.title == "Boards overview"
    assert document.module == "boards"
    assert document.roles == ("admin", "member")
    assert document.introduced_in == "3.0"
    assert document.removed_in == "3.10"
    assert document.tags == ("boards", "kanban")
    assert document.language == "en"


def test_meta_names_are_case_insensitive(tmp_path: Path) -> None:
    head = '<META NAME="Module" CONTENT="Gantt">\n<meta name="INTRODUCED_IN" content="3.2">'

    document = load_html(tmp_path, "page.htm", html_page(head))

    assert document.module == "gantt"
    assert document.introduced_in == "3.2"


def test_keywords_meta_sets_tags(tmp_path: Path) -> None:
    head = '<meta name="keywords" content="board, kanban，看板">'

    document = load_html(tmp_path, "page.html", html_page(head))

    assert document.tags == ("board", "kanban", "看板")


def test_tags_meta_wins_over_keywords(tmp_path: Path) -> None:
    head = '<meta name="keywords" content="seo, words">\n<meta name="tags" content="board">'

    document = load_html(tmp_path, "page.html", html_page(head))

    assert document.tags == ("board",)


def test_meta_tags_absent_keep_inferred_metadata(tmp_path: Path) -> None:
    head = '<meta name="description" content="How to create a board">\n<meta name="module">'

    document = load_html(tmp_path, "boards/page.html", html_page(head))

    assert document.title == "Create a board"
    assert document.module == "boards"
    assert document.roles == ("admin", "member", "guest")
    assert document.introduced_in is None
    assert document.tags == ()
    assert document.language == "en"


def test_meta_tags_ignored_in_markdown_file(tmp_path: Path) -> None:
    content = '<meta name="module" content="billing">\n\n# Create a board\n\nOpen Boards.\n'

    document = load_html(tmp_path, "boards/page.md", content)

    assert document.module == "boards"


# --- front matter and meta tags together ---------------------------------------------------


def test_front_matter_wins_over_meta(tmp_path: Path) -> None:
    front_matter = """---
title: Front matter title
module: boards
versions: {introduced_in: "3.3"}
tags: [from-front-matter]
---
"""
    head = """<meta name="title" content="Meta title">
<meta name="module" content="gantt">
<meta name="introduced_in" content="3.1">
<meta name="removed_in" content="3.9">
<meta name="tags" content="from-meta">
<meta name="roles" content="admin">"""

    document = load_html(tmp_path, "page.html", front_matter + html_page(head))

    assert document.title == "Front matter title"
    assert document.module == "boards"
    assert document.introduced_in == "3.3"
    assert document.tags == ("from-front-matter",)
    assert document.removed_in == "3.9"
    assert document.roles == ("admin",)


def test_front_matter_hides_invalid_meta_value(tmp_path: Path) -> None:
    front_matter = "---\nmodule: boards\n---\n"
    head = '<meta name="module" content="spaceships">'

    document = load_html(tmp_path, "page.html", front_matter + html_page(head))

    assert document.module == "boards"


def test_version_order_checked_across_front_matter_and_meta(tmp_path: Path) -> None:
    front_matter = "---\nintroduced_in: '3.4'\n---\n"
    head = '<meta name="removed_in" content="3.2">'

    skipped = skipped_file(tmp_path, "page.html", front_matter + html_page(head))

    assert skipped.code == "version_order"
    assert skipped.reason == "removed_in '3.2' must be a later version than introduced_in '3.4'"


# --- titles --------------------------------------------------------------------------------


def test_title_prefers_h1_over_title_tag(tmp_path: Path) -> None:
    head = "<title>Create a board | Northstar Help Center</title>"

    document = load_html(tmp_path, "page.html", html_page(head))

    assert document.title == "Create a board"


def test_title_tag_used_without_h1(tmp_path: Path) -> None:
    head = "<title>Create a board</title>"

    document = load_html(tmp_path, "page.html", html_page(head, "<p>Open Boards.</p>"))

    assert document.title == "Create a board"


# --- <html lang> ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans", "zh"),
        ("ZH_tw", "zh"),
        ("en", "en"),
        ("en-US", "en"),
    ],
)
def test_html_lang_sets_language(tmp_path: Path, lang: str, expected: str) -> None:
    # The body is in the other language, so detection from the text cannot pass the test.
    body = EN_BODY if expected == "zh" else ZH_BODY

    document = load_html(
        tmp_path, "page.html", html_page("", body, html_tag=f'<html lang="{lang}">')
    )

    assert document.language == expected


def test_html_lang_unknown_falls_back_to_detection(tmp_path: Path) -> None:
    page = html_page("", ZH_BODY, html_tag='<html lang="fr">')

    document = load_html(tmp_path, "page.html", page)

    assert document.language == "zh"


def test_language_key_wins_over_html_lang(tmp_path: Path) -> None:
    meta_page = html_page(
        '<meta name="language" content="zh">', ZH_BODY, html_tag='<html lang="en">'
    )
    front_matter_page = "---\nlanguage: en\n---\n" + meta_page

    from_meta = load_html(tmp_path, "meta.html", meta_page)
    from_front_matter = load_html(tmp_path, "front.html", front_matter_page)

    assert from_meta.language == "zh"
    assert from_front_matter.language == "en"


# --- invalid meta values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "code", "english", "chinese"),
    [
        (
            '<meta name="module" content="spaceships">',
            "meta_unknown_module",
            "unknown module 'spaceships' in <meta name=\"module\">; use one of: tasks,",
            "<meta name=\"module\"> 中的模块 'spaceships' 无效，可选值为：tasks,",
        ),
        (
            '<meta name="roles" content="admin, owner">',
            "meta_unknown_roles",
            "unknown role(s) 'owner' in <meta name=\"roles\">; use admin, member, guest",
            "<meta name=\"roles\"> 中的角色 'owner' 无效，可选值为：admin, member, guest",
        ),
        (
            '<meta name="introduced_in" content="latest">',
            "meta_invalid_version",
            "invalid version 'latest' in <meta name=\"introduced_in\">; write it as MAJOR.MINOR",
            "<meta name=\"introduced_in\"> 中的版本 'latest' 无效，请写成 MAJOR.MINOR",
        ),
        (
            '<meta name="removed_in" content="3.x">',
            "meta_invalid_version",
            "invalid version '3.x' in <meta name=\"removed_in\">; write it as MAJOR.MINOR",
            "<meta name=\"removed_in\"> 中的版本 '3.x' 无效，请写成 MAJOR.MINOR",
        ),
        (
            '<meta name="language" content="fr">',
            "meta_unsupported_language",
            "unsupported language 'fr' in <meta name=\"language\">; use 'zh' or 'en'",
            "<meta name=\"language\"> 中的语言 'fr' 不受支持，请使用“zh”或“en”",
        ),
        (
            '<meta name="introduced_in" content="3.4">\n<meta name="removed_in" content="3.2">',
            "version_order",
            "removed_in '3.2' must be a later version than introduced_in '3.4'",
            "removed_in '3.2' 必须晚于 introduced_in '3.4'",
        ),
    ],
    ids=["module", "roles", "introduced-in", "removed-in", "language", "removed-first"],
)
def test_bad_meta_value_skips_file_with_reason(
    tmp_path: Path, meta: str, code: str, english: str, chinese: str
) -> None:
    skipped = skipped_file(tmp_path, "bad.html", html_page(meta))

    assert skipped.code == code
    assert skipped.reason.startswith(english)
    assert skipped.reason_in(Language.ZH).startswith(chinese)


# --- sample KB -----------------------------------------------------------------------------


def test_sample_slack_html_page_has_metadata_after_ingest(tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(data_dir=tmp_path / "data"), "sample")

    report = ingest_folder(kb, SAMPLE_KB)
    chunks = [chunk for chunk in kb.chunk_store.all_chunks() if chunk.doc == SLACK_HTML]
    in_version_3_0 = kb.search("How do I connect Slack?", SearchFilters(version="3.0"))
    kb.close()

    assert report.skipped == []
    assert chunks
    assert {chunk.introduced_in for chunk in chunks} == {"3.1"}
    assert {chunk.module for chunk in chunks} == {"integrations"}
    assert {chunk.roles for chunk in chunks} == {("admin", "member")}
    assert SLACK_HTML not in {hit.chunk.doc for hit in in_version_3_0.hits}
