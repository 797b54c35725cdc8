"""A command that is rejected before it does any work creates no file in the data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

UNDECODABLE = os.fsdecode(b"\xff")
"""A command-line argument with a byte that is invalid UTF-8, as Python passes it on."""

ARGUMENT_ERRORS: dict[str, tuple[list[str], dict[str, str]]] = {
    "ask_bad_role": (["ask", "--role", "superuser", "hi"], {}),
    "ask_bad_version": (["ask", "--version", "abc", "hi"], {}),
    "ask_bad_user": (["ask", "--user", "", "hi"], {}),
    "ask_bad_setting": (["ask", "hi"], {"ASSISTANT_SEMANTIC_RERANK": "maybe"}),
    "ask_empty_question": (["ask", ""], {}),
    "ask_blank_question": (["ask", "   "], {}),
    "ask_undecodable_question": (["ask", f"hi {UNDECODABLE}"], {}),
    "ask_invalid_kb_name": (["ask", "--kb", "bad name!", "hi"], {}),
    "ask_undecodable_kb_name": (["ask", "--kb", UNDECODABLE, "hi"], {}),
    "ask_unknown_option": (["ask", "--bogus", "hi"], {}),
    "chat_bad_version": (["chat", "--version", "abc"], {}),
    "chat_invalid_conversation": (["chat", "--conversation", "bad id!"], {}),
    "search_bad_top_k": (["search", "--top-k", "0", "hi"], {}),
    "search_bad_version": (["search", "--version", "abc", "hi"], {}),
    "search_invalid_kb_name": (["search", "--kb", "../x", "hi"], {}),
}
"""Per case: arguments and settings that the command rejects before it reads the data folder."""

UNKNOWN_KB_CASES: dict[str, list[str]] = {
    "ask": ["ask", "hi"],
    "ask_json": ["ask", "hi", "--json"],
    "ask_named_kb": ["ask", "--kb", "acme.docs", "hi"],
    "chat": ["chat"],
    "search": ["search", "hi"],
}
"""Per case: arguments of a command on a KB that was never ingested."""


def _run(
    data_dir: Path, arguments: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")
    }
    environment |= {"ASSISTANT_DATA_DIR": str(data_dir), "LANG": "en_US.UTF-8", "LC_ALL": ""}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *arguments],
        input="",
        capture_output=True,
        text=True,
        errors="replace",
        env=environment | env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


def _files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.mark.parametrize(("arguments", "env"), ARGUMENT_ERRORS.values(), ids=ARGUMENT_ERRORS.keys())
def test_rejected_arguments_leave_data_dir_empty(
    tmp_path: Path, arguments: list[str], env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = _run(data_dir, arguments, env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert _files_under(data_dir) == []


@pytest.mark.parametrize(("arguments", "env"), ARGUMENT_ERRORS.values(), ids=ARGUMENT_ERRORS.keys())
def test_rejected_arguments_create_no_data_dir(
    tmp_path: Path, arguments: list[str], env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"

    result = _run(data_dir, arguments, env)

    assert result.returncode == 2
    assert not data_dir.exists()


@pytest.mark.parametrize("arguments", UNKNOWN_KB_CASES.values(), ids=UNKNOWN_KB_CASES.keys())
def test_unknown_kb_leaves_data_dir_empty(tmp_path: Path, arguments: list[str]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()

    result = _run(data_dir, arguments, {})

    assert result.returncode == 2
    assert "does not exist yet" in result.stderr + result.stdout
    assert _files_under(data_dir) == []


def test_empty_question_reported_before_unknown_kb(tmp_path: Path) -> None:
    result = _run(tmp_path / "data", ["ask", ""], {})

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: the message is empty; type a question or describe the problem"
    )
