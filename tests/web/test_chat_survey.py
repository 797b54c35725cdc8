"""The chat widget's CSAT and NPS survey after a ticket is resolved, against the real app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from assistant.keys import KeyRole, KeyStore
from tests.web.conftest import (
    ANSWER_TIMEOUT_SECONDS,
    TENANT,
    AppServer,
    BrowserFactory,
    open_page,
    save_screenshot,
    wait,
)
from tests.web.test_chat_page import ask, send_and_wait

POLL_SECONDS = 1
"""Survey poll interval of the page in the polling test, set with ?survey_poll_seconds."""


@pytest.fixture(scope="module")
def ops_key(app_server: AppServer) -> Iterator[str]:
    """An ops key of the test tenant, to read the feedback summary."""
    store = KeyStore(app_server.settings.resolved_database_url)
    try:
        _, secret = store.create(TENANT, KeyRole.OPS, "web-test-survey-ops")
    finally:
        store.close()
    yield secret


def _api(app_server: AppServer, key: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60)


def _open_handoff_ticket(driver: WebDriver) -> str:
    """Press "Talk to a human" and return the id of the handoff ticket it opens."""
    reply = send_and_wait(driver, driver.find_element(By.ID, "human").click)
    ticket_id = reply.find_element(By.CSS_SELECTOR, ".ticket-note").get_attribute("data-ticket-id")
    assert ticket_id and ticket_id.startswith("T-"), reply.text
    return ticket_id


def _resolve(app_server: AppServer, ticket_id: str) -> None:
    with _api(app_server, app_server.agent_key) as client:
        response = client.patch(f"/v1/tickets/{ticket_id}", json={"status": "resolved"})
    assert response.status_code == 200, response.text


def _summary(app_server: AppServer, ops_key: str) -> dict[str, Any]:
    with _api(app_server, ops_key) as client:
        response = client.get("/v1/feedback/summary")
    assert response.status_code == 200, response.text
    summary: dict[str, Any] = response.json()
    return summary


def _survey_checks(driver: WebDriver) -> int:
    """Return how many rounds of survey checks the page finished since it loaded."""
    checks = driver.find_element(By.ID, "chat-log").get_attribute("data-survey-checks")
    return int(checks or 0)


def _wait_for_survey(driver: WebDriver, timeout: float = ANSWER_TIMEOUT_SECONDS) -> WebElement:
    surveys = wait(driver, timeout).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".survey") or None
    )
    assert len(surveys) == 1, [survey.text for survey in surveys]
    survey: WebElement = surveys[0]
    return survey


def test_survey_after_resolved_ticket_is_sent_once(
    open_browser: BrowserFactory, app_server: AppServer, ops_key: str
) -> None:
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    ticket_id = _open_handoff_ticket(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".survey"), (
        "no survey while the ticket is open"
    )
    _resolve(app_server, ticket_id)
    before = _summary(app_server, ops_key)

    open_page(driver, f"{app_server.base_url}/")
    survey = _wait_for_survey(driver)

    title = survey.find_element(By.CSS_SELECTOR, ".survey-title").text
    assert title == f"Your ticket {ticket_id} was resolved. Tell us how we did."
    assert survey.get_attribute("role") == "group"
    stars = survey.find_elements(By.CSS_SELECTOR, ".csat .star")
    assert len(stars) == 5
    nps_buttons = survey.find_elements(By.CSS_SELECTOR, ".nps .nps-score")
    digits = [button.get_attribute("data-score") for button in nps_buttons]
    assert digits == [str(score) for score in range(11)]
    hidden = nps_buttons[9].find_element(By.CSS_SELECTOR, ".visually-hidden")
    assert hidden.get_attribute("textContent") == "9 of 10"
    nps_question = survey.find_element(By.CSS_SELECTOR, ".nps .survey-question").text
    assert nps_question == "How likely are you to recommend this product to a colleague?"

    stars[3].click()
    nps_buttons[9].click()
    survey.find_element(By.CSS_SELECTOR, "textarea").send_keys("Fixed the same day")
    save_screenshot(driver, "chat-survey")
    survey.find_element(By.CSS_SELECTOR, ".survey-send").click()

    status = survey.find_element(By.CSS_SELECTOR, ".survey-status")
    wait(driver).until(lambda _: status.text == "Thanks for your feedback.")
    assert stars[3].get_attribute("aria-pressed") == "true"
    assert nps_buttons[9].get_attribute("aria-pressed") == "true"
    after = _summary(app_server, ops_key)
    assert after["surveys"] == before["surveys"] + 1
    assert after["csat_count"] == before["csat_count"] + 1
    assert after["nps_count"] == before["nps_count"] + 1
    conversation_id = survey.get_attribute("data-conversation-id")
    with _api(app_server, app_server.widget_key) as client:
        state = client.get(f"/v1/conversations/{conversation_id}/survey").json()
    assert state["answered"] is True

    open_page(driver, f"{app_server.base_url}/")
    wait(driver).until(lambda d: _survey_checks(d) >= 1)
    assert not driver.find_elements(By.CSS_SELECTOR, ".survey"), "a survey is shown only once"


def test_survey_appears_while_page_open_when_ticket_resolved(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    page = f"{app_server.base_url}/?survey_poll_seconds={POLL_SECONDS}"
    open_page(driver, f"{page}#key={app_server.widget_key}")
    ticket_id = _open_handoff_ticket(driver)
    checks = _survey_checks(driver)
    wait(driver).until(lambda d: _survey_checks(d) > checks)
    assert not driver.find_elements(By.CSS_SELECTOR, ".survey"), (
        "no survey while the ticket is open"
    )

    _resolve(app_server, ticket_id)
    survey = _wait_for_survey(driver, timeout=10 * POLL_SECONDS + 10)

    title = survey.find_element(By.CSS_SELECTOR, ".survey-title").text
    assert title == f"您的工单 {ticket_id} 已解决，请评价我们的服务。"
    survey.find_element(By.CSS_SELECTOR, ".survey-send").click()
    status = survey.find_element(By.CSS_SELECTOR, ".survey-status")
    assert status.text == "请先选择评分或填写意见，再提交。"
    survey.find_elements(By.CSS_SELECTOR, ".nps .nps-score")[10].click()
    survey.find_element(By.CSS_SELECTOR, ".survey-send").click()
    wait(driver).until(lambda _: status.text == "感谢您的反馈。")


def test_new_conversation_shows_survey_of_finished_one(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    reply = ask(driver, "How do I set up SSO?")
    assert not reply.find_elements(By.CSS_SELECTOR, ".ticket-note"), reply.text

    driver.find_element(By.ID, "new-conversation").click()
    survey = _wait_for_survey(driver)

    title = survey.find_element(By.CSS_SELECTOR, ".survey-title").text
    assert title == "This conversation has ended. Tell us how we did."
    assert survey.get_attribute("data-reason") == "conversation_ended"
