"""A bad setting, data folder, database URL or port stops a command with one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

UNREACHABLE_DATABASE = "postgresql+psycopg://support:s3cret@127.0.0.1:1/tickets"
"""Nothing listens on port 1 of 127.0.0.1, so the connection is refused at once."""


def _run(
    *args: str, env: dict[str, str], lang: str = "en_US.UTF-8"
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")
    }
    environment |= {"LANG": lang, "LC_ALL": ""} | env
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input="",
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "variable", "value", "requirement"),
    [
        ("ask", "ASSISTANT_ANSWER_MIN_CONFIDENCE", "abc", "must be a number from 0 to 1"),
        ("ask", "ASSISTANT_ANSWER_MIN_CONFIDENCE", "5", "must be a number from 0 to 1"),
        ("ask", "ASSISTANT_SLA_WARNING_MINUTES", "-3", "must be a number of at least 0"),
        ("ask", "ASSISTANT_WORK_START_HOUR", "25", "must be a whole number from 0 to 23"),
        ("ask", "ASSISTANT_SURGE_INTENTS", "bogus", "must be a comma-separated list of: how_to,"),
        ("ask", "ASSISTANT_TRACING", "bogus", "must be one of: console, otlp, or empty"),
        ("serve", "ASSISTANT_API_RATE_PER_SECOND", "abc", "must be a number greater than 0"),
    ],
)
def test_invalid_setting_names_variable(
    tmp_path: Path, command: str, variable: str, value: str, requirement: str
) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), variable: value}

    result = _run(command, "hi", env=env) if command == "ask" else _run(command, env=env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: invalid setting {variable}='{value}': {requirement}")
    assert result.stderr.rstrip().endswith("fix the environment variable or unset it")
    assert len(result.stderr.splitlines()) == 1


def test_invalid_settings_one_line_each(tmp_path: Path) -> None:
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path),
        "ASSISTANT_WORK_START_HOUR": "25",
        "assistant_tracing": "bogus",
    }

    result = _run("tickets", "list", env=env)

    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert len(lines) == 2
    assert lines[0].startswith("Error: invalid setting ASSISTANT_WORK_START_HOUR='25'")
    assert lines[1].startswith("Error: invalid setting ASSISTANT_TRACING='bogus'")


def test_invalid_setting_message_in_chinese(tmp_path: Path) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_ANSWER_MIN_CONFIDENCE": "abc"}

    result = _run("ask", "hi", env=env, lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "错误：设置 ASSISTANT_ANSWER_MIN_CONFIDENCE='abc' 无效：必须是 0 到 1 之间的数字。"
        "请修正该环境变量，或删除它以使用默认值。"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en_US.UTF-8",
            "Error: invalid setting ASSISTANT_SEMANTIC_RERANK='maybe': must be true, yes, on or 1 "
            "to turn it on, or false, no, off or 0 to turn it off, in any letter case; fix the "
            "environment variable or unset it",
        ),
        (
            "zh_CN.UTF-8",
            "错误：设置 ASSISTANT_SEMANTIC_RERANK='maybe' 无效：必须是 true、yes、on 或 1（开启），"
            "或 false、no、off 或 0（关闭），不区分大小写。"
            "请修正该环境变量，或删除它以使用默认值。",
        ),
    ],
    ids=["en", "zh"],
)
def test_invalid_boolean_setting_lists_accepted_forms(
    tmp_path: Path, lang: str, expected: str
) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_SEMANTIC_RERANK": "maybe"}

    result = _run("search", "x", env=env, lang=lang)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == expected


def test_data_dir_file_fails_clearly(tmp_path: Path) -> None:
    data_file = tmp_path / "data"
    data_file.write_text("keep me", encoding="utf-8")

    result = _run("ingest", str(tmp_path), env={"ASSISTANT_DATA_DIR": str(data_file)})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"Error: invalid setting ASSISTANT_DATA_DIR='{data_file}': it is a file, not a folder; "
        "point ASSISTANT_DATA_DIR at a writable folder or unset it"
    )
    assert data_file.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("command", [("ingest", "."), ("tickets", "list"), ("keys", "list")])
def test_data_dir_under_file_fails_clearly(tmp_path: Path, command: tuple[str, ...]) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me", encoding="utf-8")
    data_dir = blocker / "data"

    result = _run(*command, env={"ASSISTANT_DATA_DIR": str(data_dir)})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"ASSISTANT_DATA_DIR='{data_dir}': cannot create the folder" in result.stderr
    assert "point ASSISTANT_DATA_DIR at a writable folder" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_data_dir_error_in_chinese(tmp_path: Path) -> None:
    data_file = tmp_path / "data"
    data_file.write_text("", encoding="utf-8")

    result = _run("tickets", "list", env={"ASSISTANT_DATA_DIR": str(data_file)}, lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert f"ASSISTANT_DATA_DIR='{data_file}' 无效：它是文件而不是目录" in result.stderr


@pytest.mark.parametrize(
    ("folder", "command"),
    [
        ("kb", ("ingest", ".")),
        ("conversation-locks", ("ask", "how do I create a task")),
        ("conversation-locks", ("chat",)),
    ],
)
def test_file_in_place_of_data_folder_fails_clearly(
    tmp_path: Path, folder: str, command: tuple[str, ...]
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    blocker = data_dir / folder
    blocker.write_text("keep me", encoding="utf-8")

    result = _run(*command, env={"ASSISTANT_DATA_DIR": str(data_dir)})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"cannot use '{blocker}' in the data folder: it is a file" in result.stderr
    assert "move the file away" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_file_in_place_of_data_folder_in_chinese(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    blocker = data_dir / "conversation-locks"
    blocker.write_text("", encoding="utf-8")

    result = _run(
        "ask", "怎么新建任务", env={"ASSISTANT_DATA_DIR": str(data_dir)}, lang="zh_CN.UTF-8"
    )

    assert result.returncode == 2
    assert f"无法使用数据目录中的“{blocker}”：它是文件而不是目录" in result.stderr


@pytest.mark.parametrize("command", [("ask", "转人工"), ("tickets", "list"), ("chat",)])
def test_unreachable_database_fails_clearly(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": UNREACHABLE_DATABASE}

    result = _run(*command, env=env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr
    assert result.stderr.strip() == (
        "Error: cannot connect to the database "
        "'postgresql+psycopg://support:***@127.0.0.1:1/tickets': Connection refused; check "
        "ASSISTANT_DATABASE_URL (supported: sqlite and postgresql+psycopg) and that the "
        "database server is running"
    )


@pytest.mark.parametrize(
    ("url", "shown", "cause"),
    [
        ("notaurl", "notaurl", "not a SQLAlchemy URL"),
        ("support:s3cret@db/tickets", "support:***@db/tickets", "not a SQLAlchemy URL"),
        (
            "mysql://support:s3cret@127.0.0.1/tickets",
            "mysql://support:***@127.0.0.1/tickets",
            "the driver MySQLdb is not installed",
        ),
        (
            "nosuchdb://127.0.0.1/tickets",
            "nosuchdb://127.0.0.1/tickets",
            "unknown database type 'nosuchdb'",
        ),
    ],
)
def test_invalid_database_url_fails_clearly(
    tmp_path: Path, url: str, shown: str, cause: str
) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": url}

    result = _run("tickets", "list", env=env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr
    assert result.stderr.startswith(f"Error: invalid database URL '{shown}': {cause}")
    assert "check ASSISTANT_DATABASE_URL (supported: sqlite and postgresql+psycopg" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "command", [("tickets", "list"), ("ask", "转人工"), ("serve",)], ids=["tickets", "ask", "serve"]
)
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"], ids=["no-path", "memory"])
def test_in_memory_database_fails_clearly(
    tmp_path: Path, command: tuple[str, ...], url: str
) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": url}

    result = _run(*command, env=env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Error: invalid setting ASSISTANT_DATABASE_URL='{url}': must be a SQLite file such as "
        "sqlite:////path/to/assistant.db, not an in-memory database, whose tickets are lost "
        "when the process exits; fix the environment variable or unset it"
    )


def test_in_memory_database_error_in_chinese(tmp_path: Path) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": "sqlite://"}

    result = _run("tickets", "list", env=env, lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "错误：设置 ASSISTANT_DATABASE_URL='sqlite://' 无效：必须是 SQLite 文件"
        "（例如 sqlite:////path/to/assistant.db），不能是内存数据库，因为进程退出时其中的工单会丢失。"
        "请修正该环境变量，或删除它以使用默认值。"
    )


def test_database_error_in_chinese(tmp_path: Path) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": UNREACHABLE_DATABASE}

    result = _run("tickets", "list", env=env, lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stderr.startswith(
        "错误：无法连接数据库“postgresql+psycopg://support:***@127.0.0.1:1/tickets”"
    )


def test_serve_unreachable_database_prints_no_links(tmp_path: Path) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path), "ASSISTANT_DATABASE_URL": UNREACHABLE_DATABASE}

    result = _run("serve", "--port", "1", env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: cannot connect to the database")


def test_serve_taken_port_prints_no_links(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        english = _run("serve", "--port", str(port), env={"ASSISTANT_DATA_DIR": str(tmp_path)})
        chinese = _run(
            "serve",
            "--port",
            str(port),
            env={"ASSISTANT_DATA_DIR": str(tmp_path)},
            lang="zh_CN.UTF-8",
        )

    assert english.returncode == 2
    assert english.stdout == ""
    assert english.stderr.strip() == (
        f"Error: port {port} on 127.0.0.1 is already in use; stop the program that uses it, "
        "or pick another port with --port (make run PORT=8001)"
    )
    assert chinese.returncode == 2
    assert f"127.0.0.1 上的端口 {port} 已被占用" in chinese.stderr


SETTINGS_CHECK_COMMANDS = [
    ("ask", "hi"),
    ("chat",),
    ("search", "hi"),
    ("ingest", "."),
    ("tickets", "list"),
    ("tickets", "check-sla"),
    ("keys", "list"),
    ("report", "voc"),
    ("serve",),
]


@pytest.mark.parametrize("command", SETTINGS_CHECK_COMMANDS, ids=" ".join)
def test_invalid_timezone_fails_every_command(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_TIMEZONE": "Mars/Base"}

    result = _run(*command, env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "Error: invalid setting ASSISTANT_TIMEZONE='Mars/Base': must be an IANA time zone name "
        "such as Asia/Shanghai or Europe/Berlin; fix the environment variable or unset it"
    )
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", [("ask", "hi"), ("tickets", "list")], ids=" ".join)
def test_reversed_work_hours_fail_in_chinese(tmp_path: Path, command: tuple[str, ...]) -> None:
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path),
        "ASSISTANT_WORK_START_HOUR": "18",
        "ASSISTANT_WORK_END_HOUR": "9",
    }

    result = _run(*command, env=env, lang="zh_CN.UTF-8")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "错误：设置 ASSISTANT_WORK_END_HOUR='9' 无效：必须晚于 ASSISTANT_WORK_START_HOUR（18）。"
        "请修正该环境变量，或删除它以使用默认值。"
    )
