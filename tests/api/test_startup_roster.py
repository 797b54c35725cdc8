"""The service checks ASSISTANT_ROSTER_PATH at start: an invalid roster stops it with one line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from api.app import STARTUP_FAILURE_EXIT_CODE
from tests.conftest import REPO_ROOT

SERVER_EXIT_TIMEOUT_SECONDS = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_invalid_roster_stops_service_start(tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text("teams: [\n  - id: x\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_ROSTER_PATH": str(roster)}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"]

    result = subprocess.run(
        [*command, "--host", "127.0.0.1", "--port", str(_free_port())],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SERVER_EXIT_TIMEOUT_SECONDS,
        check=False,
    )

    assert result.returncode == STARTUP_FAILURE_EXIT_CODE
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert [record["level"] for record in records] == ["CRITICAL"]
    message = records[0]["message"]
    assert message.startswith(f"cannot start the API: roster file {roster} is not valid YAML")
    assert "line 2, column 3" in message
    assert "unset ASSISTANT_ROSTER_PATH" in message
