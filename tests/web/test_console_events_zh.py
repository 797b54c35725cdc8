"""The zh agent console names event fields, coded values, modules and reasons in Chinese."""

from __future__ import annotations

import re

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.conftest import AppServer, BrowserFactory, save_screenshot, wait
from tests.web.test_console_page import BUG_REPORT, open_console, open_ticket_from_chat, row_of

OPENED_LINE = re.compile(r"^层级：L[123]，优先级：(低|普通|高|紧急)$")
OUTAGE = "The whole site is down, nobody in our company can load any page, 502 everywhere"


def test_zh_console_translates_event_data(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    ticket_id = open_ticket_from_chat(driver, app_server, BUG_REPORT)
    open_console(driver, app_server, ticket_id)

    row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".ticket-open").send_keys(Keys.ENTER)
    detail = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )

    opened = detail.find_element(By.CSS_SELECTOR, ".events .event-opened")
    assert opened.find_element(By.CSS_SELECTOR, ".event-kind").text == "创建"
    opened_data = opened.find_element(By.CSS_SELECTOR, ".event-data").text
    assert OPENED_LINE.match(opened_data), opened_data
    fields = detail.find_element(By.CSS_SELECTOR, ".fields").text
    assert "甘特图" in fields, "the module is named in Chinese"
    save_screenshot(driver, "console-events-zh")


def test_zh_console_translates_server_reasons(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    ticket_id = open_ticket_from_chat(driver, app_server, OUTAGE)
    headers = {"Authorization": f"Bearer {app_server.agent_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60) as client:
        typed = {"to_tier": "L3", "reason": "needs a code fix"}
        client.post(f"/v1/tickets/{ticket_id}/escalate", json=typed).raise_for_status()
        events = client.get(f"/v1/tickets/{ticket_id}").json()["events"]
    english_reasons = [event["data"]["reason"] for event in events if "reason" in event["data"]]
    open_console(driver, app_server, ticket_id)

    row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".ticket-open").send_keys(Keys.ENTER)
    detail = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )

    escalated = [
        element.text
        for element in detail.find_elements(By.CSS_SELECTOR, ".events .event-escalated .event-data")
    ]
    assert "原因：“服务中断”类工单转由 L2 处理" in escalated[0], escalated
    assert "原因：needs a code fix" in escalated[-1], "a typed reason is shown as written"
    assigned = [
        element.text
        for element in detail.find_elements(By.CSS_SELECTOR, ".events .event-assigned .event-data")
    ]
    assert assigned, "the ticket has an assigned event"
    for line in assigned:
        assert "原因：" in line, line
        assert not any(reason in line for reason in english_reasons), line
        assert "reason_code" not in line, line
    save_screenshot(driver, "console-reasons-zh")
