"""The console's ticket detail names why the assistant opened the ticket, in both languages."""

from __future__ import annotations

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tests.web.conftest import AppServer, BrowserFactory, save_screenshot, wait
from tests.web.test_console_page import HANDOFF, open_console, open_ticket_from_chat, row_of


def _field_text(driver: WebDriver, label: str) -> str:
    """Return the text of the detail's field named `label`, once the page shows it.

    The page renders the detail again on a language switch, so a field found a moment ago may
    be gone, and then the search starts over.
    """

    def find(d: WebDriver) -> str | None:
        try:
            for term in d.find_elements(By.CSS_SELECTOR, ".ticket-detail .fields dt"):
                if term.text == label:
                    text: str = term.find_element(By.XPATH, "following-sibling::dd[1]").text
                    return text
        except StaleElementReferenceException:
            return None
        return None

    found = wait(driver).until(find)
    assert found is not None
    return found


def test_console_detail_names_opening_reason(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = open_ticket_from_chat(driver, app_server, HANDOFF)
    open_console(driver, app_server, ticket_id)

    row_of(driver, ticket_id).find_element(By.CSS_SELECTOR, ".ticket-open").send_keys(Keys.ENTER)
    english = _field_text(driver, "Opened because")
    Select(driver.find_element(By.ID, "language")).select_by_value("zh")
    chinese = _field_text(driver, "开单原因")

    assert english == "The user asked for a person"
    assert chinese == "用户要求转人工"
    save_screenshot(driver, "console-reason-zh")
