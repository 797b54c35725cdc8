"""Bad input on the command line gets an error message and exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli as _run

WEEK = "2026-W48"


@pytest.mark.parametrize("command", ["ask", "search"])
def test_stdin_invalid_byte_fails_one_line(data_dir: Path, command: str) -> None:
    result = _run(data_dir, command, "-", "--json", stdin=b"q\xff\nhello\n")

    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert b"Traceback" not in result.stderr
    assert result.returncode == 2
    assert len(lines) == 2
    assert lines[0]["error"]["code"] == "invalid_encoding"
    assert "character 2" in lines[0]["error"]["message"]
    assert "error" not in lines[1]


def test_stdin_invalid_byte_error_in_chinese(data_dir: Path) -> None:
    result = _run(data_dir, "search", "-", stdin=b"q\xff\n", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "第 2 个字符处不是有效的 utf-8 文本" in result.stderr.decode()


@pytest.mark.parametrize("command", ["ask", "search"])
def test_closed_stdout_exits_quietly(data_dir: Path, command: str) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = os.environ | {"ASSISTANT_DATA_DIR": str(data_dir)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", command, "-"],
            input=b"hello\nHow do I set up SSO?\n",
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)

    assert result.stderr == b""
    assert result.returncode == 141


def test_report_out_existing_file_fails(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    out.write_text("keep me", encoding="utf-8")

    english = _run(data_dir, "report", "voc", "--week", WEEK, "--out", str(out))
    chinese = _run(data_dir, "report", "voc", "--week", WEEK, "--out", str(out), lang="zh_CN.UTF-8")

    assert english.returncode == 2
    assert b"Traceback" not in english.stderr
    assert f"--out {out} is a file, not a folder" in english.stderr.decode()
    assert chinese.returncode == 2
    assert f"--out {out} 是文件而不是目录" in chinese.stderr.decode()
    assert out.read_text(encoding="utf-8") == "keep me"


def test_report_out_unwritable_folder_fails(data_dir: Path) -> None:
    result = _run(data_dir, "report", "voc", "--week", WEEK, "--out", "/proc/nope")

    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert "cannot write the report into /proc/nope" in result.stderr.decode()


def test_report_languages_get_their_own_html(data_dir: Path, tmp_path: Path) -> None:
    english = _run(data_dir, "report", "voc", "--week", WEEK, "--out", str(tmp_path))
    chinese = _run(
        data_dir, "report", "voc", "--week", WEEK, "--out", str(tmp_path), "--lang", "zh"
    )

    assert english.returncode == 0
    assert chinese.returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"voc-default-{WEEK}.en.html",
        f"voc-default-{WEEK}.json",
        f"voc-default-{WEEK}.zh.html",
    ]
    english_html = (tmp_path / f"voc-default-{WEEK}.en.html").read_text(encoding="utf-8")
    chinese_html = (tmp_path / f"voc-default-{WEEK}.zh.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english_html
    assert '<html lang="zh-CN">' in chinese_html


@pytest.mark.parametrize("port", ["0", "65536", "99999", "-1"])
def test_serve_rejects_invalid_port(data_dir: Path, port: str) -> None:
    result = _run(data_dir, "serve", f"--port={port}")

    assert result.returncode == 2
    assert f"--port must be between 1 and 65535, got {port}" in result.stderr.decode()
    assert result.stdout == b""


def test_serve_invalid_port_in_chinese(data_dir: Path) -> None:
    result = _run(data_dir, "serve", "--port", "99999", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "--port 必须在 1 到 65535 之间，当前为 99999" in result.stderr.decode()


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_keys_create_rejects_blank_name(tmp_path: Path, name: str) -> None:
    result = _run(
        tmp_path, "keys", "create", "--tenant", "acme", "--role", "widget", "--name", name
    )
    listed = _run(tmp_path, "keys", "list", "--json")

    assert result.returncode == 2
    assert "--name is empty" in result.stderr.decode()
    assert json.loads(listed.stdout) == []


def test_keys_default_name_is_tenant_role(tmp_path: Path) -> None:
    result = _run(tmp_path, "keys", "create", "--tenant", "acme", "--role", "agent")
    listed = _run(tmp_path, "keys", "list", "--json")

    assert result.returncode == 0
    assert [key["name"] for key in json.loads(listed.stdout)] == ["acme-agent"]


@pytest.mark.parametrize("command", ["ask", "search"])
def test_stdin_blank_line_keeps_alignment(data_dir: Path, command: str) -> None:
    result = _run(data_dir, command, "-", "--json", stdin=b"How do I set up SSO?\n\n  \nSSO\n")

    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert b"Traceback" not in result.stderr
    assert result.returncode == 2
    assert len(lines) == 4
    empty_code = "empty_query" if command == "search" else "empty_message"
    assert "error" not in lines[0]
    assert lines[1]["error"]["code"] == empty_code
    assert lines[2]["error"]["code"] == empty_code
    assert "error" not in lines[3]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en_US.UTF-8", "the query has 4001 characters"), ("zh_CN.UTF-8", "查询有 4001 个字符")],
)
def test_overlong_search_query_says_query(data_dir: Path, lang: str, expected: str) -> None:
    result = _run(data_dir, "search", "-", "--json", stdin=b"g" * 4001 + b"\nSSO\n", lang=lang)

    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 2
    assert lines[0]["error"]["code"] == "query_too_long"
    assert lines[0]["error"]["message"].startswith(expected)
    assert "ticket" not in lines[0]["error"]["message"]
    assert lines[1]["results"]


def test_stdin_blank_line_error_on_stderr(data_dir: Path) -> None:
    result = _run(data_dir, "search", "-", stdin=b"SSO\n\nSSO\n")

    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "Error: the query is empty; type the words to search for"
    )
    assert result.stdout.decode().count("1. [") == 2


@pytest.mark.parametrize("command", ["ask", "chat"])
@pytest.mark.parametrize("user_id", ["u" * 300, "bad user id!", "-leading-dash"])
def test_invalid_user_id_rejected(data_dir: Path, command: str, user_id: str) -> None:
    args = [command, "转人工"] if command == "ask" else [command]

    result = _run(data_dir, *args, f"--user={user_id}")

    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert result.stdout == b""
    # An id longer than 80 characters is quoted by its start and its length.
    shown = user_id if len(user_id) <= 80 else f"{user_id[:80]}… ({len(user_id)} characters)"
    assert result.stderr.decode().startswith(f"Error: invalid user id '{shown}': use 1-128")


def test_invalid_user_id_error_in_chinese(data_dir: Path) -> None:
    result = _run(data_dir, "ask", "hi", "--user", "bad user id!", lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "用户 ID“bad user id!”无效" in result.stderr.decode()


def test_valid_user_id_on_ticket(data_dir: Path) -> None:
    result = _run(data_dir, "ask", "转人工", "--user", "alice@example.com", "--json")

    reply = json.loads(result.stdout)
    assert result.returncode == 0
    assert reply["action"]["ticket"] is not None


@pytest.mark.parametrize("word", ["/quit", "/exit", "退出", "QUIT"])
def test_chat_exit_word_ends_chat(data_dir: Path, word: str) -> None:
    result = _run(data_dir, "chat", stdin=f"{word}\nHow do I set up SSO?\n".encode())

    assert result.returncode == 0, result.stderr
    # The chat ended at the exit word: the question after it got no reply.
    assert "SSO" not in result.stdout.decode()
