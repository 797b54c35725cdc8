"""The zh agent console names event fields, their coded values and modules in Chinese."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.conftest import AppServer, BrowserFactory, save_screenshot, wait
from tests.web.test_console_page import BUG_REPORT, open_console, open_ticket_from_chat, row_of

OPENED_LINE = re.compile(r"^层级：L[123]，优先级：(低|普通|高|紧急)$")


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
