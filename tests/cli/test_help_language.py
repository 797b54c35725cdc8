"""`assistant --help` and every subcommand's `--help` wholly in the locale's language."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from cli.argparse_messages import display_width, wrap_by_width
from cli.main import build_parser
from tests.cli.conftest import CLI_TIMEOUT_SECONDS
from tests.cli.language_checks import chinese_characters, english_runs
from tests.conftest import REPO_ROOT

HELP_PAGES_SCRIPT = """
import argparse, contextlib, io, json

from cli.main import build_parser, main


def command_paths(parser, path):
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from command_paths(subparser, [*path, name])


pages = {}
for path in command_paths(build_parser(), []):
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.suppress(SystemExit):
        main([*path, "--help"])
    pages[" ".join(["assistant", *path])] = output.getvalue()
print(json.dumps(pages))
"""
"""Prints the `--help` page of the command and of every subcommand, found by walking the
parser, as a JSON object keyed by the command line."""


def _help_pages(lang: str) -> dict[str, str]:
    """Return every `--help` page of the command, printed by one process in a locale."""
    result = subprocess.run(
        [sys.executable, "-c", HELP_PAGES_SCRIPT],
        capture_output=True,
        text=True,
        env=os.environ | {"LANG": lang, "LC_ALL": "", "COLUMNS": "100"},
        cwd=REPO_ROOT,
        timeout=CLI_TIMEOUT_SECONDS,
        check=True,
    )
    pages: dict[str, str] = json.loads(result.stdout)
    return pages


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                yield from _subparsers(subparser)


def _command_names() -> set[str]:
    """Return the names of every subcommand, which stay English in a Chinese help page."""
    names: set[str] = set()
    for parser in _subparsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                names.update(action.choices)
            elif not action.option_strings:
                names.add(action.dest)
    return names


@pytest.fixture(scope="module")
def chinese_pages() -> dict[str, str]:
    return _help_pages("zh_CN.UTF-8")


@pytest.fixture(scope="module")
def english_pages() -> dict[str, str]:
    return _help_pages("en_US.UTF-8")


EXPECTED_COMMANDS = [
    "assistant",
    "assistant ingest",
    "assistant search",
    "assistant ask",
    "assistant chat",
    "assistant tickets list",
    "assistant tickets show",
    "assistant tickets check-sla",
    "assistant keys create",
    "assistant serve",
    "assistant report voc",
    "assistant report gaps",
    "assistant eval",
]


def test_help_walk_covers_every_subcommand(
    chinese_pages: dict[str, str], english_pages: dict[str, str]
) -> None:
    assert set(EXPECTED_COMMANDS) <= set(chinese_pages)
    assert set(chinese_pages) == set(english_pages)
    assert all(page.strip() for page in [*chinese_pages.values(), *english_pages.values()])


def test_chinese_help_has_no_english_sentence(chinese_pages: dict[str, str]) -> None:
    names = _command_names()
    english = {
        command: runs
        for command, page in chinese_pages.items()
        if (runs := english_runs(page, names))
    }

    assert english == {}


def test_chinese_help_starts_with_chinese_usage(chinese_pages: dict[str, str]) -> None:
    not_chinese = [
        command for command, page in chinese_pages.items() if not page.startswith("用法：")
    ]

    assert not_chinese == []


def test_english_help_has_no_chinese(english_pages: dict[str, str]) -> None:
    chinese = {
        command: "".join(characters)
        for command, page in english_pages.items()
        if (characters := chinese_characters(page))
    }

    assert chinese == {}


def test_every_argument_has_help_text() -> None:
    missing = [
        f"{parser.prog} {action.option_strings or action.dest}"
        for parser in _subparsers(build_parser())
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]

    assert missing == []


HELP_COLUMNS = 100
"""The terminal width `_help_pages` sets."""


def test_chinese_help_lines_fit_the_terminal(chinese_pages: dict[str, str]) -> None:
    too_wide = {
        command: line
        for command, page in chinese_pages.items()
        for line in page.splitlines()
        # Lines without Chinese are argparse's list of an option's names and choices.
        if display_width(line) > HELP_COLUMNS and chinese_characters(line)
    }

    assert too_wide == {}


def test_chinese_help_breaks_no_word_or_quote(chinese_pages: dict[str, str]) -> None:
    kb_help = " ".join(line.strip() for line in chinese_pages["assistant ingest"].splitlines())

    assert "“default.default”" in kb_help
    bad_breaks = {
        command: line
        for command, page in chinese_pages.items()
        for line in page.splitlines()
        if line.rstrip().endswith(("“", "（")) or line.strip().startswith(("，", "。", "）", "”"))
    }
    assert bad_breaks == {}


def test_chinese_section_headings_end_with_full_width_colon(
    chinese_pages: dict[str, str],
) -> None:
    headings = {line for page in chinese_pages.values() for line in page.splitlines()}

    assert {"选项：", "位置参数："} <= headings
    assert not {"选项:", "位置参数:"} & headings


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("知识库名称（默认：default）", 12, ["知识库名称", "（默认：", "default）"]),
        ("use --kb NAME here", 8, ["use --kb", "NAME", "here"]),
        ("删除：“default.default”", 10, ["删除：", "“default.default”"]),
        ("a averyveryverylongword b", 5, ["a", "averyveryverylongword", "b"]),
    ],
    ids=["chinese-bracket", "english-words", "long-value", "over-long-word"],
)
def test_wrap_by_width_counts_columns_and_keeps_words(
    text: str, width: int, lines: list[str]
) -> None:
    assert wrap_by_width(text, width) == lines
