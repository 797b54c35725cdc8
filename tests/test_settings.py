"""Settings read from `ASSISTANT_*` variables, and the errors that name a bad variable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.database import DatabaseFolderMissingError
from assistant.domain import Language
from assistant.settings import Settings, ensure_data_dir, get_settings
from assistant.settings_errors import InvalidSettingsError, settings_error
from tests.conftest import REPO_ROOT


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_get_settings_invalid_value_names_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ANSWER_MIN_CONFIDENCE", "abc")

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert caught.value.code == "invalid_settings"
    assert str(caught.value) == (
        "invalid setting ASSISTANT_ANSWER_MIN_CONFIDENCE='abc': must be a number from 0 to 1; "
        "fix the environment variable or unset it"
    )


def test_get_settings_lists_every_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SURGE_INTENTS", "bogus,outage,nonsense")
    monkeypatch.setenv("ASSISTANT_LOG_MODEL_DATA", "maybe")
    monkeypatch.setenv("ASSISTANT_PAGER_WEBHOOK_URL", "ftp://pager")

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    variables = [problem.variable for problem in caught.value.problems]
    lines = caught.value.message_in(Language.EN).splitlines()
    assert sorted(variables) == [
        "ASSISTANT_LOG_MODEL_DATA",
        "ASSISTANT_PAGER_WEBHOOK_URL",
        "ASSISTANT_SURGE_INTENTS",
    ]
    assert len(lines) == 3
    assert any("='bogus,outage,nonsense': must be a comma-separated list" in line for line in lines)
    assert any("='maybe': must be true, yes, on or 1 to turn it on," in line for line in lines)
    assert any("must start with http:// or https://" in line for line in lines)


def test_get_settings_message_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_WORK_START_HOUR", "25")

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert caught.value.message_in(Language.ZH) == (
        "设置 ASSISTANT_WORK_START_HOUR='25' 无效：必须是 0 到 23 之间的整数。"
        "请修正该环境变量，或删除它以使用默认值。"
    )


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?cache=shared"],
    ids=["no-path", "memory", "file-named-memory"],
)
def test_get_settings_rejects_in_memory_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", url)

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert [problem.variable for problem in caught.value.problems] == ["ASSISTANT_DATABASE_URL"]
    assert str(caught.value) == (
        f"invalid setting ASSISTANT_DATABASE_URL='{url}': must be a SQLite file such as "
        "sqlite:////path/to/assistant.db, not an in-memory database, whose tickets are lost "
        "when the process exits; fix the environment variable or unset it"
    )
    assert caught.value.message_in(Language.ZH) == (
        f"设置 ASSISTANT_DATABASE_URL='{url}' 无效：必须是 SQLite 文件"
        "（例如 sqlite:////path/to/assistant.db），不能是内存数据库，因为进程退出时其中的工单会丢失。"
        "请修正该环境变量，或删除它以使用默认值。"
    )


def test_get_settings_accepts_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "sqlite:////var/lib/assistant/assistant.db")

    settings = get_settings()

    assert settings.resolved_database_url == "sqlite:////var/lib/assistant/assistant.db"


def test_settings_error_uses_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    class AliasedSettings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="ASSISTANT_")

        rate: float = Field(default=1.0, gt=0, validation_alias="SUPPORT_RATE")

    monkeypatch.setenv("SUPPORT_RATE", "-1")
    with pytest.raises(ValidationError) as caught:
        AliasedSettings()

    error = settings_error(caught.value, AliasedSettings.model_fields, "ASSISTANT_")

    assert [problem.variable for problem in error.problems] == ["SUPPORT_RATE"]
    assert str(error).startswith("invalid setting SUPPORT_RATE='-1': must be a number greater")


def test_ensure_data_dir_rejects_missing_database_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{folder / 'x.db'}")

    with pytest.raises(DatabaseFolderMissingError, match="does not exist; create it"):
        ensure_data_dir(settings)

    assert not folder.exists()


def test_ensure_data_dir_creates_default_database_folder(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new" / "data")

    ensure_data_dir(settings)

    assert (tmp_path / "new" / "data").is_dir()


def test_cli_missing_database_folder_names_it(tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    env = os.environ | {
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_DATABASE_URL": f"sqlite:///{folder / 'x.db'}",
        "LANG": "zh_CN.UTF-8",
        "LC_ALL": "",
    }

    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "tickets", "list"],
        capture_output=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert f"目录 {folder} 不存在。请创建该目录（mkdir -p {folder}）" in result.stderr.decode()
    assert not folder.exists()


PATH_SETTINGS = [
    ("ASSISTANT_DATA_DIR", "data_dir"),
    ("ASSISTANT_GLOSSARY_PATH", "glossary_path"),
    ("ASSISTANT_ROSTER_PATH", "roster_path"),
    ("ASSISTANT_EVAL_REPORTS_DIR", "eval_reports_dir"),
]


@pytest.mark.parametrize(("variable", "field"), PATH_SETTINGS)
def test_empty_path_setting_means_default(
    monkeypatch: pytest.MonkeyPatch, variable: str, field: str
) -> None:
    monkeypatch.delenv(variable, raising=False)
    default = getattr(get_settings(), field)
    get_settings.cache_clear()
    monkeypatch.setenv(variable, "")

    value = getattr(get_settings(), field)

    assert value == default
    assert value != Path()


@pytest.mark.parametrize(("variable", "field"), PATH_SETTINGS)
@pytest.mark.parametrize("blank", [" ", "\t", "  \n"], ids=["space", "tab", "newline"])
def test_blank_path_setting_names_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, field: str, blank: str
) -> None:
    monkeypatch.setenv(variable, blank)

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert str(caught.value) == (
        f"invalid setting {variable}={blank!r}: must be a path, or empty for the default, not "
        "only whitespace; fix the environment variable or unset it"
    )
    assert caught.value.message_in(Language.ZH) == (
        f"设置 {variable}={blank!r} 无效：必须是路径，或留空以使用默认值，不能只包含空白字符。"
        "请修正该环境变量，或删除它以使用默认值。"
    )


@pytest.mark.parametrize("timezone", ["Mars/Base", "", "/etc/localtime", "../zoneinfo/UTC"])
def test_get_settings_rejects_unknown_timezone(
    monkeypatch: pytest.MonkeyPatch, timezone: str
) -> None:
    monkeypatch.setenv("ASSISTANT_TIMEZONE", timezone)

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert str(caught.value) == (
        f"invalid setting ASSISTANT_TIMEZONE={timezone!r}: must be an IANA time zone name such "
        "as Asia/Shanghai or Europe/Berlin; fix the environment variable or unset it"
    )


def test_get_settings_accepts_iana_timezone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TIMEZONE", "Europe/Berlin")

    assert get_settings().timezone == "Europe/Berlin"


@pytest.mark.parametrize(("start", "end"), [("18", "9"), ("9", "9")], ids=["reversed", "equal"])
def test_get_settings_rejects_work_end_not_after_start(
    monkeypatch: pytest.MonkeyPatch, start: str, end: str
) -> None:
    monkeypatch.setenv("ASSISTANT_WORK_START_HOUR", start)
    monkeypatch.setenv("ASSISTANT_WORK_END_HOUR", end)

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert [problem.variable for problem in caught.value.problems] == ["ASSISTANT_WORK_END_HOUR"]
    assert str(caught.value) == (
        f"invalid setting ASSISTANT_WORK_END_HOUR='{end}': must be later than "
        f"ASSISTANT_WORK_START_HOUR ({start}); fix the environment variable or unset it"
    )


def test_get_settings_lists_timezone_with_other_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TIMEZONE", "Mars/Base")
    monkeypatch.setenv("ASSISTANT_WORK_START_HOUR", "25")

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    variables = sorted(problem.variable for problem in caught.value.problems)
    assert variables == ["ASSISTANT_TIMEZONE", "ASSISTANT_WORK_START_HOUR"]


def test_cli_empty_data_dir_uses_default_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    xdg_data = tmp_path / "xdg-data"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")
    }
    environment |= {"ASSISTANT_DATA_DIR": "", "XDG_DATA_HOME": str(xdg_data), "LC_ALL": ""}
    environment |= {"PYTHONPATH": str(REPO_ROOT), "LANG": "en_US.UTF-8"}

    result = subprocess.run(
        # A command that writes: reading commands no longer create the database.
        [sys.executable, "-m", "cli.main", "keys", "create", "--tenant", "default"]
        + ["--role", "widget"],
        capture_output=True,
        env=environment,
        cwd=work,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr.decode()
    assert list(work.iterdir()) == []
    assert (xdg_data / "pm-support-assistant" / "assistant.db").is_file()


@pytest.mark.parametrize(
    ("variable", "value", "requirement"),
    [
        ("ASSISTANT_CONVERSATION_LOCK_TIMEOUT_SECONDS", "inf", "must be a number greater than 0"),
        ("ASSISTANT_PRODUCT_VERSION", "abc", "must be a version such as 3.4 or 3.4.1"),
        ("ASSISTANT_HELP_CENTER_URL", "not a url", "must be a URL that starts with http://"),
        ("ASSISTANT_EMBEDDING_MODEL", "   ", "must be a litellm model name"),
        ("ASSISTANT_LLM_MODEL", "\t", "must be a litellm model name"),
    ],
)
def test_value_used_later_is_checked_at_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, requirement: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert str(caught.value).startswith(f"invalid setting {variable}={value!r}: {requirement}")
    assert caught.value.message_in(Language.ZH).startswith(f"设置 {variable}={value!r} 无效：")


def test_valid_version_and_url_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_PRODUCT_VERSION", "3.4")
    monkeypatch.setenv("ASSISTANT_HELP_CENTER_URL", "https://help.example.com/docs/")

    settings = get_settings()

    assert settings.product_version == "3.4"
    assert settings.help_center_url == "https://help.example.com/docs/"


def test_misspelt_setting_names_the_closest_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ANSWER_MIN_CONFIDENCES", "0.5")
    get_settings.cache_clear()

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    message = caught.value.message_in(Language.EN)
    assert "ASSISTANT_ANSWER_MIN_CONFIDENCES='0.5'" in message
    assert "did you mean ASSISTANT_ANSWER_MIN_CONFIDENCE?" in message
    assert "ASSISTANT_ANSWER_MIN_CONFIDENCE" in caught.value.message_in(Language.ZH)
    get_settings.cache_clear()


def test_unknown_setting_is_reported_with_invalid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_NO_SUCH_THING", "1")
    monkeypatch.setenv("ASSISTANT_ANSWER_MIN_CONFIDENCE", "2")
    get_settings.cache_clear()

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    variables = [problem.variable for problem in caught.value.problems]
    assert variables == ["ASSISTANT_ANSWER_MIN_CONFIDENCE", "ASSISTANT_NO_SUCH_THING"]
    get_settings.cache_clear()


BOOLEAN_ERROR_EN = (
    "invalid setting ASSISTANT_SEMANTIC_RERANK='maybe': must be true, yes, on or 1 to turn it "
    "on, or false, no, off or 0 to turn it off, in any letter case; fix the environment "
    "variable or unset it"
)
BOOLEAN_ERROR_ZH = (
    "设置 ASSISTANT_SEMANTIC_RERANK='maybe' 无效：必须是 true、yes、on 或 1（开启），"
    "或 false、no、off 或 0（关闭），不区分大小写。请修正该环境变量，或删除它以使用默认值。"
)
BOOLEAN_FORMS = [
    ("true", True),
    ("yes", True),
    ("on", True),
    ("1", True),
    ("false", False),
    ("no", False),
    ("off", False),
    ("0", False),
    ("YES", True),
    ("Off", False),
]
"""Each form that the boolean error message lists, and two in other letter cases."""


def test_boolean_setting_error_lists_accepted_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SEMANTIC_RERANK", "maybe")

    with pytest.raises(InvalidSettingsError) as caught:
        get_settings()

    assert caught.value.message_in(Language.EN) == BOOLEAN_ERROR_EN
    assert caught.value.message_in(Language.ZH) == BOOLEAN_ERROR_ZH


@pytest.mark.parametrize(("value", "expected"), BOOLEAN_FORMS)
@pytest.mark.parametrize("variable", ["ASSISTANT_SEMANTIC_RERANK", "ASSISTANT_LOG_MODEL_DATA"])
def test_boolean_setting_accepts_listed_forms(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: bool
) -> None:
    monkeypatch.setenv(variable, value)

    settings = get_settings()

    field = variable.removeprefix("ASSISTANT_").lower()
    assert getattr(settings, field) is expected
