"""Fixtures for browser tests: a real uvicorn server on loopback and headless Debian Chromium.

Selenium drives Debian's `chromium` and `chromium-driver` packages (`make browsers` installs
them). Selenium Manager is kept offline, so a missing browser fails instead of downloading one.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from assistant.settings import DEFAULT_KB, Settings
from assistant.tenants import tenant_kb_name
from tests.conftest import SAMPLE_KB

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMEDRIVER_PATH = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)
SERVER_START_TIMEOUT_SECONDS = 30.0
PAGE_TIMEOUT_SECONDS = 20.0
ANSWER_TIMEOUT_SECONDS = 60.0
SCREENSHOT_DIR = Path(tempfile.gettempdir())

L1_FIRST_REPLY_SECONDS = 2
"""L1 SLA of the test server: short, so a handoff ticket is breached while the test watches."""

TENANT = "default"
"""Tenant of the test keys and of the ingested KB, which the chat page asks by default."""


@dataclass(frozen=True)
class AppServer:
    """The real API app served on loopback, with one key per role the pages use."""

    base_url: str
    widget_key: str
    agent_key: str
    settings: Settings
    """Settings of the served app, for tests that add keys or eval reports to its data dir."""


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run app under uvicorn in a thread on a free loopback port and yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}; see the log above")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_TIMEOUT_SECONDS)
        sock.close()


def ingest_samples(data_dir: Path, tenant: str = TENANT) -> None:
    """Ingest samples/kb as the tenant's default KB, in a subprocess as a user would."""
    env = os.environ | {"ASSISTANT_DATA_DIR": str(data_dir)}
    kb = tenant_kb_name(tenant, DEFAULT_KB)
    command = [sys.executable, "-m", "cli.main", "ingest", str(SAMPLE_KB), "--kb", kb]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"ingest of {SAMPLE_KB} failed: {result.stderr}"


def _create_keys(settings: Settings) -> tuple[str, str]:
    """Create a widget key and an agent key in the app's key store and return their secrets."""
    from assistant.keys import KeyRole, KeyStore

    store = KeyStore(settings.resolved_database_url)
    try:
        _, widget_key = store.create(TENANT, KeyRole.WIDGET, "web-test-widget")
        _, agent_key = store.create(TENANT, KeyRole.AGENT, "web-test-agent")
    finally:
        store.close()
    return widget_key, agent_key


def _create_app(settings: Settings) -> FastAPI:
    if importlib.util.find_spec("api.app") is None:
        pytest.skip("api.app.create_app is missing: the FastAPI service is not built yet")
    from api.app import create_app

    return create_app(settings)


def _check_pages_served(base_url: str) -> None:
    try:
        with urllib.request.urlopen(f"{base_url}/console", timeout=PAGE_TIMEOUT_SECONDS):
            pass
    except urllib.error.HTTPError as error:
        if error.code == HTTPStatus.NOT_FOUND:
            pytest.skip("create_app does not include api.web.routes.router yet")
        raise


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app from api.app.create_app on a tmp data dir with samples/kb ingested."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    settings = Settings(data_dir=data_dir, sla_l1_first_reply_seconds=L1_FIRST_REPLY_SECONDS)
    app = _create_app(settings)
    ingest_samples(data_dir)
    widget_key, agent_key = _create_keys(settings)

    with serve(app) as base_url:
        _check_pages_served(base_url)
        yield AppServer(
            base_url=base_url, widget_key=widget_key, agent_key=agent_key, settings=settings
        )


@pytest.fixture(scope="session")
def pages_server() -> Iterator[str]:
    """Only the web router, for tests of the pages' own scripts; it needs no API."""
    from api.web.routes import router

    app = FastAPI()
    app.include_router(router)
    with serve(app) as base_url:
        yield base_url


BrowserFactory = Callable[..., WebDriver]


@pytest.fixture
def open_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrowserFactory]:
    """Start headless Chromium sessions whose preferred language is `language`."""
    for path in (CHROMIUM_PATH, CHROMEDRIVER_PATH):
        if not path.exists():
            pytest.fail(f"{path} not found; run `make browsers` to install chromium")
    monkeypatch.setenv("SE_OFFLINE", "true")
    drivers: list[WebDriver] = []

    def start(language: str = "en-US") -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM_PATH)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path / f'profile-{len(drivers)}'}")
        options.add_argument(f"--lang={language}")
        options.add_experimental_option("prefs", {"intl.accept_languages": language})
        driver = webdriver.Chrome(
            service=Service(executable_path=str(CHROMEDRIVER_PATH)), options=options
        )
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()


def wait(driver: WebDriver, timeout: float = PAGE_TIMEOUT_SECONDS) -> WebDriverWait[WebDriver]:
    """Return a WebDriverWait on driver."""
    return WebDriverWait(driver, timeout)


def open_page(driver: WebDriver, url: str) -> None:
    """Load url and wait until the page script has translated the page and wired its controls."""
    driver.get(url)
    wait(driver).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true"
    )


def save_screenshot(driver: WebDriver, name: str) -> Path:
    """Save a PNG of the viewport to the system temp folder, for a person to look at."""
    path = SCREENSHOT_DIR / f"pm-support-web-{name}.png"
    driver.save_screenshot(str(path))
    return path
