"""The transcript in the agent console: assistant messages rendered as on the chat page, user
text kept as plain text."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from assistant.domain import Intent
from assistant.tickets import TicketStore
from tests.tickets.factories import make_draft
from tests.web.conftest import TENANT, AppServer, BrowserFactory, open_page, wait

USER_TEXT = (
    "Is **this** bold? <img src=x onerror=alert(1)>\n"
    "| Step | Result |\n"
    "| --- | --- |\n"
    "| Login | `fails` |"
)
ASSISTANT_TEXT = (
    "Check these settings:\n"
    "| Setting | Value |\n"
    "| --- | --- |\n"
    "| Entity ID | `https://acme.example/saml` |\n"
    "| <b>Binding</b> | **HTTP-POST** |\n"
    "Then sign in again."
)


def _open_ticket(app_server: AppServer) -> str:
    store = TicketStore(app_server.settings.resolved_database_url)
    try:
        draft = make_draft(
            tenant=TENANT,
            subject="SSO login fails",
            description=USER_TEXT,
            transcript=[
                {"role": "user", "content": USER_TEXT},
                {"role": "assistant", "content": ASSISTANT_TEXT},
            ],
            intent=Intent.TROUBLESHOOTING,
            module="admin",
            details={},
        )
        return store.create(draft).id
    finally:
        store.close()


def test_console_transcript_renders_assistant_markdown(
    open_browser: BrowserFactory, app_server: AppServer
) -> None:
    ticket_id = _open_ticket(app_server)
    driver = open_browser()
    open_page(driver, f"{app_server.base_url}/console#key={app_server.agent_key}")
    row = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-ticket-id="{ticket_id}"]')
    )

    row.find_element(By.CSS_SELECTOR, ".ticket-open").click()

    detail = wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'.ticket-detail[data-ticket-id="{ticket_id}"]')
    )
    answer = detail.find_element(By.CSS_SELECTOR, ".transcript .message-assistant .transcript-text")
    headers = [cell.text for cell in answer.find_elements(By.CSS_SELECTOR, "table th")]
    assert headers == ["Setting", "Value"]
    cells = [cell.text for cell in answer.find_elements(By.CSS_SELECTOR, "table td")]
    assert cells == ["Entity ID", "https://acme.example/saml", "<b>Binding</b>", "HTTP-POST"]
    assert [node.text for node in answer.find_elements(By.TAG_NAME, "code")] == [
        "https://acme.example/saml"
    ]
    assert [node.text for node in answer.find_elements(By.TAG_NAME, "strong")] == ["HTTP-POST"]
    assert not answer.find_elements(By.TAG_NAME, "b"), "HTML in an answer stays text"
    assert "| ---" not in answer.text
    assert "Then sign in again." in answer.text

    question = detail.find_element(By.CSS_SELECTOR, ".transcript .message-user .transcript-text")
    assert question.text == USER_TEXT
    assert not question.find_elements(By.CSS_SELECTOR, "*"), "user text never becomes markup"
