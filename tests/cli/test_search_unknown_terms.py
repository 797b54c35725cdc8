"""`assistant search` lists the words the KB never uses when they make up most of the query."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_cli

NONSENSE = "quantum flux capacitor on Jupiter"


def test_json_names_the_unknown_words(data_dir: Path) -> None:
    result = run_cli(data_dir, "search", NONSENSE, "--json")

    assert result.returncode == 0, result.stderr.decode()
    payload = json.loads(result.stdout)
    assert payload["results"] == []
    assert payload["reason"] == "unknown_terms"
    assert payload["unknown_terms"] == ["quantum", "flux", "capacitor", "Jupiter"]


def test_unknown_words_keep_their_case_and_code(data_dir: Path) -> None:
    cyrillic = run_cli(data_dir, "search", "Как настроить диаграмму Ганта", "--json")
    code = run_cli(data_dir, "search", "INT-999", "--json")

    assert json.loads(cyrillic.stdout)["unknown_terms"] == [
        "Как",
        "настроить",
        "диаграмму",
        "Ганта",
    ]
    # The parts of the code are tokens too, but the user wrote the code whole.
    assert json.loads(code.stdout)["unknown_terms"] == ["INT-999"]


def test_message_follows_the_language_of_the_query(data_dir: Path) -> None:
    # The terminal's language is the other one each time: the query's language wins.
    english = run_cli(data_dir, "search", NONSENSE, lang="zh_CN.UTF-8")
    chinese = run_cli(data_dir, "search", "怎么配置 quantum flux capacitor 和 Jupiter？")

    assert "never uses (quantum, flux, capacitor, Jupiter)" in english.stdout.decode()
    assert "从未出现（quantum、flux、capacitor、Jupiter）" in chinese.stdout.decode()


def test_short_chinese_question_with_question_words_is_answered(data_dir: Path) -> None:
    result = run_cli(data_dir, "search", "头像最大多大？", "--json")

    payload = json.loads(result.stdout)
    assert payload["results"][0]["doc"] == "zh/account/profile-language-timezone.md"
