"""Onboarding in the chat widget against the real app: the first-open tour and the tips panel."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from tests.web.conftest import AppServer, BrowserFactory, open_page, save_screenshot, serve, wait

HELP_CENTER_URL = "https://help.example.com/northstar"
"""Help-center base URL of the test app; the browser never opens it."""


@pytest.fixture(scope="module")
def help_center_server(app_server: AppServer) -> Iterator[str]:
    """A second app on the same data dir whose tips link to the help center."""
    from api.app import create_app

    settings = app_server.settings.model_copy(update={"help_center_url": HELP_CENTER_URL})
    with serve(create_app(settings)) as base_url:
        yield base_url


def _open_widget(driver: WebDriver, url: str) -> None:
    open_page(driver, url)
    wait(driver).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-onboarding") == "ready"
    )


def _tip_ids(driver: WebDriver) -> list[str]:
    # One script call reads every id at once, because the list is rebuilt after a dismissal.
    script = "return [...document.querySelectorAll('#tips-list .tip')].map((t) => t.dataset.tipId);"
    ids: list[str] = driver.execute_script(script)
    return ids


def _tour_of(base_url: str, key: str, user_id: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {key}"}
    response = httpx.get(f"{base_url}/v1/users/{user_id}/tour", headers=headers, timeout=30)
    body: dict[str, object] = response.json()
    return body


def test_new_user_tour_and_tip_dismissal(
    open_browser: BrowserFactory, app_server: AppServer, help_center_server: str
) -> None:
    driver = open_browser()
    _open_widget(driver, f"{help_center_server}/?persona=developer#key={app_server.widget_key}")

    tour = driver.find_element(By.ID, "tour")
    assert tour.is_displayed(), "a new user gets the guided tour"
    assert driver.find_element(By.ID, "tour-progress").text == "Step 1 of 5"
    assert driver.find_element(By.ID, "tour-title").text == "Ask a question"
    assert "tour-highlight" in str(driver.find_element(By.ID, "chat-input").get_attribute("class"))
    save_screenshot(driver, "onboarding-tour")
    for _ in range(4):
        driver.find_element(By.ID, "tour-next").click()
    assert driver.find_element(By.ID, "tour-next").text == "Done"
    driver.find_element(By.ID, "tour-next").click()
    assert not tour.is_displayed()

    panel = driver.find_element(By.ID, "tips-panel")
    assert panel.is_displayed()
    first = driver.find_element(By.CSS_SELECTOR, "#tips-list .tip")
    tip_id = first.get_attribute("data-tip-id")
    assert tip_id == "git-integration", "developers first get the Git tip"
    link = first.find_element(By.CSS_SELECTOR, "a.tip-link")
    assert link.text == "Connect GitHub or GitLab"
    doc = first.find_element(By.CSS_SELECTOR, ".citation-doc").text
    assert doc == "en/integrations/github-gitlab.md"
    assert link.get_attribute("href") == f"{HELP_CENTER_URL}/{doc}"
    save_screenshot(driver, "onboarding-tips")

    first.find_element(By.CSS_SELECTOR, ".tip-dismiss").click()
    wait(driver).until(lambda d: tip_id not in _tip_ids(d) and len(_tip_ids(d)) == 3)

    driver.refresh()
    _open_widget(driver, driver.current_url)
    assert tip_id not in _tip_ids(driver), "a dismissed tip never comes back"
    assert len(_tip_ids(driver)) == 3
    assert not driver.find_element(By.ID, "tour").is_displayed(), "the tour shows only once"
    user_id = driver.execute_script("return localStorage.getItem('pmsa.user');")
    stored = _tour_of(app_server.base_url, app_server.widget_key, user_id)
    assert stored["status"] == "completed"


def test_skipped_tour_stays_closed_in_chinese(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    _open_widget(driver, f"{app_server.base_url}/?role=guest#key={app_server.widget_key}")

    assert driver.find_element(By.ID, "tour-title").text == "提出问题"
    driver.find_element(By.ID, "tour-skip").click()
    tips = driver.find_elements(By.CSS_SELECTOR, "#tips-list .tip")
    assert tips, "guests get tips too"
    assert tips[0].get_attribute("data-tip-id") == "guest-basics"
    assert tips[0].find_element(By.CSS_SELECTOR, ".citation-doc").text.startswith("zh/")
    assert not tips[0].find_elements(By.CSS_SELECTOR, "a.tip-link"), "no help-center URL set"

    driver.refresh()
    _open_widget(driver, driver.current_url)

    assert not driver.find_element(By.ID, "tour").is_displayed()
    user_id = driver.execute_script("return localStorage.getItem('pmsa.user');")
    assert _tour_of(app_server.base_url, app_server.widget_key, user_id)["status"] == "skipped"
