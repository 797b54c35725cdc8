"""The semantic reranker: vectors stored per chunk at ingest, pages reordered at search."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from assistant.settings import Settings
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import RERANK_KEEP, SearchHit
from retrieval.semantic import (
    DIMENSIONS,
    OPENMP_SPIN_COUNT,
    PASSAGE_MAX_TOKENS,
    QUERY_MAX_TOKENS,
    SEMANTIC_ID,
    SemanticEncoder,
    query_keywords,
    semantic_encoder,
)
from tests.conftest import SAMPLE_KB, write_kb

REFUNDS = """# Refunds

We return the payment for the unused months when a subscription is cancelled within 30 days.
"""
BUDGETS = """# Budgets

Track the money spent in each project and get a budget report every month.
"""
EXPORT_ZH = """# 导出任务

在任务列表中点击“导出”，选择 CSV 或 Excel 格式即可下载全部任务。
"""


def _kb(tmp_path: Path, *, semantic: bool = True) -> KnowledgeBase:
    """A KB named `t` in the test's folder, with the reranker on unless `semantic` is false."""
    return KnowledgeBase(Settings(data_dir=tmp_path / "data", semantic_rerank=semantic), "t")


def _chunk_ids(kb: KnowledgeBase) -> set[str]:
    return {chunk.chunk_id for chunk in kb.chunk_store.all_chunks()}


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "kb",
        {
            "billing/refunds.md": REFUNDS,
            "billing/budgets.md": BUDGETS,
            "tasks/export.md": EXPORT_ZH,
        },
    )


def test_ingest_stores_one_unit_vector_per_chunk(tmp_path: Path, kb_folder: Path) -> None:
    kb = _kb(tmp_path)

    ingest_folder(kb, kb_folder)

    vectors = kb.chunk_store.semantic_vectors()
    assert set(vectors) == _chunk_ids(kb)
    for vector in vectors.values():
        assert vector.shape == (DIMENSIONS,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)
    assert kb.chunk_store.get_meta("semantic_id") == SEMANTIC_ID


def test_changed_and_removed_files_replace_their_vectors(tmp_path: Path, kb_folder: Path) -> None:
    kb = _kb(tmp_path)
    ingest_folder(kb, kb_folder)
    old_ids = _chunk_ids(kb)
    (kb_folder / "billing" / "refunds.md").write_text(
        REFUNDS + "\nAnnual plans are refunded pro rata.\n", encoding="utf-8"
    )
    (kb_folder / "billing" / "budgets.md").unlink()

    ingest_folder(kb, kb_folder, prune=True)

    new_ids = _chunk_ids(kb)
    assert new_ids != old_ids
    assert set(kb.chunk_store.semantic_vectors()) == new_ids


def test_ingest_adds_vectors_missing_since_off(tmp_path: Path, kb_folder: Path) -> None:
    ingest_folder(_kb(tmp_path, semantic=False), kb_folder)
    kb = _kb(tmp_path)
    assert kb.chunk_store.semantic_vectors() == {}
    assert kb.search("How do I get my money back?").hits

    report = ingest_folder(kb, kb_folder)

    assert len(report.unchanged) == 3
    assert set(kb.chunk_store.semantic_vectors()) == _chunk_ids(kb)


def test_vectors_of_another_model_are_replaced(tmp_path: Path, kb_folder: Path) -> None:
    kb = _kb(tmp_path)
    ingest_folder(kb, kb_folder)
    store = kb.chunk_store
    with store.transaction():
        ids = sorted(_chunk_ids(kb))
        store.add_semantic_vectors(ids, np.zeros((len(ids), DIMENSIONS), dtype=np.float32))
        store.set_meta("semantic_id", "an-older-model/16")

    ingest_folder(kb, kb_folder)

    assert store.get_meta("semantic_id") == SEMANTIC_ID
    assert all(np.linalg.norm(v) > 0.9 for v in store.semantic_vectors().values())


def test_passages_are_cut_to_the_token_budget() -> None:
    encoder = semantic_encoder()
    long_text = "Boards show cards in columns. " * 40

    full = encoder.passages([long_text])
    cut = encoder.passages([long_text[:200]])

    assert full.shape == (1, DIMENSIONS)
    # Both texts start alike and are cut to the same budget, so they embed alike.
    assert float(full[0] @ cut[0]) > 0.99
    assert PASSAGE_MAX_TOKENS < 64


