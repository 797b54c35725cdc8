"""The console's incidents panel against the real app: a burst of reports shows as an incident."""

from __future__ import annotations

import uuid

import httpx
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.web.conftest import (
    ANSWER_TIMEOUT_SECONDS,
    AppServer,
    BrowserFactory,
    open_page,
    save_screenshot,
    wait,
)

TIMER_BURST = (
    "The timer crashes with error 500 in project {nonce}",
    "Starting the timer in project {nonce} gives error 500",
    "Timer crashes with error 500 for project {nonce}",
    "Error 500 when I start the timer in project {nonce}",
    "Bug: the timer of project {nonce} crashes with error 500",
)
"""Five similar time-tracking reports by five users, the default surge size within 30 minutes."""

BOARD_BURST = (
    "The board of project {nonce} crashes with error 500",
    "Opening the board in project {nonce} gives error 500",
    "Board crashes with error 500 for project {nonce}",
    "Error 500 when I open the board of project {nonce}",
    "Bug: the board of project {nonce} crashes with error 500",
)
"""Five similar reports about boards, a module of its own so that its incident is separate."""


def _send_burst(app_server: AppServer, templates: tuple[str, ...], nonce: str) -> None:
    headers = {"Authorization": f"Bearer {app_server.widget_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60) as client:
        for index, template in enumerate(templates):
            body = {"message": template.format(nonce=nonce), "user": {"id": f"{nonce}-{index}"}}
            reply = client.post("/v1/chat", params={"stream": "false"}, json=body)
            assert reply.json()["action"]["ticket"], f"no ticket for {body['message']!r}"


def _incident_item(driver: WebDriver, nonce: str) -> dict[str, str]:
    """Wait for the incident whose title has `nonce` and read its fields in one go.

    The console redraws the list when it refreshes, so an element found earlier can go stale;
    a read that meets a redrawn list is tried again.
    """

    def read(d: WebDriver) -> dict[str, str] | None:
        try:
            for item in d.find_elements(By.CSS_SELECTOR, "#incident-list li.incident"):
                if nonce not in item.find_element(By.CSS_SELECTOR, ".incident-title").text:
                    continue
                fields = {
                    name: item.find_element(By.CSS_SELECTOR, f".incident-{name}").text
                    for name in ("id", "status", "count", "message")
                }
                return fields | {"incident_id": item.get_attribute("data-incident-id") or ""}
        except StaleElementReferenceException:
            return None
        return None

    fields = wait(driver, ANSWER_TIMEOUT_SECONDS).until(read)
    assert fields is not None
    return fields


def test_console_lists_burst_incident_in_both_languages(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    nonce = f"zq{uuid.uuid4().hex[:6]}"
    _send_burst(app_server, TIMER_BURST, nonce)
    driver = open_browser()

    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")

    item = _incident_item(driver, nonce)
    assert item["id"].startswith("INC-")
    assert item["status"] == "Investigating"
    assert item["count"] == "5 linked tickets"
    assert "time tracking" in item["message"]
    assert driver.find_element(By.ID, "incidents-heading").text == "Open incidents"
    save_screenshot(driver, "console-incidents")

    Select(driver.find_element(By.ID, "language")).select_by_value("zh")

    wait(driver).until(lambda d: d.find_element(By.ID, "incidents-heading").text == "进行中的事件")
    item = _incident_item(driver, nonce)
    assert item["status"] == "调查中"
    assert item["count"] == "已关联 5 个工单"
    assert "工时记录" in item["message"]
    save_screenshot(driver, "console-incidents-zh")


def test_console_drops_resolved_incident_on_refresh(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    nonce = f"zq{uuid.uuid4().hex[:6]}"
    _send_burst(app_server, BOARD_BURST, nonce)
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")
    incident_id = _incident_item(driver, nonce)["incident_id"]

    headers = {"Authorization": f"Bearer {app_server.agent_key}"}
    resolved = httpx.patch(
        f"{app_server.base_url}/v1/incidents/{incident_id}",
        headers=headers,
        json={"status": "resolved"},
        timeout=30,
    )
    driver.find_element(By.ID, "refresh").click()

    assert resolved.status_code == 200
    wait(driver).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'li[data-incident-id="{incident_id}"]')
    )
