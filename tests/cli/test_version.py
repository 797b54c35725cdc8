"""`assistant --version` and `-V`: the installed package's version, without touching data."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cli.main
from cli.main import main
from tests.cli.conftest import CLI_TIMEOUT_SECONDS

ASSISTANT = Path(sys.executable).with_name("assistant")
"""The console script that `pip install` made, which runs `cli.main:run`."""


@pytest.mark.parametrize("option", ["--version", "-V"])
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"], ids=["en", "zh"])
def test_version_prints_installed_version(tmp_path: Path, option: str, lang: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    data_dir = tmp_path / "data"
    env = os.environ | {"ASSISTANT_DATA_DIR": str(data_dir), "LANG": lang, "LC_ALL": ""}

    result = subprocess.run(
        [str(ASSISTANT), option],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == 0
    assert result.stdout == f"assistant {importlib.metadata.version('pm-support-assistant')}\n"
    assert result.stderr == ""
    assert not data_dir.exists()
    assert list(work.iterdir()) == []


def test_version_without_installed_package_is_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.main, "PACKAGE_NAME", "no-such-package-for-assistant-tests")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "")

    code = main(["--version"])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        "Error: the version is unknown because package no-such-package-for-assistant-tests is "
        "not installed; install it with `pip install -e .` in the repository\n"
    )


def test_subcommand_version_option_stays_product_version() -> None:
    args = cli.main.build_parser().parse_args(["search", "gantt", "--version", "3.2"])

    assert args.product_version == "3.2"
