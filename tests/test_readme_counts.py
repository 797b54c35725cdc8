"""The READMEs state no eval case count that differs from the datasets."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO_ROOT

COUNT_PATTERNS = (r"(\d+) cases in English and Chinese", r"(\d+) 个中英文用例")


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_readme_eval_case_count_matches_datasets(readme: str) -> None:
    text = (REPO_ROOT / readme).read_text(encoding="utf-8")
    datasets = sorted((REPO_ROOT / "evals" / "datasets").glob("*.jsonl"))
    cases = sum(
        1 for path in datasets for line in path.read_text(encoding="utf-8").splitlines() if line
    )

    stated = [int(n) for pattern in COUNT_PATTERNS for n in re.findall(pattern, text)]

    assert all(n == cases for n in stated), f"{readme} states {stated}, datasets have {cases}"
