"""argparse usage errors in the user's language, and as a JSON error object with --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def _run(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LANG": lang, "LC_ALL": ""}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_CN.UTF-8", "无效的 int 值：'abc'"), ("en_US.UTF-8", "invalid int value: 'abc'")],
    ids=["zh", "en"],
)
def test_usage_error_follows_the_locale(lang: str, expected: str) -> None:
    result = _run("search", "x", "--top-k", "abc", lang=lang)

    assert result.returncode == 2
    assert expected in result.stderr


JSON_CASES: dict[str, tuple[list[str], str]] = {
    "top_k_not_int": (["search", "gantt", "--top-k", "abc"], "invalid int value: 'abc'"),
    "role_choice": (["search", "gantt", "--role", "superuser"], "'superuser' (choose from"),
    "language_choice": (["search", "gantt", "--language", "fr"], "'fr' (choose from 'zh', 'en')"),
    "tier_choice": (["tickets", "list", "--tier", "L9"], "'L9' (choose from 'L1', 'L2', 'L3')"),
    "unknown_flag": (["search", "gantt", "--bogus"], "unrecognized arguments: --bogus"),
    "missing_query": (["search"], "the following arguments are required: query"),
}
"""Per case: the arguments before `--json`, and the text that argparse's message must contain."""


@pytest.mark.parametrize(("arguments", "expected"), JSON_CASES.values(), ids=JSON_CASES.keys())
def test_usage_error_with_json_is_error_object(arguments: list[str], expected: str) -> None:
    result = _run(*arguments, "--json", lang="en_US.UTF-8")

    assert result.returncode == 2
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    error = json.loads(lines[0])["error"]
    assert error["code"] == "invalid_argument"
    assert expected in error["message"]
    assert "--help` for the valid arguments" in error["message"]


def test_usage_error_with_json_in_chinese() -> None:
    result = _run("tickets", "list", "--json", "--tier", "L9", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_argument"
    assert error["message"] == (
        "参数 --tier：无效的选项：'L9'（可选：'L1', 'L2', 'L3'）。"
        "运行 `assistant tickets list --help` 查看可用的参数。"
    )


def test_usage_error_without_json_keeps_usage_text() -> None:
    result = _run("search", "gantt", "--role", "superuser", lang="en_US.UTF-8")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: assistant search ")
    assert result.stderr.endswith(
        "assistant search: error: argument --role: invalid choice: 'superuser' "
        "(choose from 'admin', 'member', 'guest')\n"
    )


@pytest.mark.parametrize(
    "arguments",
    [
        ["report", "voc", "--out", "  ", "--json"],
        ["report", "gaps", "--out", "", "--json"],
        ["eval", "--report", "", "--json"],
    ],
)
def test_blank_output_folder_is_an_error(tmp_path: Path, arguments: list[str]) -> None:
    # Path("") is the current folder, where the report files would otherwise land.
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", *arguments],
        capture_output=True,
        cwd=tmp_path,
        env=os.environ
        | {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )

    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "output_path_blank"
    assert [path.name for path in tmp_path.iterdir() if path.name != "data"] == []


@pytest.mark.parametrize("count", ["0", "-3", "two"])
@pytest.mark.parametrize(
    "option", [("serve", "--workers"), ("eval", "--workers"), ("eval", "--repeat")]
)
def test_count_below_one_is_an_error(option: tuple[str, str], count: str) -> None:
    result = _run(*option, count, "--json", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "count_below_one"
    assert error["message"] == f"{option[1]} 的值“{count}”无效：请传入不小于 1 的整数。"


@pytest.mark.parametrize(
    "option", [("serve", "--workers"), ("eval", "--workers"), ("eval", "--repeat")]
)
def test_count_error_names_option_in_english(option: tuple[str, str]) -> None:
    result = _run(*option, "0", "--json", lang="en_US.UTF-8")

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert (
        error["message"] == f"invalid value '0' for {option[1]}: pass a whole number of at least 1"
    )


UNKNOWN_OPTION_CASES: dict[str, tuple[list[str], str]] = {
    "ask": (["ask", "--bogus", "x"], "assistant ask"),
    "tickets_list": (["tickets", "list", "--bogus"], "assistant tickets list"),
    "before_subcommand": (["--bogus", "ask", "x"], "assistant"),
}
"""Per case: the arguments with an unknown option, and the command whose help lists the valid
ones."""


@pytest.mark.parametrize(
    ("arguments", "command"), UNKNOWN_OPTION_CASES.values(), ids=UNKNOWN_OPTION_CASES.keys()
)
@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("en_US.UTF-8", "; run `{command} --help` for the valid arguments"),
        ("zh_CN.UTF-8", "。运行 `{command} --help` 查看可用的参数。"),
    ],
    ids=["en", "zh"],
)
def test_unknown_option_names_command_help(
    arguments: list[str], command: str, lang: str, hint: str
) -> None:
    result = _run(*arguments, "--json", lang=lang)

    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_argument"
    assert error["message"].endswith(hint.format(command=command))


