"""Reproduction details pulled out of bug reports in English and Chinese."""

from __future__ import annotations

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
