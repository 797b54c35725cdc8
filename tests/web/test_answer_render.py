"""The answer renderer, run in Chromium: Markdown tables, inline code and citation links."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import BrowserFactory, open_page

RENDER_SCRIPT = """
const [text, done] = [arguments[0], arguments[arguments.length - 1]];
import("/static/js/answer.js").then(({ renderAnswerText }) => {
  const box = document.createElement("div");
  renderAnswerText(box, text, "r1", []);
  const table = box.querySelector("table");
  done({
    headers: table ? [...table.querySelectorAll("th")].map((cell) => cell.textContent) : null,
    rows: table
      ? [...table.querySelectorAll("tbody tr")].map((row) =>
          [...row.querySelectorAll("td")].map((cell) => cell.textContent))
      : null,
    links: [...box.querySelectorAll("a.cite-ref")].map((link) => link.getAttribute("href")),
    code: [...box.querySelectorAll("code")].map((code) => code.textContent),
    strong: [...box.querySelectorAll("strong")].map((node) => node.textContent),
    scripts: box.querySelectorAll("script, img").length,
    text: box.textContent,
  });
}).catch((error) => done(String(error)));
"""

ANSWER = (
    "Here is what the help center says:\n"
    "| Message | Cause |\n"
    "| --- | --- |\n"
    "| Account locked (AUTH-423) | **5** failed attempts |\n"
    "| <img src=x onerror=alert(1)> | Open `acme.northstar.example` | [1]\n"
    "- Clear cookies and try again. [2]"
)


def _render(open_browser: BrowserFactory, pages_server: str, text: str) -> dict[str, Any]:
    driver = open_browser()
    open_page(driver, pages_server + "/")
    result: dict[str, Any] = driver.execute_async_script(RENDER_SCRIPT, text)
    return result


def test_markdown_table_becomes_html_table(open_browser: BrowserFactory, pages_server: str) -> None:
    result = _render(open_browser, pages_server, ANSWER)

    assert result["headers"] == ["Message", "Cause"]
    assert result["rows"] == [
        ["Account locked (AUTH-423)", "5 failed attempts"],
        ["<img src=x onerror=alert(1)>", "Open acme.northstar.example"],
    ]
    assert result["strong"] == ["5"]
    assert result["code"] == ["acme.northstar.example"]
    assert result["links"] == ["#r1-cite-1", "#r1-cite-2"]
    assert result["scripts"] == 0
    assert "| ---" not in result["text"]


def test_plain_text_keeps_its_lines(open_browser: BrowserFactory, pages_server: str) -> None:
    result = _render(open_browser, pages_server, "Open | Settings | then save. [1]\nDone.")

    assert result["headers"] is None
    assert result["text"] == "Open | Settings | then save. [1]\nDone."
    assert result["links"] == ["#r1-cite-1"]
