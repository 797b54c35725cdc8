"""The agent console against the real app: a ticket opened from the chat shows in the queue."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from assistant.tickets import TicketStore
from assistant.tickets.schemas import TicketUpdate
from tests.web.conftest import (
    L1_FIRST_REPLY_SECONDS,
    TENANT,
    AppServer,
    BrowserFactory,
    open_page,
    save_screenshot,
    wait,
)
from tests.web.test_chat_page import ask

BUG_REPORT = "The Gantt export crashes with error 500 since 3.4"
HANDOFF = "I want to talk to a human"
TIME_LEFT = re.compile(r"^(\d+[dhms] ?){1,2} left$")
TIME_OVERDUE = re.compile(r"^Overdue by (\d+[dhms] ?){1,2}$")
TIME_MET_LATE = re.compile(r"^Met, (\d+[dhms] ?){1,2} late$")


def open_ticket_from_chat(driver: WebDriver, app_server: AppServer, message: str) -> str:
    """Send message in the chat widget and return the id of the ticket the reply names."""
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    reply = ask(driver, message)
    return reply.find_element(By.CSS_SELECTOR, ".ticket-note").get_attribute("data-ticket-id")


def make_due_soon(app_server: AppServer, ticket_id: str) -> None:
    """Move the ticket's first-reply due time to a few seconds from now.

    A request for a person waits for working hours, which may be days away on a weekend.
    """
    due = datetime.now(UTC) + timedelta(seconds=L1_FIRST_REPLY_SECONDS)
    store = TicketStore(app_server.settings.resolved_database_url)
    store.update(ticket_id, TicketUpdate(first_reply_due_at=due), tenant=TENANT)


def open_console(driver: WebDriver, app_server: AppServer, ticket_id: str) -> None:
    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")
    wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )


def row_of(driver: WebDriver, ticket_id: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')


def test_console_lists_bug_report_ticket_with_countdown(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, BUG_REPORT)

    open_console(driver, app_server, ticket_id)

    row = row_of(driver, ticket_id)
    assert "Gantt" in row.find_element(By.CSS_SELECTOR, ".col-subject").text
    sla = row.find_element(By.CSS_SELECTOR, ".sla")
    sla_text = sla.find_element(By.CSS_SELECTOR, ".sla-time").text
    assert TIME_LEFT.match(sla_text), f"{ticket_id} ({row.text}) should not be due yet"
    assert "sla-breached" not in sla.get_attribute("class")
    assert sla.find_element(By.CSS_SELECTOR, "time").get_attribute("datetime")


def test_console_detail_shows_transcript_and_events(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, BUG_REPORT)
    open_console(driver, app_server, ticket_id)

    # The keyboard opens a ticket: the id is a button, so Enter works without a mouse.
    row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".ticket-open").send_keys(Keys.ENTER)

    detail = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )
    transcript = detail.find_element(By.CSS_SELECTOR, ".transcript").text
    assert BUG_REPORT in transcript
    kinds = [e.text for e in detail.find_elements(By.CSS_SELECTOR, ".events .event-kind")]
    assert "Opened" in kinds
    assert driver.switch_to.active_element.get_attribute("id") == "detail"
    save_screenshot(driver, "console")

    ActionChains(driver).send_keys(Keys.ESCAPE).perform()

    wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".ticket-detail"))
    assert driver.switch_to.active_element.text == ticket_id, "focus returns to the ticket"


def test_console_handoff_countdown_turns_red_when_breached(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, HANDOFF)
    make_due_soon(app_server, ticket_id)
    open_console(driver, app_server, ticket_id)

    sla = row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".sla")
    wait(driver, L1_FIRST_REPLY_SECONDS + 5).until(
        lambda d: "sla-breached" in sla.get_attribute("class")
    )

    sla_text = sla.find_element(By.CSS_SELECTOR, ".sla-time").text
    assert TIME_OVERDUE.match(sla_text), sla_text
    color = sla.find_element(By.CSS_SELECTOR, ".sla-time").value_of_css_property("color")
    assert color == "rgba(180, 35, 24, 1)", "breached countdowns use the danger red"
    save_screenshot(driver, "console-breached")


def test_console_handoff_shows_met_after_reply(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, HANDOFF)
    make_due_soon(app_server, ticket_id)
    headers = {"Authorization": f"Bearer {app_server.agent_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60) as client:
        replied = client.post(f"/v1/tickets/{ticket_id}/comments", json={"text": "Hi, I am here."})
    assert replied.status_code == 201, replied.text
    assert replied.json()["sla_met_at"] is not None

    open_console(driver, app_server, ticket_id)
    time.sleep(L1_FIRST_REPLY_SECONDS + 1)

    # Past the due time the cell still reads "Met", not a countdown or "Overdue".
    sla = row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".sla")
    sla_text = sla.find_element(By.CSS_SELECTOR, ".sla-time").text
    if replied.json()["sla_breached"]:
        # A slow machine may take longer than the short target to post the reply.
        assert TIME_MET_LATE.match(sla_text), sla_text
    else:
        assert sla_text == "Met"
        assert "sla-breached" not in sla.get_attribute("class")


def test_console_tier_filter_hides_other_tiers(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, BUG_REPORT)
    open_console(driver, app_server, ticket_id)
    tier = row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".col-tier").text
    other_tier = "L3" if tier != "L3" else "L1"

    Select(driver.find_element(By.ID, "filter-tier")).select_by_value(other_tier)

    wait(driver).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )
    rows = driver.find_elements(By.CSS_SELECTOR, "#ticket-rows tr")
    shown_tiers = [row.find_element(By.CSS_SELECTOR, ".col-tier").text for row in rows]
    assert all(value == other_tier for value in shown_tiers), shown_tiers

    Select(driver.find_element(By.ID, "filter-tier")).select_by_value(tier)
    wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )


def test_console_language_switch_translates_queue(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, BUG_REPORT)
    open_console(driver, app_server, ticket_id)

    Select(driver.find_element(By.ID, "language")).select_by_value("zh")

    wait(driver).until(lambda d: d.find_element(By.ID, "queue-heading").text == "工单队列")
    sla_time = row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".sla-time").text
    assert sla_time.startswith("剩余 ")
    assert row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".badge").text == "新建"
    save_screenshot(driver, "console-zh")


def test_console_widget_key_shows_forbidden_alert(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()

    open_page(driver, f"{app_server.base_url}/console#key={app_server.widget_key}")

    alert = wait(driver).until(lambda d: d.find_element(By.ID, "queue-error"))
    wait(driver).until(lambda d: alert.is_displayed())
    assert alert.text == "This key is not allowed to use this page. Enter another key."
    assert driver.find_element(By.ID, "key-form").is_displayed()
    assert not driver.find_elements(By.CSS_SELECTOR, "#ticket-rows tr")
