"""The agent console fits a 1280x800 window in English and Chinese, with nothing cut off."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.web.conftest import AppServer, BrowserFactory, open_page, save_screenshot, wait

WINDOW_WIDTH = 1280
WINDOW_HEIGHT = 800
LONG_SUBJECT = (
    "The Gantt chart export to PDF crashes with error 500 since upgrading to 3.4, "
    "and the baseline comparison disappears from every project timeline afterwards"
)

OVERFLOW_SCRIPT = """
const [root] = arguments;
const limit = document.documentElement.clientWidth;
const cut = [];
for (const node of root.querySelectorAll("*")) {
  const box = node.getBoundingClientRect();
  if (box.width && box.right > limit + 0.5) {
    cut.push(`${node.tagName}.${node.className}: right ${Math.round(box.right)} > ${limit}`);
  }
}
for (const node of root.querySelectorAll(".table-scroll, .detail, .event")) {
  if (node.scrollWidth > node.clientWidth + 1) {
    cut.push(`${node.className}: scrollWidth ${node.scrollWidth} > ${node.clientWidth}`);
  }
}
return cut;
"""


@pytest.fixture(scope="module")
def long_ticket(app_server: AppServer) -> str:
    """Open a ticket with a long subject through the chat API and return its id."""
    headers = {"Authorization": f"Bearer {app_server.widget_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60.0) as client:
        reply = client.post(
            "/v1/chat", params={"stream": "false"}, json={"message": LONG_SUBJECT}
        ).json()
    ticket = reply["action"]["ticket"]
    assert ticket, f"the bug report opened no ticket: {reply['action']}"
    return str(ticket["id"])


def open_console_at_1280(driver: WebDriver, app_server: AppServer, ticket_id: str) -> None:
    driver.set_window_size(WINDOW_WIDTH, WINDOW_HEIGHT)
    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")
    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )
    row.find_element(By.CSS_SELECTOR, ".ticket-open").click()
    wait(driver).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )


@pytest.mark.parametrize("language", ["en-US", "zh-CN"], ids=["en", "zh"])
def test_console_fits_1280_window(
    open_browser: BrowserFactory, app_server: AppServer, long_ticket: str, language: str
) -> None:
    driver = open_browser(language)
    open_console_at_1280(driver, app_server, long_ticket)

    save_screenshot(driver, f"console-1280-{language}")
    cut = driver.execute_script(OVERFLOW_SCRIPT, driver.find_element(By.ID, "main"))

    assert driver.execute_script("return document.documentElement.clientWidth") <= WINDOW_WIDTH
    assert cut == [], "\n".join(cut)


def test_console_cut_subject_has_ellipsis_and_tooltip(
    open_browser: BrowserFactory, app_server: AppServer, long_ticket: str
) -> None:
    driver = open_browser()
    open_console_at_1280(driver, app_server, long_ticket)

    subject = driver.find_element(
        By.CSS_SELECTOR, f'tr[data-ticket-id="{long_ticket}"] .col-subject .subject-text'
    )
    words = driver.execute_script(
        "const style = getComputedStyle(arguments[0]);"
        "return [style.overflowWrap, style.wordBreak];",
        subject,
    )

    shown = subject.get_attribute("textContent")
    assert subject.get_attribute("title") == LONG_SUBJECT
    assert shown.endswith("…")
    assert LONG_SUBJECT.startswith(shown.removesuffix("…"))
    assert words == ["normal", "normal"]
