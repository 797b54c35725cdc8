"""Hybrid search: normalization, cross-language terms, filters and empty queries."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.doc_index import translation_key
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters, _chroma_where
from tests.conftest import write_kb


@pytest.fixture
def kb(settings: Settings, small_kb_dir: Path) -> KnowledgeBase:
    knowledge_base = KnowledgeBase(settings, "default")
    ingest_folder(knowledge_base, small_kb_dir)
    return knowledge_base


def _docs(kb: KnowledgeBase, query: str, filters: SearchFilters | None = None) -> list[str]:
    return [hit.chunk.doc for hit in kb.search(query, filters).hits]


@pytest.mark.parametrize(
    "query",
    ["SAML 单点登录", "ＳＡＭＬ　单点登录", "saml 单点登录", "Ｓａｍｌ单点登录"],
    ids=["ascii", "full-width", "lower-case", "mixed-width"],
)
def test_search_matches_width_and_case_variants(kb: KnowledgeBase, query: str) -> None:
    assert _docs(kb, query)[0] == "zh/admin/sso.md"


def test_search_finds_chinese_doc_for_english_query_through_glossary(kb: KnowledgeBase) -> None:
    result = kb.search("single sign-on setup")

    assert result.hits[0].chunk.doc == "zh/admin/sso.md"


@pytest.mark.parametrize("query", ["the what of", "的 了 吗？", "？？！！", "...", "   "])
def test_search_with_only_stop_words_returns_no_terms(kb: KnowledgeBase, query: str) -> None:
    result = kb.search(query)

    assert result.hits == []
    assert result.no_results_reason == "no_terms"


def test_search_without_matching_chunk_returns_no_match(kb: KnowledgeBase) -> None:
    result = kb.search("create a board", SearchFilters(module="billing"))

    assert result.hits == []
    assert result.no_results_reason == "no_match"


@pytest.mark.parametrize(
    ("query", "unknown"),
    [
        ("zzqx kumquat", ["zzqx", "kumquat"]),
        (
            "Configure the quantum flux capacitor on Jupiter",
            ["quantum", "flux", "capacitor", "Jupiter"],
        ),
    ],
)
def test_search_unknown_words_returns_unknown_terms(
    kb: KnowledgeBase, query: str, unknown: list[str]
) -> None:
    result = kb.search(query)

    assert result.hits == []
    assert result.no_results_reason == "unknown_terms"
    assert result.unknown_terms == unknown


def test_search_one_unknown_word_keeps_results(kb: KnowledgeBase) -> None:
    result = kb.search("How do I create a board for my bakery?")

    assert result.hits[0].chunk.doc == "en/boards/create-board.md"


def test_search_chinese_question_words_keep_results(settings: Settings, tmp_path: Path) -> None:
    folder = write_kb(
        tmp_path / "kb",
        {"zh/account/avatar.md": "# 头像\n\n上传头像：点击个人资料，选择图片，大小不超过 5 MB。\n"},
    )
    knowledge_base = KnowledgeBase(settings, "default")
    ingest_folder(knowledge_base, folder)

    # 最大 and 多大 are in no page; jieba also cuts 头像图片 as one word, which no page has.
    for question in ("头像最大多大？", "头像图片最大可以多大？"):
        result = knowledge_base.search(question)

        assert [hit.chunk.doc for hit in result.hits] == ["zh/account/avatar.md"], question


def test_search_glossary_words_count_as_known(kb: KnowledgeBase) -> None:
    # The KB has no English page on single sign-on; the glossary carries the question over.
    result = kb.search("single sign-on setup")

    assert result.no_results_reason is None


def test_role_filter_hides_admin_only_docs_from_guests(kb: KnowledgeBase) -> None:
    assert "zh/admin/sso.md" in _docs(kb, "单点登录 SAML")
    assert "zh/admin/sso.md" not in _docs(kb, "单点登录 SAML", SearchFilters(role="guest"))


def test_version_filter_follows_introduced_and_removed(kb: KnowledgeBase) -> None:
    old = _docs(kb, "boards cards", SearchFilters(version="3.1"))
    new = _docs(kb, "boards cards", SearchFilters(version="3.4"))

    assert "en/boards/classic-boards.md" in old
    assert "en/boards/create-board.md" not in old
    assert "en/boards/create-board.md" in new
    assert "en/boards/classic-boards.md" not in new


def test_module_and_language_filters(kb: KnowledgeBase) -> None:
    assert set(_docs(kb, "board 看板 SSO", SearchFilters(language="zh"))) == {"zh/admin/sso.md"}
    assert set(_docs(kb, "board SSO", SearchFilters(module="boards"))) <= {
        "en/boards/create-board.md",
        "en/boards/classic-boards.md",
    }


def test_confidence_is_high_for_a_matching_question(kb: KnowledgeBase) -> None:
    hit = kb.search("how do I create a new board").hits[0]

    assert hit.chunk.doc == "en/boards/create-board.md"
    assert 0.5 <= hit.confidence <= 1.0


def test_search_returns_at_most_two_chunks_per_doc(kb: KnowledgeBase) -> None:
    docs = _docs(kb, "board 单点登录 classic SAML template")

    assert all(docs.count(doc) <= 2 for doc in docs)


@pytest.mark.parametrize(
    "filters",
    [SearchFilters(), SearchFilters(role="guest"), SearchFilters(language="zh")],
    ids=["none", "guest", "zh"],
)
def test_dense_scan_ranks_like_chroma(kb: KnowledgeBase, filters: SearchFilters) -> None:
    retriever = kb.retriever()
    query = "How do I save a baseline of the Gantt chart?"
    mask = retriever._filter_mask(filters)

    scanned = retriever._dense_similarities(query, filters, mask)
    vector = kb.embedder.embed([query])[0]
    queried = kb.vector_store.query(vector, len(scanned), _chroma_where(filters))

    assert scanned
    assert [hit.chunk_id for hit in queried][:5] == list(scanned)[:5]
    for hit in queried:
        assert scanned[hit.chunk_id] == pytest.approx(hit.similarity, abs=1e-4)


def test_concurrent_first_search_shares_retriever(settings: Settings, small_kb_dir: Path) -> None:
    ingest_folder(KnowledgeBase(settings, "shared"), small_kb_dir)
    kb = KnowledgeBase(settings, "shared")
    barrier = threading.Barrier(8)

    def first_search(_: int) -> tuple[int, int]:
        barrier.wait()
        result = kb.search("SAML 单点登录", SearchFilters())
        return id(kb.retriever()), len(result.hits)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(first_search, range(8)))

    assert len({retriever for retriever, _ in outcomes}) == 1
    assert all(hits > 0 for _, hits in outcomes)


SERVED_KB = "default.served"
"""The CLI's `--kb served` is the default tenant's KB."""


def test_search_sees_other_process_ingest(settings: Settings, tmp_path: Path) -> None:
    folder = write_kb(
        tmp_path / "kb",
        {"gantt/baseline.md": "# Baselines\n\nSave a baseline from the Gantt toolbar.\n"},
    )
    ingest_folder(KnowledgeBase(settings, SERVED_KB), folder)
    served = KnowledgeBase(settings, SERVED_KB)
    assert _docs(served, "Gantt baseline") == ["gantt/baseline.md"]

    (folder / "gantt/baseline.md").unlink()
    (folder / "sprints/velocity.md").parent.mkdir(parents=True)
    (folder / "sprints/velocity.md").write_text(
        "# Velocity\n\nThe velocity chart sums the story points of each sprint.\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "cli.main", "ingest", str(folder), "--kb", SERVED_KB]
    command.append("--prune")
    env = os.environ | {"ASSISTANT_DATA_DIR": str(settings.data_dir)}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)

    assert _docs(served, "velocity chart story points") == ["sprints/velocity.md"]
    assert "gantt/baseline.md" not in _docs(served, "Gantt baseline")


def test_search_counts_repeated_query_word_once(kb: KnowledgeBase) -> None:
    once = kb.search("board SSO")
    repeated = kb.search("board board board SSO")

    assert [(h.chunk.chunk_id, h.score) for h in repeated.hits] == [
        (h.chunk.chunk_id, h.score) for h in once.hits
    ]


@pytest.fixture
def bilingual_kb(settings: Settings, tmp_path: Path) -> KnowledgeBase:
    folder = write_kb(
        tmp_path / "bilingual",
        {
            "en/admin/ip-allowlist.md": (
                "---\ntitle: IP allowlist\nmodule: admin\n---\n# IP allowlist\n\n"
                "Add an IP allowlist range so sign-in works only from your office network.\n"
            ),
            "en/admin/audit-log.md": (
                "---\ntitle: Audit log\nmodule: admin\n---\n# Audit log\n\n"
                "The audit log lists sign-in events and settings changes.\n"
            ),
            "zh/admin/audit-log.md": (
                "---\ntitle: 审计日志\nmodule: admin\n---\n# 审计日志\n\n"
                "审计日志记录登录事件、来源 IP 和设置变更。\n"
            ),
            "zh/account/profile.md": (
                "---\ntitle: 个人资料\nmodule: account\n---\n# 个人资料\n\n"
                "在个人资料中设置头像、语言和时区。\n"
            ),
        },
    )
    knowledge_base = KnowledgeBase(settings, "bilingual")
    ingest_folder(knowledge_base, folder)
    return knowledge_base


def test_untranslated_page_keeps_its_rank(
    bilingual_kb: KnowledgeBase,
) -> None:
    result = bilingual_kb.search("怎么设置 IP 白名单")

    assert result.hits[0].chunk.doc == "en/admin/ip-allowlist.md"
    assert result.hits[0].topic_match


def test_translated_page_still_yields_to_the_query_language(bilingual_kb: KnowledgeBase) -> None:
    assert _docs(bilingual_kb, "审计日志 登录")[0] == "zh/admin/audit-log.md"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("en/admin/sso.md", "zh/admin/sso.md"),
        ("en/integrations/slack.html", "zh/integrations/slack.md"),
        ("zh-CN/guide/start.txt", "en/guide/start.md"),
    ],
    ids=["same-format", "html-and-markdown", "text-and-markdown"],
)
def test_translations_share_a_key_whatever_their_format(first: str, second: str) -> None:
    assert translation_key(first) == translation_key(second)


def test_other_names_get_other_keys() -> None:
    assert translation_key("en/admin/sso.md") != translation_key("zh/admin/sso-setup.md")


def test_two_formats_quoted_once(settings: Settings, tmp_path: Path) -> None:
    body = "Open **Settings > Integrations > Slack** and click **Add to Slack** to connect Slack."
    html = (
        "<html><head><title>Slack</title></head><body><h1>Slack</h1><p>Open <b>Settings &gt; "
        "Integrations &gt; Slack</b> and click <b>Add to Slack</b> to connect Slack.</p>"
        "</body></html>"
    )
    root = write_kb(tmp_path / "kb", {"slack.md": f"# Slack\n\n{body}\n", "slack.html": html})
    knowledge_base = KnowledgeBase(settings, "default")
    ingest_folder(knowledge_base, root)

    hits = knowledge_base.search("How do I connect Slack?").hits

    assert len(hits) == 1, [hit.chunk.chunk_id for hit in hits]


def test_translations_rank_other_language_chunks(
    sample_kb: KnowledgeBase,
) -> None:
    # The Chinese GitHub page keeps English words (account, user) that are also the glossary's
    # translations of 账号 and 关联. They must not lift its chunks above the Chinese Slack
    # page that answers the question.
    hits = sample_kb.search("Slack 提示你的 Slack 账号尚未关联 Northstar").hits

    assert hits[0].chunk.doc == "zh/integrations/slack-integration.md"
