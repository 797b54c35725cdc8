"""The chat widget page against the real app: streamed, cited answers and the language switch."""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.web.conftest import (
    ANSWER_TIMEOUT_SECONDS,
    AppServer,
    BrowserFactory,
    open_page,
    save_screenshot,
    wait,
)

SSO_QUESTION = "How do I set up SSO?"
SSO_DOC = "en/admin/sso-saml.md"
GANTT_PDF_BUG = (
    "Since version 3.4.1 exporting the Gantt chart to PDF crashes. "
    "Steps: open Gantt, click Export, choose PDF. Expected: a PDF file. Actual: error 500"
)


FINISHED_REPLY = '.message-assistant[aria-busy="false"]'


def send_and_wait(driver: WebDriver, send: Callable[[], None]) -> WebElement:
    """Run send, which posts one message, and return the assistant's finished reply to it."""
    finished_before = len(driver.find_elements(By.CSS_SELECTOR, FINISHED_REPLY))
    send()
    wait(driver, ANSWER_TIMEOUT_SECONDS).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, FINISHED_REPLY)) > finished_before
    )
    return driver.find_elements(By.CSS_SELECTOR, FINISHED_REPLY)[-1]


def ask(driver: WebDriver, message: str) -> WebElement:
    """Type message in the chat box, press Enter and return the assistant's finished reply."""
    chat_input = driver.find_element(By.ID, "chat-input")
    return send_and_wait(driver, lambda: chat_input.send_keys(message, Keys.ENTER))


def test_chat_shows_cited_answer(open_browser: BrowserFactory, app_server: AppServer) -> None:
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")

    reply = ask(driver, SSO_QUESTION)

    assert "#key=" not in driver.current_url, "the key must leave the address bar"
    assert not reply.find_elements(By.CSS_SELECTOR, "[role=alert]"), reply.text
    assert "SSO" in reply.find_element(By.CSS_SELECTOR, ".message-body").text
    citations = reply.find_elements(By.CSS_SELECTOR, ".sources .citation")
    docs = [c.find_element(By.CSS_SELECTOR, ".citation-doc").text for c in citations]
    assert SSO_DOC in docs
    titles = [c.find_element(By.CSS_SELECTOR, ".citation-title").text for c in citations]
    assert any("SAML" in title for title in titles), titles
    marker = reply.find_element(By.CSS_SELECTOR, ".message-body .cite-ref")
    assert marker.get_attribute("href").endswith("-cite-1")
    assert "How-to" in reply.find_element(By.CSS_SELECTOR, ".intent-badge").text
    related = reply.find_element(By.CSS_SELECTOR, ".related")
    assert related.find_element(By.TAG_NAME, "h3").text.casefold() == "related articles"
    related_docs = [d.text for d in related.find_elements(By.CSS_SELECTOR, ".citation-doc")]
    assert 1 <= len(related_docs) <= 3
    assert SSO_DOC not in related_docs
    save_screenshot(driver, "chat")


def test_chat_rating_marks_pressed_button(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    reply = ask(driver, SSO_QUESTION)

    reply.find_element(By.CSS_SELECTOR, ".rate-up").click()

    pressed = reply.find_element(By.CSS_SELECTOR, ".rate-up").get_attribute("aria-pressed")
    assert pressed == "true"
    other = reply.find_element(By.CSS_SELECTOR, ".rate-down").get_attribute("aria-pressed")
    assert other == "false"
    assert reply.find_element(By.CSS_SELECTOR, ".rating-status").text == "Thanks, glad it helped."
    statuses = wait(driver).until(lambda d: _feedback_statuses(d) or None)
    assert statuses == [201], "POST /v1/feedback must be accepted, not 404"


def _feedback_statuses(driver: WebDriver) -> list[int]:
    """Return the HTTP statuses of the page's requests to /v1/feedback, from Resource Timing."""
    script = (
        "return performance.getEntriesByType('resource')"
        ".filter((entry) => entry.name.endsWith('/v1/feedback'))"
        ".map((entry) => entry.responseStatus);"
    )
    statuses: list[int] = driver.execute_script(script)
    return statuses


def test_chat_human_button_opens_handoff_ticket(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    human_button = driver.find_element(By.ID, "human")

    reply = send_and_wait(driver, human_button.click)

    assert driver.find_elements(By.CSS_SELECTOR, ".message-user")[-1].text.endswith("转人工")
    note = reply.find_element(By.CSS_SELECTOR, ".ticket-note")
    assert note.get_attribute("data-ticket-id").startswith("T-")
    assert note.text.startswith("工单 T-")
    assert not driver.find_elements(By.CSS_SELECTOR, ".survey"), "the survey waits for the ticket"


def test_chat_ticket_reply_lists_articles_for_the_wait(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("en-US")
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")

    reply = ask(driver, GANTT_PDF_BUG)

    note = reply.find_element(By.CSS_SELECTOR, ".ticket-note")
    related = reply.find_element(By.CSS_SELECTOR, ".related")
    heading = related.find_element(By.TAG_NAME, "h3")
    assert heading.text.casefold() == "while you wait, these articles may help"
    related_docs = [d.text for d in related.find_elements(By.CSS_SELECTOR, ".citation-doc")]
    assert "en/gantt/gantt-troubleshooting.md" in related_docs
    assert not reply.find_elements(By.CSS_SELECTOR, ".citation")
    note_first = "return arguments[0].compareDocumentPosition(arguments[1]) & 4;"
    assert driver.execute_script(note_first, note, related), "the ticket note comes first"

    Select(driver.find_element(By.ID, "language")).select_by_value("zh")

    wait(driver).until(lambda _: heading.text == "等待处理期间，这些文章或许能帮到您")
    save_screenshot(driver, "chat-ticket-zh")


def test_chat_language_follows_browser_when_zh(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")

    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")

    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert driver.find_element(By.ID, "send").text == "发送"
    assert driver.find_element(By.ID, "human").text == "转人工"


def test_chat_language_switch_persists(open_browser: BrowserFactory, app_server: AppServer) -> None:
    driver = open_browser("en-US")
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    reply = ask(driver, SSO_QUESTION)
    assert driver.find_element(By.ID, "send").text == "Send"

    Select(driver.find_element(By.ID, "language")).select_by_value("zh")

    wait(driver).until(lambda d: d.find_element(By.ID, "send").text == "发送")
    placeholder = driver.find_element(By.ID, "chat-input").get_attribute("placeholder")
    assert placeholder.startswith("例如")
    assert reply.find_element(By.CSS_SELECTOR, ".speaker").text == "助手"
    assert reply.find_element(By.CSS_SELECTOR, ".sources h3").text == "参考文章"
    save_screenshot(driver, "chat-zh")

    open_page(driver, f"{app_server.base_url}/")
    assert driver.find_element(By.ID, "send").text == "发送"
    assert driver.find_element(By.ID, "language").get_attribute("value") == "zh"
    assert driver.find_element(By.ID, "key-form").get_attribute("hidden") is not None


def test_chat_rejected_key_shows_alert_and_key_form(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/#key=sk-000000000000-not-a-real-key-at-all")

    reply = ask(driver, SSO_QUESTION)

    alert = reply.find_element(By.CSS_SELECTOR, "[role=alert]")
    assert alert.text == "The API key was rejected. Enter a valid key."
    assert driver.find_element(By.ID, "key-form").is_displayed()