@pytest.mark.parametrize(
    ("lang", "usage", "error"),
    [
        ("en_US.UTF-8", "usage: assistant ask ", "assistant ask: error: unrecognized arguments: "),
        ("zh_CN.UTF-8", "用法：assistant ask ", "assistant ask：错误：无法识别的参数："),
    ],
    ids=["en", "zh"],
)
def test_unknown_option_prints_command_usage(lang: str, usage: str, error: str) -> None:
    result = _run("ask", "--bogus", "x", lang=lang)

    assert result.returncode == 2
    assert result.stderr.startswith(usage)
    help_hint = UNKNOWN_OPTION_HELP[lang].format(command="assistant ask")
    assert result.stderr.endswith(f"{error}--bogus{help_hint}\n")


UNKNOWN_OPTION_HELP = {
    "en_US.UTF-8": "; run `{command} --help` for the valid arguments",
    "zh_CN.UTF-8": "。运行 `{command} --help` 查看可用的参数。",
}
"""The end of an unknown-option error in each locale, which points to the command's help."""

UNKNOWN_OPTION_BEFORE_MISSING_CASES: dict[str, tuple[list[str], str]] = {
    "no_subcommand": (["--bogus"], "assistant"),
    "before_missing_subcommand": (["--bogus", "ask"], "assistant"),
    "ask_without_question": (["ask", "--bogus"], "assistant ask"),
    "tickets_without_subcommand": (["tickets", "--bogus"], "assistant tickets"),
    "keys_create_without_tenant": (["keys", "create", "--bogus"], "assistant keys create"),
}
"""Per case: arguments with an unknown option that also lack a required argument, and the
command whose help lists the valid options."""

JSON_COMMAND_CASES = ["before_missing_subcommand", "ask_without_question"]
"""The cases whose subcommand has `--json`; in the others `--json` is an unknown option too."""

UNRECOGNIZED = {"en_US.UTF-8": "unrecognized arguments: ", "zh_CN.UTF-8": "无法识别的参数："}
ERROR_PREFIX = {"en_US.UTF-8": ": error: ", "zh_CN.UTF-8": "：错误："}


@pytest.mark.parametrize(
    ("arguments", "command"),
    UNKNOWN_OPTION_BEFORE_MISSING_CASES.values(),
    ids=UNKNOWN_OPTION_BEFORE_MISSING_CASES.keys(),
)
@pytest.mark.parametrize("lang", list(UNKNOWN_OPTION_HELP), ids=["en", "zh"])
def test_unknown_option_reported_before_missing_argument(
    arguments: list[str], command: str, lang: str
) -> None:
    result = _run(*arguments, lang=lang)

    help_hint = UNKNOWN_OPTION_HELP[lang].format(command=command)
    last_line = result.stderr.splitlines()[-1]
    assert result.returncode == 2
    assert result.stdout == ""
    assert last_line == f"{command}{ERROR_PREFIX[lang]}{UNRECOGNIZED[lang]}--bogus{help_hint}"


@pytest.mark.parametrize(
    ("arguments", "command"),
    [UNKNOWN_OPTION_BEFORE_MISSING_CASES[name] for name in JSON_COMMAND_CASES],
    ids=JSON_COMMAND_CASES,
)
@pytest.mark.parametrize("lang", list(UNKNOWN_OPTION_HELP), ids=["en", "zh"])
def test_unknown_option_before_missing_argument_json(
    arguments: list[str], command: str, lang: str
) -> None:
    result = _run(*arguments, "--json", lang=lang)

    error = json.loads(result.stdout)["error"]
    help_hint = UNKNOWN_OPTION_HELP[lang].format(command=command)
    assert result.returncode == 2
    assert error["code"] == "invalid_argument"
    assert error["message"] == f"{UNRECOGNIZED[lang]}--bogus{help_hint}"


def test_missing_subcommand_alone_is_reported() -> None:
    result = _run(lang="en_US.UTF-8")

    assert result.returncode == 2
    assert result.stderr.endswith(
        "assistant: error: the following arguments are required: command\n"
    )
