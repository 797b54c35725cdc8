"""The guided tour of the chat widget leaves the message box usable at desktop and phone sizes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.web.conftest import (
    ANSWER_TIMEOUT_SECONDS,
    AppServer,
    BrowserFactory,
    open_page,
    save_screenshot,
    wait,
)

WINDOW_SIZES = {"desktop": (1280, 800), "laptop": (1024, 768), "phone": (375, 667)}
TOUR_STEPS = 5
COMPOSER_IDS = ("chat-input", "send")
FINISHED_REPLY = '.message-assistant[aria-busy="false"]'
QUESTIONS = {"en-US": "How do I set up SSO?", "zh-CN": "如何设置单点登录？"}
PROGRESS = {"en-US": "Step {n} of {total}", "zh-CN": "第 {n} 步，共 {total} 步"}

BOXES_SCRIPT = """
const boxes = {};
for (const id of arguments[0]) {
  const box = document.getElementById(id).getBoundingClientRect();
  boxes[id] = [box.left, box.top, box.right, box.bottom];
}
return boxes;
"""


@dataclass(frozen=True)
class Box:
    """A bounding box in CSS pixels of the viewport."""

    left: float
    top: float
    right: float
    bottom: float

    def intersects(self, other: Box) -> bool:
        """Return whether the two boxes share an area. Touching edges do not count."""
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def read_boxes(driver: WebDriver, *element_ids: str) -> dict[str, Box]:
    """Read the elements' bounding boxes in one script call, so they come from one layout."""
    raw: dict[str, list[float]] = driver.execute_script(BOXES_SCRIPT, list(element_ids))
    return {element_id: Box(*values) for element_id, values in raw.items()}


def assert_tour_clear_of_composer(driver: WebDriver, when: str) -> None:
    """Assert that the whole tour card is in the viewport and covers no composer control."""
    boxes = read_boxes(driver, "tour", *COMPOSER_IDS)
    tour = boxes["tour"]
    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, document.documentElement.clientHeight];"
    )

    assert tour.left >= 0, f"{when}: the tour card starts left of the viewport: {tour}"
    assert tour.right <= width, f"{when}: the tour card ends past {width}px: {tour}"
    assert tour.top >= 0, f"{when}: the tour card starts above the viewport: {tour}"
    assert tour.bottom <= height, f"{when}: the tour card ends below {height}px: {tour}"
    for element_id in COMPOSER_IDS:
        box = boxes[element_id]
        assert not tour.intersects(box), f"{when}: the tour card {tour} covers #{element_id} {box}"


def set_viewport_size(driver: WebDriver, width: int, height: int) -> None:
    """Resize the window so that the page's viewport, not the window, is width x height."""
    driver.set_window_size(width, height)
    inner: list[int] = driver.execute_script("return [window.innerWidth, window.innerHeight];")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])


def open_widget_with_tour(driver: WebDriver, app_server: AppServer, size: tuple[int, int]) -> None:
    """Open the chat page as a new user at the viewport size and wait for the tour."""
    set_viewport_size(driver, *size)
    open_page(driver, f"{app_server.base_url}/#key={app_server.widget_key}")
    wait(driver).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-onboarding") == "ready"
    )
    assert driver.find_element(By.ID, "tour").is_displayed(), "a new user gets the guided tour"


@pytest.mark.parametrize("language", ["en-US", "zh-CN"], ids=["en", "zh"])
@pytest.mark.parametrize("size_name", list(WINDOW_SIZES))
def test_tour_leaves_composer_usable(
    open_browser: BrowserFactory, app_server: AppServer, size_name: str, language: str
) -> None:
    driver = open_browser(language)
    open_widget_with_tour(driver, app_server, WINDOW_SIZES[size_name])
    save_screenshot(driver, f"tour-{size_name}-{language}")
    assert_tour_clear_of_composer(driver, "step 1")

    chat_input = driver.find_element(By.ID, "chat-input")
    chat_input.click()
    assert driver.switch_to.active_element == chat_input, "a click focuses the message box"
    chat_input.send_keys(QUESTIONS[language])
    assert chat_input.get_attribute("value") == QUESTIONS[language]
    driver.find_element(By.ID, "send").click()
    wait(driver, ANSWER_TIMEOUT_SECONDS).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, FINISHED_REPLY)
    )
    sent = driver.find_element(By.CSS_SELECTOR, ".message-user .message-body")
    reply = driver.find_element(By.CSS_SELECTOR, FINISHED_REPLY)
    assert sent.text == QUESTIONS[language], "the sent message shows in the log"
    assert not reply.find_elements(By.CSS_SELECTOR, "[role=alert]"), reply.text
    assert reply.find_element(By.CSS_SELECTOR, ".message-body").text, "the reply shows"
    assert driver.find_element(By.ID, "tour").is_displayed(), "sending leaves the tour open"
    assert_tour_clear_of_composer(driver, "after the reply")

    for step in range(2, TOUR_STEPS + 1):
        driver.find_element(By.ID, "tour-next").click()
        progress = PROGRESS[language].format(n=step, total=TOUR_STEPS)
        assert driver.find_element(By.ID, "tour-progress").text == progress
        assert_tour_clear_of_composer(driver, f"step {step}")
    save_screenshot(driver, f"tour-last-step-{size_name}-{language}")


@pytest.mark.parametrize("focused_id", ["chat-input", "tour-next"])
def test_tour_escape_closes_tour(
    open_browser: BrowserFactory, app_server: AppServer, focused_id: str
) -> None:
    driver = open_browser()
    open_widget_with_tour(driver, app_server, WINDOW_SIZES["phone"])
    chat_input = driver.find_element(By.ID, "chat-input")
    chat_input.click()
    chat_input.send_keys("draft")

    driver.find_element(By.ID, focused_id).send_keys(Keys.ESCAPE)

    wait(driver).until(lambda d: not d.find_element(By.ID, "tour").is_displayed())
    assert chat_input.get_attribute("value") == "draft", "closing the tour keeps the draft"
    assert driver.switch_to.active_element == chat_input, "the focus goes to the message box"
