"""A real uvicorn server on a free loopback port, over a data dir with two tenants' KBs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from assistant.keys import KeyRole, KeyStore
from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import BOARDS_EN, REPO_ROOT, SAMPLE_KB, SSO_ZH, write_kb

SERVER_START_TIMEOUT_SECONDS = 60.0
IDLE_SERVER_MINUTES = 0.01
"""Survey idle time of `idle_server`: 0.6 s, so a test can wait until a conversation ends."""


@dataclass(frozen=True)
class Server:
    """A running API server and the keys of its tenants."""

    base_url: str
    keys: dict[str, str]
    """Secrets by `{tenant}-{role}`, e.g. `default-agent` or `beta-admin`."""

    def client(self, key_name: str | None = None, language: str = "en") -> httpx.Client:
        """Return a client that sends the named key and Accept-Language."""
        headers = {"Accept-Language": language}
        if key_name is not None:
            headers["Authorization"] = f"Bearer {self.keys[key_name]}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60.0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _start_server(data_dir: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = os.environ | {"ASSISTANT_DATA_DIR": str(data_dir)} | extra_env
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"]
    with (data_dir / f"server-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode}; see its log")
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1.0)
            return process, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the API server did not answer within {SERVER_START_TIMEOUT_SECONDS} s")


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def api_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data dir with the sample KB as tenant default's KB `default` and a small KB of beta."""
    root = tmp_path_factory.mktemp("api")
    data_dir = root / "data"
    settings = Settings(data_dir=data_dir)
    ingest_folder(KnowledgeBase(settings, "default.default"), SAMPLE_KB)
    beta_kb = write_kb(root / "beta-kb", {"en/boards.md": BOARDS_EN, "zh/sso.md": SSO_ZH})
    ingest_folder(KnowledgeBase(settings, "beta.docs"), beta_kb)
    return data_dir


@pytest.fixture(scope="session")
def api_keys(api_data_dir: Path) -> dict[str, str]:
    """One key per role for tenant default, and agent and admin keys for tenant beta."""
    store = KeyStore(Settings(data_dir=api_data_dir).resolved_database_url)
    keys: dict[str, str] = {}
    for tenant, roles in (("default", list(KeyRole)), ("beta", [KeyRole.AGENT, KeyRole.ADMIN])):
        for role in roles:
            keys[f"{tenant}-{role.value}"] = store.create(tenant, role)[1]
    store.close()
    return keys


@pytest.fixture(scope="session")
def server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """The API server shared by the tests; its rate limit is high enough not to interfere."""
    env = {"ASSISTANT_API_RATE_BURST": "1000", "ASSISTANT_API_RATE_PER_SECOND": "1000"}
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=api_keys)
    _stop_server(process)


@pytest.fixture(scope="module")
def twin_server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """A second server on the same data, like a second worker process of one service."""
    env = {"ASSISTANT_API_RATE_BURST": "1000", "ASSISTANT_API_RATE_PER_SECOND": "1000"}
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=api_keys)
    _stop_server(process)


@pytest.fixture(scope="module")
def strict_server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """A second server on the same data whose rate limit is 3 requests, then one per 10 s."""
    env = {"ASSISTANT_API_RATE_BURST": "3", "ASSISTANT_API_RATE_PER_SECOND": "0.1"}
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=api_keys)
    _stop_server(process)


@pytest.fixture(scope="module")
def idle_server(api_data_dir: Path, api_keys: dict[str, str]) -> Iterator[Server]:
    """A second server on the same data whose conversations end after 0.6 s without messages."""
    env = {
        "ASSISTANT_API_RATE_BURST": "1000",
        "ASSISTANT_API_RATE_PER_SECOND": "1000",
        "ASSISTANT_SURVEY_IDLE_MINUTES": str(IDLE_SERVER_MINUTES),
    }
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=api_keys)
    _stop_server(process)
