"""Metric functions checked against values computed by hand."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    citation_precision,
    contains_fact,
    distinct_docs,
    groundedness,
    hit_at_k,
    intent_scores,
    is_supported,
    mrr_at_k,
    ndcg_at_k,
    pass_hat_k,
    percentile,
    precision_recall,
    recall_of,
    split_sentences,
)


def test_intent_scores_accuracy_f1_and_confusion() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "b")]

    scores = intent_scores(pairs)

    assert scores.accuracy == 0.5
    # F1: a = 2*(1*0.5)/1.5 = 2/3, b = 2*(1/3*1)/(4/3) = 0.5, c = 0.
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert scores.confusion == {"a": {"a": 1, "b": 1}, "b": {"b": 1}, "c": {"b": 1}}


def test_intent_scores_empty() -> None:
    scores = intent_scores([])

    assert scores.accuracy == 0.0
    assert scores.macro_f1 == 0.0


def test_recall_of_label() -> None:
    pairs = [("oos", "oos"), ("oos", "how_to"), ("how_to", "oos"), ("oos", "oos")]

    assert recall_of("oos", pairs) == pytest.approx(2 / 3)
    assert recall_of("missing", pairs) == 0.0


def test_retrieval_metrics_hand_computed() -> None:
    ranked = distinct_docs(["x", "x", "y", "r1", "z", "r2"])
    relevant = {"r1", "r2"}

    assert ranked == ["x", "y", "r1", "z", "r2"]
    assert hit_at_k(ranked, relevant, 2) == 0.0
    assert hit_at_k(ranked, relevant, 3) == 1.0
    assert mrr_at_k(ranked, relevant) == pytest.approx(1 / 3)
    expected_ndcg = (1 / math.log2(4) + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranked, relevant) == pytest.approx(expected_ndcg)


def test_retrieval_metrics_respect_k() -> None:
    ranked = [f"d{i}" for i in range(12)]

    assert mrr_at_k(ranked, {"d10"}, k=10) == 0.0
    assert ndcg_at_k(ranked, {"d10"}, k=10) == 0.0
    assert ndcg_at_k(ranked, {"d0"}, k=10) == 1.0


def test_contains_fact_is_case_and_width_insensitive() -> None:
    assert contains_fact("SAML", ["set up saml sso"])
    assert contains_fact("5 MB", ["up to ５ ＭＢ"])
    assert not contains_fact("10 MB", ["up to 5 MB"])


def test_split_sentences_on_english_chinese_and_lines() -> None:
    text = "First one. Second one!\n第一句。第二句；\n\nlast"

    assert split_sentences(text) == ["First one.", "Second one!", "第一句。", "第二句；", "last"]


def test_is_supported_threshold() -> None:
    chunk = "Click Save baseline in the Gantt toolbar to store the plan."

    assert is_supported("Save the baseline from the Gantt toolbar.", [chunk]) is True
    # Content tokens: save, baseline, weekly, invoice, refund -> 2 of 5 = 0.4 < 0.7.
    assert is_supported("Save baseline weekly invoice refund", [chunk]) is False
    assert is_supported("—", [chunk]) is None


def test_groundedness_share_of_supported_sentences() -> None:
    chunks = ["Guests are free up to two per paid seat.", "Invoices are emailed monthly."]
    sentences = ["Guests are free up to two per paid seat.", "Refunds take ten days.", "—"]

    assert groundedness(sentences, chunks) == 0.5
    assert groundedness(["—"], chunks) is None


def test_citation_precision_counts_relevant_doc_or_fact() -> None:
    cited = [("a.md", "nothing"), ("b.md", "holds the 7 days fact"), ("c.md", "other")]

    assert citation_precision(cited, {"a.md"}, ["7 days"]) == pytest.approx(2 / 3)
    assert citation_precision([], {"a.md"}, []) is None
    assert citation_precision(cited, set(), []) is None


def test_precision_recall_of_escalation() -> None:
    pairs = [(True, True), (True, False), (False, True), (False, False), (True, True)]

    precision, recall = precision_recall(pairs)

    assert precision == pytest.approx(2 / 3)
    assert recall == pytest.approx(2 / 3)


def test_percentile_interpolates() -> None:
    values = [4.0, 1.0, 3.0, 2.0]

    assert percentile(values, 0.5) == 2.5
    assert percentile(values, 0.95) == pytest.approx(3.85)
    assert percentile([], 0.5) == 0.0


def test_pass_hat_k_tau_bench_estimate() -> None:
    # Case 1 passed 2 of 3 trials, case 2 passed 3 of 3.
    # pass^1 = (2/3 + 1) / 2; pass^2 = (C(2,2)/C(3,2) + 1) / 2 = (1/3 + 1) / 2.
    assert pass_hat_k([2, 3], 3, 1) == pytest.approx(5 / 6)
    assert pass_hat_k([2, 3], 3, 2) == pytest.approx(2 / 3)
    assert pass_hat_k([2, 3], 3, 3) == pytest.approx(0.5)


def test_pass_hat_k_rejects_k_above_trials() -> None:
    with pytest.raises(ValueError, match="between 1 and the number of trials 2"):
        pass_hat_k([1], 2, 3)
