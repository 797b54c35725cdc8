"""A data dir with the sample KB, and a runner of the real `assistant` command on it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import REPO_ROOT, SAMPLE_KB

CLI_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the sample KB ingested as the default KB."""
    path = tmp_path_factory.mktemp("cli") / "data"
    ingest_folder(KnowledgeBase(Settings(data_dir=path), "default.default"), SAMPLE_KB)
    return path


def cli_env(
    data_dir: Path, lang: str = "en_US.UTF-8", extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return the environment of an `assistant` process on a data dir in a locale, with the
    `extra` variables."""
    environment = os.environ | {"ASSISTANT_DATA_DIR": str(data_dir), "LANG": lang, "LC_ALL": ""}
    return environment | dict(extra or {})


def start_cli(data_dir: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `python -m cli.main ARGS` on a data dir, with stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(data_dir),
        cwd=REPO_ROOT,
    )


def run_cli(
    data_dir: Path,
    *args: str,
    stdin: bytes = b"",
    lang: str = "en_US.UTF-8",
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m cli.main ARGS` on a data dir in a locale, with the `env` variables set,
    and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input=stdin,
        capture_output=True,
        env=cli_env(data_dir, lang, env),
        cwd=REPO_ROOT,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )
