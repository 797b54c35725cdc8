"""Drafted replies in the agent console and on the ops dashboard, against the real app."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from assistant.domain import Intent
from assistant.keys import KeyRole, KeyStore
from assistant.tickets import TicketStore
from tests.tickets.factories import make_draft
from tests.web.conftest import TENANT, AppServer, BrowserFactory, open_page, save_screenshot, wait

WIP_EN = "I cannot drag a card into In progress: WIP limit reached (BOARD-409)."
EXTRA_LINE = "Let me know if the board works now."


def _open_ticket(app_server: AppServer, message: str = WIP_EN) -> str:
    store = TicketStore(app_server.settings.resolved_database_url)
    try:
        draft = make_draft(
            tenant=TENANT,
            subject=message[:80],
            description=message,
            transcript=[{"role": "user", "content": message}],
            intent=Intent.TROUBLESHOOTING,
            module="boards",
            details={},
        )
        return store.create(draft).id
    finally:
        store.close()


def _show_ticket(driver: WebDriver, app_server: AppServer, ticket_id: str) -> WebElement:
    """Open the console, select the ticket and return the draft panel once the draft shows."""
    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")
    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )
    row.find_element(By.CSS_SELECTOR, ".ticket-open").click()
    panel = driver.find_element(By.ID, "draft-panel")
    wait(driver).until(lambda d: panel.find_elements(By.ID, "draft-text"))
    return panel


def test_console_edited_draft_reaches_transcript(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser()
    ticket_id = _open_ticket(app_server)

    panel = _show_ticket(driver, app_server, ticket_id)

    draft_text = panel.find_element(By.ID, "draft-text").get_attribute("value")
    assert draft_text.startswith("Hello,")
    assert "[1]" in draft_text
    docs = [
        c.get_attribute("data-doc")
        for c in panel.find_elements(By.CSS_SELECTOR, ".draft-citations li")
    ]
    assert "en/boards/kanban-boards.md" in docs
    assert panel.find_element(By.CSS_SELECTOR, ".summary-problem").text == WIP_EN
    first_draft_id = panel.get_attribute("data-draft-id")
    driver.execute_script("arguments[0].scrollIntoView()", panel)
    save_screenshot(driver, "console-draft")

    panel.find_element(By.ID, "draft-edit").click()
    text = panel.find_element(By.ID, "draft-text")
    assert driver.switch_to.active_element == text
    text.send_keys("\n" + EXTRA_LINE)
    panel.find_element(By.ID, "draft-send-edit").click()

    detail = wait(driver).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
            if d.find_elements(By.CSS_SELECTOR, ".transcript .message-agent")
            else None
        )
    )
    reply = detail.find_element(By.CSS_SELECTOR, ".transcript .message-agent .transcript-text")
    assert reply.text.startswith("Hello,")
    assert reply.text.endswith(EXTRA_LINE)
    assert detail.find_element(By.CSS_SELECTOR, ".message-agent .speaker").text == "Agent"
    wait(driver).until(
        lambda d: panel.get_attribute("data-draft-id") not in ("", None, first_draft_id)
    )
    status = panel.find_element(By.CSS_SELECTOR, ".draft-status").text
    assert status == "Reply sent. It is now in the transcript."
    save_screenshot(driver, "console-draft-sent")


def test_console_reject_draft_asks_for_reason_in_chinese(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    driver = open_browser("zh-CN")
    ticket_id = _open_ticket(app_server)
    panel = _show_ticket(driver, app_server, ticket_id)
    assert panel.find_element(By.CSS_SELECTOR, ".draft-heading").text == "建议回复"
    assert panel.find_element(By.ID, "draft-accept").text == "采纳并发送"

    panel.find_element(By.ID, "draft-reject").click()
    panel.find_element(By.ID, "draft-reject-confirm").click()

    alert = panel.find_element(By.CSS_SELECTOR, ".draft-alert")
    assert alert.text == "请填写拒绝原因。"
    panel.find_element(By.ID, "draft-reason").send_keys("引用的文档不对")
    panel.find_element(By.ID, "draft-reject-confirm").click()

    decision = wait(driver).until(
        lambda d: panel.find_elements(By.CSS_SELECTOR, ".draft-decision")
    )[0]
    assert decision.text == "web-test-agent 已拒绝：引用的文档不对"
    assert (
        panel.find_element(By.CSS_SELECTOR, ".draft-status").text == "草稿已拒绝，未发送任何内容。"
    )
    assert not panel.find_elements(By.ID, "draft-accept")
    transcript = driver.find_element(By.CSS_SELECTOR, ".ticket-detail .transcript")
    assert not transcript.find_elements(By.CSS_SELECTOR, ".message-agent")


def test_ops_live_panel_shows_draft_acceptance_per_intent(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    ticket_id = _open_ticket(app_server)
    headers = {"Authorization": f"Bearer {app_server.agent_key}"}
    with httpx.Client(base_url=app_server.base_url, headers=headers, timeout=60) as client:
        draft = client.get(f"/v1/tickets/{ticket_id}/draft").json()
        accepted = client.post(
            f"/v1/tickets/{ticket_id}/draft/decision",
            json={"decision": "accept", "draft_id": draft["id"]},
        )
    assert accepted.status_code == 201, accepted.text
    store = KeyStore(app_server.settings.resolved_database_url)
    try:
        _, ops_key = store.create(TENANT, KeyRole.OPS, "web-test-drafts-ops")
    finally:
        store.close()
    driver = open_browser()

    open_page(driver, f"{app_server.base_url}/ops/evals#key={ops_key}")

    row = wait(driver).until(
        lambda d: d.find_element(
            By.CSS_SELECTOR,
            '#live-drafts table[data-group="ops.drafts_by_intent"] tr[data-name="troubleshooting"]',
        )
    )
    assert row.find_element(By.CSS_SELECTOR, "th").text == "Troubleshooting"
    assert int(row.find_element(By.CSS_SELECTOR, "td.accepted").text) >= 1
    assert row.find_element(By.CSS_SELECTOR, "td.acceptance_rate").text.endswith("%")
    team_rows = driver.find_elements(
        By.CSS_SELECTOR, '#live-drafts table[data-group="ops.drafts_by_team"] tbody tr'
    )
    assert team_rows, "the per-team table lists at least the ticket's team or no team"
    save_screenshot(driver, "ops-drafts")

    Select(driver.find_element(By.ID, "language")).select_by_value("zh")

    # The switch re-renders the tables, so read the caption in one script call, not through an
    # element reference that the re-render may leave stale.
    caption_script = (
        "return document.querySelector("
        "'#live-drafts table[data-group=\"ops.drafts_by_intent\"] caption')?.textContent"
    )
    wait(driver).until(lambda d: d.execute_script(caption_script) == "按意图")
