"""Reproduction details pulled out of bug reports in English and Chinese."""

from __future__ import annotations

import pytest

from graphs.support.bug_details import extract_bug_details


def test_numbered_and_bulleted_lines_become_steps() -> None:
    details = extract_bug_details(
        "The export fails on 3.6.1\n1. Open a project\n2) Click Export\n- Pick CSV"
    )

    assert details.steps == ("Open a project", "Click Export", "Pick CSV")
    assert details.product_version == "3.6.1"


def test_steps_skip_leading_version_number() -> None:
    details = extract_bug_details("3.4 版本有哪些新功能？")

    assert details.steps == ()
    assert details.product_version == "3.4"


def test_steps_skip_negative_number() -> None:
    assert extract_bug_details("-5% progress is shown on every task").steps == ()


def test_inline_steps_expected_and_actual_are_split() -> None:
    details = extract_bug_details(
        "复现步骤：打开任务，添加检查项，刷新页面。预期：检查项保存。实际：检查项消失了"
    )

    assert details.steps[:3] == ("打开任务", "添加检查项", "刷新页面")
    assert details.expected == "检查项保存"
    assert details.actual == "检查项消失了"


def test_missing_lists_what_the_user_did_not_say() -> None:
    details = extract_bug_details("The board crashes", known_version="3.5")

    assert details.product_version == "3.5"
    assert details.missing() == ["bug_detail_steps", "bug_detail_expected", "bug_detail_actual"]


GANTT_REPORT = (
    "On version 3.4.1, the Gantt export crashes with error 500. Steps: open Gantt, click "
    "Export PDF. Expected a PDF, got a blank page with error 500."
)


def test_expected_got_splits_expected_and_actual() -> None:
    details = extract_bug_details(GANTT_REPORT)

    assert details.product_version == "3.4.1"
    assert details.steps == ("open Gantt", "click Export PDF")
    assert details.expected == "a PDF"
    assert details.actual == "a blank page with error 500"
    assert details.missing() == []


@pytest.mark.parametrize(
    ("text", "expected", "actual"),
    [
        ("Expected a PDF, got a blank page", "a PDF", "a blank page"),
        ("expected a PDF but got a blank page", "a PDF", "a blank page"),
        ("I expected a PDF, but I got a blank page.", "a PDF", "a blank page"),
        ("Expected a PDF, instead a blank page opened.", "a PDF", "a blank page opened"),
        ("expected the export to finish but instead it hangs", "the export to finish", "it hangs"),
        ("Expected the export to finish, but it hangs", "the export to finish", "it hangs"),
        ("Expected: a PDF file. Actual: error 500", "a PDF file", "error 500"),
        (
            "Expected version 3.4.1 to fix it. Got the same error.",
            "version 3.4.1 to fix it",
            "the same error",
        ),
        ("Expected report.pdf, got report.csv instead.", "report.pdf", "report.csv"),
        ("预期导出 PDF，实际是空白页", "导出 PDF", "空白页"),
        ("预期导出 PDF，结果白屏了", "导出 PDF", "白屏了"),
        ("预期生成 PDF 却得到空白页", "生成 PDF", "得到空白页"),
        ("期望看到甘特图，但是页面一直转圈。", "看到甘特图", "页面一直转圈"),
    ],
    ids=[
        "comma-got",
        "but-got",
        "i-got",
        "comma-instead",
        "but-instead",
        "but-clause",
        "labels",
        "next-sentence-got",
        "trailing-instead",
        "zh-shiji",
        "zh-jieguo",
        "zh-que",
        "zh-danshi",
    ],
)
def test_expected_and_actual_in_one_sentence(text: str, expected: str, actual: str) -> None:
    details = extract_bug_details(text)

    assert details.expected == expected
    assert details.actual == actual


@pytest.mark.parametrize(
    ("text", "actual"),
    [
        (
            "The Gantt export crashes with error 500 when I click Export PDF",
            "The Gantt export crashes with error 500 when I click Export PDF",
        ),
        ("Since 3.4.1, the export returns HTTP 502", "the export returns HTTP 502"),
        (
            "When I upload an avatar the page crashes with an unexpected error",
            "When I upload an avatar the page crashes with an unexpected error",
        ),
        (
            "The board page is a blank white screen after the upgrade",
            "The board page is a blank white screen after the upgrade",
        ),
        ("The export button does nothing, expected a download", "The export button does nothing"),
        ("I clicked Export but got a blank page", "a blank page"),
        ("甘特图导出报 500 错误，从 3.4 开始一直这样", "甘特图导出报 500 错误"),
        ("点击导出时报错", "点击导出时报错"),
    ],
    ids=[
        "crash-with-code",
        "http-status",
        "crash-with-error",
        "blank-screen",
        "does-nothing",
        "but-got-without-expected",
        "zh-error-code",
        "zh-baocuo",
    ],
)
def test_described_error_counts_as_actual(text: str, actual: str) -> None:
    assert extract_bug_details(text).actual == actual


@pytest.mark.parametrize(
    "text",
    [
        "The board crashes when I drag a card",
        "I want to export CSV instead of PDF",
        "看板崩溃了",
    ],
    ids=["bare-crash", "instead-of", "zh-bare-crash"],
)
def test_vague_report_has_no_actual(text: str) -> None:
    assert extract_bug_details(text).actual is None


def test_unexpected_is_not_an_expected_result() -> None:
    assert extract_bug_details("Saving fails with an unexpected error").expected is None


def test_but_inside_word_does_not_end_expected() -> None:
    details = extract_bug_details("Expected the button label to read Export")

    assert details.expected == "the button label to read Export"
    assert details.actual is None


def test_inline_steps_stop_at_actual_result() -> None:
    details = extract_bug_details("Steps: open board, drag card to Done. It shows error 500.")

    assert details.steps == ("open board", "drag card to Done")
    assert details.actual == "It shows error 500"


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("Expected: webhook delivered. Actual: 502 error. Version 3.3.", "3.3"),
        ("The export fails with error 500 on 3.3.", "3.3"),
        ("It broke since 3.4.1.", "3.4.1"),
        ("It fails on 3.4.1.2 only", None),
    ],
    ids=["version-then-full-stop", "on-version-full-stop", "patch-full-stop", "four-parts"],
)
def test_full_stop_after_version_ends_the_sentence(text: str, version: str | None) -> None:
    assert extract_bug_details(text).product_version == version