@pytest.mark.parametrize(
    ("question", "keywords"),
    [
        (
            "When I push a task's end date later, how do I set that up?",
            "push task's end date later set",
        ),
        ("如何设置v3.4的甘特图基线？", "设置 v3.4 甘特图基线"),
        ("我们用 Docker Compose 部署", "用 Docker Compose 部署"),
        ("How do I do it?", ""),
    ],
    ids=["english", "chinese-with-version", "mixed", "stop-words-only"],
)
def test_question_is_embedded_by_its_content_words(question: str, keywords: str) -> None:
    assert query_keywords(question) == keywords


def test_long_question_is_cut_to_the_query_budget() -> None:
    encoder = semantic_encoder()
    question = "Why does the dependent task not move when I change dates in the Gantt chart? " * 5

    vector = encoder.query(question)

    # The question's content words, cut to the budget, embed exactly as the whole question.
    keywords = query_keywords(question)
    words = keywords.split()
    budget_cuts = [
        " ".join(words[:n])
        for n in range(1, len(words) + 1)
        if encoder._model.token_count(" ".join(words[:n]), True) <= QUERY_MAX_TOKENS
    ]
    assert encoder._model.token_count(keywords, True) > QUERY_MAX_TOKENS
    assert float(vector @ encoder._model.query(budget_cuts[-1])) > 0.99
    assert float(vector @ encoder._model.query(keywords)) < 0.999


def test_question_of_stop_words_is_embedded_whole() -> None:
    encoder = semantic_encoder()

    vector = encoder.query("How do I do it?")

    assert float(vector @ encoder._model.query("How do I do it?")) > 0.999


def test_query_matches_passage_in_other_language() -> None:
    encoder = semantic_encoder()
    export_zh, refunds_en = encoder.passages(["导出任务：选择 CSV 格式下载全部任务", REFUNDS])

    query = encoder.query("How do I export my tasks to CSV?")

    assert float(export_zh @ query) > float(refunds_en @ query)


def test_loaded_encoder_leaves_numpy_one_blas_thread() -> None:
    from threadpoolctl import threadpool_info

    semantic_encoder()

    blas_threads = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas_threads and all(threads == 1 for threads in blas_threads)


def test_engine_threads_spin_briefly_before_sleeping() -> None:
    semantic_encoder()

    # Read by the engine's OpenMP when it loads; a user's own values would be kept.
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert os.environ["GOMP_SPINCOUNT"] == OPENMP_SPIN_COUNT


