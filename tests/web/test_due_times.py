"""Due and event times on the chat page and the agent console: the support team's time zone,
named by its UTC offset, whatever the browser's own time zone is."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.web.conftest import AppServer, BrowserFactory, open_page, wait
from tests.web.test_chat_page import ask
from tests.web.test_console_page import BUG_REPORT, open_console, row_of

SUPPORT_ZONE = ZoneInfo("Asia/Shanghai")
"""The default `ASSISTANT_TIMEZONE` of the test server."""

BROWSER_ZONE = "America/Chicago"
"""A browser time zone far from the support team's, so a time shown in the browser's zone fails."""

REPLY_DUE = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) GMT\+8")
LANGUAGES = pytest.mark.parametrize("language", ["en-US", "zh-CN"], ids=["english", "chinese"])


def shown_time(moment: datetime, language: str) -> str:
    """Return how the pages show `moment` in the support team's time zone."""
    local = moment.astimezone(SUPPORT_ZONE)
    if language.startswith("zh"):
        return f"{local.year}年{local.month}月{local.day}日 GMT+8 {local:%H:%M}"
    return f"{local:%b} {local.day}, {local.year}, {local:%H:%M} GMT+8"


@pytest.fixture
def far_browser(open_browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch) -> BrowserFactory:
    """Start Chromium sessions whose time zone is `BROWSER_ZONE`."""
    monkeypatch.setenv("TZ", BROWSER_ZONE)
    return open_browser


@LANGUAGES
def test_chat_ticket_due_matches_reply(
    far_browser: BrowserFactory, app_server: AppServer, language: str
) -> None:
    driver = far_browser(language)
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")

    reply = ask(driver, BUG_REPORT)

    answer = reply.find_element(By.CSS_SELECTOR, ".message-body").text
    match = REPLY_DUE.search(answer)
    assert match, f"the reply states no due time: {answer}"
    due = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=SUPPORT_ZONE)
    note = reply.find_element(By.CSS_SELECTOR, ".ticket-note").text
    due_label = "截止" if language.startswith("zh") else "due"
    assert note.endswith(f"{due_label} {shown_time(due, language)}"), note


@LANGUAGES
def test_console_times_name_support_zone(
    far_browser: BrowserFactory, app_server: AppServer, language: str
) -> None:
    driver = far_browser(language)
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    note = ask(driver, BUG_REPORT).find_element(By.CSS_SELECTOR, ".ticket-note")
    ticket_id = note.get_attribute("data-ticket-id")
    headers = {"Authorization": f"Bearer {app_server.agent_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60) as client:
        listed = client.get("/v1/tickets").json()
        ticket = client.get(f"/v1/tickets/{ticket_id}").json()
    assert listed["timezone"] == "Asia/Shanghai"

    open_console(driver, app_server, ticket_id)

    created = row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".created time").text
    assert created == shown_time(datetime.fromisoformat(ticket["created_at"]), language)
    row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".ticket-open").click()
    detail = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )
    event_times = [e.text for e in detail.find_elements(By.CSS_SELECTOR, ".events .event-time")]
    expected = [shown_time(datetime.fromisoformat(e["at"]), language) for e in ticket["events"]]
    assert event_times == expected
