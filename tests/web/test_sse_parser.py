"""The pages' server-sent events parser, run in Chromium on chunks cut at awkward places."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import BrowserFactory, open_page

PARSE_SCRIPT = """
const [chunks, done] = [arguments[0], arguments[arguments.length - 1]];
import("/static/js/sse.js").then(({ ServerSentEventParser }) => {
  const parser = new ServerSentEventParser();
  const events = chunks.flatMap((chunk) => parser.feed(chunk));
  done(events);
}).catch((error) => done(String(error)));
"""

STREAM_SCRIPT = """
const [text, done] = [arguments[0], arguments[arguments.length - 1]];
import("/static/js/sse.js").then(async ({ readServerSentEvents }) => {
  const bytes = new TextEncoder().encode(text);
  // Cut inside a multi-byte character to check that decoding spans chunks.
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, 5));
      controller.enqueue(bytes.slice(5));
      controller.close();
    },
  });
  const events = [];
  for await (const event of readServerSentEvents(body)) events.push(event);
  done(events);
}).catch((error) => done(String(error)));
"""


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (
            ['event: delta\ndata: {"text": "Hel', 'lo"}\n\n'],
            [{"event": "delta", "data": '{"text": "Hello"}'}],
        ),
        (
            ["event: intent\r\ndata: a\r\n\r\nevent: done\r\n", "data: b\r\n\r\n"],
            [{"event": "intent", "data": "a"}, {"event": "done", "data": "b"}],
        ),
        (
            [": keep-alive\n\ndata: line one\ndata: line two\n\n"],
            [{"event": "message", "data": "line one\nline two"}],
        ),
        (["event: ping\n\n", "event: done\ndata:{}\n\n"], [{"event": "done", "data": "{}"}]),
    ],
    ids=["split-in-data", "crlf", "comment-and-multiline", "no-data-and-no-space"],
)
def test_parser_events_when_chunked(
    open_browser: BrowserFactory,
    pages_server: str,
    chunks: list[str],
    expected: list[dict[str, Any]],
) -> None:
    driver = open_browser()
    open_page(driver, pages_server + "/")

    events = driver.execute_async_script(PARSE_SCRIPT, chunks)

    assert events == expected


def test_stream_reader_keeps_utf8_and_last_event(
    open_browser: BrowserFactory, pages_server: str
) -> None:
    driver = open_browser()
    open_page(driver, pages_server + "/")
    stream = 'data: 转人工\n\nevent: done\ndata: {"ok": 1}'

    events = driver.execute_async_script(STREAM_SCRIPT, stream)

    assert events == [
        {"event": "message", "data": "转人工"},
        {"event": "done", "data": '{"ok": 1}'},
    ]
