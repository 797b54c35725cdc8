"""Log lines on stderr: none of the support team's warnings in a plain run, all of them with -v."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assistant.domain import MODULES
from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.cli.conftest import CLI_TIMEOUT_SECONDS, cli_env
from tests.conftest import BOARDS_EN, REPO_ROOT, write_kb

QUEUE_WARNING = "WARNING assistant.tickets.assignment ticket queued for team everyone"


@pytest.fixture(scope="module")
def queueing_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a small KB and a roster whose only matching team has no agent, so that
    every ticket waits in that team's queue."""
    root = tmp_path_factory.mktemp("queueing")
    data_dir = root / "data"
    kb = KnowledgeBase(Settings(data_dir=data_dir), "default.default")
    ingest_folder(kb, write_kb(root / "kb", {"en/boards.md": BOARDS_EN}))
    kb.close()
    roster = {
        "teams": [
            {"id": "everyone", "name": "Everyone", "tiers": ["L1", "L2", "L3"], "modules": MODULES},
            {"id": "spare", "name": "Spare", "tiers": ["L1"], "modules": ["general"]},
        ],
        "agents": [
            {
                "id": "spare-agent",
                "name": "Spare agent",
                "team": "spare",
                "skills": {"modules": ["general"], "languages": ["zh"], "tiers": ["L1"]},
                "capacity": 1,
            }
        ],
    }
    (root / "roster.yaml").write_text(yaml.safe_dump(roster), encoding="utf-8")
    return data_dir


def _ask(data_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = cli_env(data_dir) | {"ASSISTANT_ROSTER_PATH": str(data_dir.parent / "roster.yaml")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *options, "ask", "talk to a human", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=CLI_TIMEOUT_SECONDS,
        check=False,
    )


def test_ask_leaves_out_ticket_queue_warning(queueing_data_dir: Path) -> None:
    result = _ask(queueing_data_dir)

    assert result.returncode == 0, result.stderr
    ticket = json.loads(result.stdout)["action"]["ticket"]
    assert ticket["team"] == "everyone"
    assert ticket["assignee"] is None
    assert result.stderr == ""


def test_verbose_ask_logs_ticket_queue_warning(queueing_data_dir: Path) -> None:
    result = _ask(queueing_data_dir, "-v")

    assert result.returncode == 0, result.stderr
    assert QUEUE_WARNING in result.stderr