@pytest.fixture(scope="module")
def reranked_sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The sample KB, ingested with the semantic reranker on."""
    folder = tmp_path_factory.mktemp("reranked-sample-kb")
    kb = KnowledgeBase(Settings(data_dir=folder, semantic_rerank=True), "default")
    ingest_folder(kb, SAMPLE_KB)
    return kb


def test_first_pages_keep_their_places_after_rerank(reranked_sample_kb: KnowledgeBase) -> None:
    sample_kb = reranked_sample_kb
    plain = KnowledgeBase(
        Settings(data_dir=sample_kb.settings.data_dir, semantic_rerank=False), sample_kb.name
    )
    reordered = 0
    for question in (
        "How do I export tasks?",
        "我的账单为什么多收了钱？",
        "Gantt chart is empty",
        "Who can see a private project?",
    ):
        reranked = sample_kb.search(question, top_k=50).hits
        unranked = plain.search(question, top_k=50).hits

        assert _pages(reranked)[:RERANK_KEEP] == _pages(unranked)[:RERANK_KEEP]
        assert {h.chunk.chunk_id for h in reranked} == {h.chunk.chunk_id for h in unranked}
        reordered += _pages(reranked) != _pages(unranked)
    assert reordered


def test_search_without_rerank_keeps_the_order_by_words(
    reranked_sample_kb: KnowledgeBase,
) -> None:
    plain = KnowledgeBase(
        Settings(data_dir=reranked_sample_kb.settings.data_dir, semantic_rerank=False),
        reranked_sample_kb.name,
    )
    question = "Who can see a private project?"

    unranked = _pages(reranked_sample_kb.search(question, top_k=50, rerank=False).hits)

    assert unranked == _pages(plain.search(question, top_k=50).hits)
    assert unranked != _pages(reranked_sample_kb.search(question, top_k=50).hits)


def test_agent_turn_does_not_embed_the_question(
    reranked_sample_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_embedding(self: SemanticEncoder, text: str) -> None:
        raise AssertionError(f"the question was embedded: {text!r}")

    monkeypatch.setattr(SemanticEncoder, "query", no_embedding)
    agent = SupportAgent(reranked_sample_kb.settings, reranked_sample_kb.name, channel="cli")

    reply = agent.ask("How do I export tasks?", UserContext(id="u-1", role="member")).to_json()
    agent.close()

    assert reply["action"]["type"] == "answer"
    assert reply["citations"]


WORDY_PAGES = {
    "a/money-report.md": "# Money report\n\nGet the money report: money spent and left.\n",
    "a/back-up.md": "# Back up your workspace\n\nGet a back up and get it back later.\n",
    "a/get-started.md": "# Get started\n\nGet your team on board and get going with a project.\n",
    "a/money-fields.md": "# Money fields\n\nA custom field can hold money amounts.\n",
    "a/go-back.md": "# Go back\n\nPress the back arrow to get to the last view.\n",
    "a/get-help.md": "# Get help\n\nGet help from the support team.\n",
    "b/refunds.md": "# Refunds\n\nWe return your payment for unused months if you cancel within 30 "
    "days. Write to billing to ask for a refund.\n",
}
"""Pages that share the question's words, and the one page that answers it in other words."""


@pytest.mark.parametrize("semantic", [False, True], ids=["words-only", "reranked"])
def test_rerank_lifts_page_that_answers_in_other_words(tmp_path: Path, semantic: bool) -> None:
    kb = _kb(tmp_path, semantic=semantic)
    ingest_folder(kb, write_kb(tmp_path / "kb", WORDY_PAGES))

    pages = _pages(kb.search("How can I get my money back?", top_k=30).hits)

    # By words alone, a page that shares only "back" and "get" comes before the refunds page.
    # The model puts it right after the pages that keep their places.
    assert pages.index("b/refunds.md") == (RERANK_KEEP if semantic else RERANK_KEEP + 1)


def _pages(hits: list[SearchHit]) -> list[str]:
    return list(dict.fromkeys(hit.chunk.doc for hit in hits))


def test_default_settings_turn_reranker_on(
    tmp_path: Path, kb_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests/conftest.py turns it off for the rest of the suite.
    monkeypatch.delenv("ASSISTANT_SEMANTIC_RERANK")
    kb = KnowledgeBase(Settings(data_dir=tmp_path / "data"), "t")

    ingest_folder(kb, kb_folder)

    assert kb.chunk_store.get_meta("semantic_id") == SEMANTIC_ID
    assert set(kb.chunk_store.semantic_vectors()) == _chunk_ids(kb)


def test_reranker_off_stores_no_vectors(tmp_path: Path, kb_folder: Path) -> None:
    kb = _kb(tmp_path, semantic=False)

    ingest_folder(kb, kb_folder)

    assert kb.chunk_store.semantic_vectors() == {}
    assert kb.chunk_store.get_meta("semantic_id") is None


def test_page_without_vector_keeps_its_place(tmp_path: Path) -> None:
    folder = write_kb(
        tmp_path / "kb", {k: v for k, v in WORDY_PAGES.items() if k != "b/refunds.md"}
    )
    ingest_folder(_kb(tmp_path), folder)
    write_kb(folder, {"b/refunds.md": WORDY_PAGES["b/refunds.md"]})
    ingest_folder(_kb(tmp_path, semantic=False), folder)
    kb = _kb(tmp_path)

    pages = _pages(kb.search("How can I get my money back?", top_k=30).hits)

    # Added while the reranker was off, the page has no vector: it stays where its words put
    # it instead of sinking below the pages that have one.
    assert pages.index("b/refunds.md") == RERANK_KEEP + 1
