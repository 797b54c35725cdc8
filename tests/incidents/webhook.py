"""A pager webhook on a free loopback port that records every POST it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class WebhookRecorder:
    """URL of the running webhook, the JSON bodies it received and its response status."""

    url: str
    status: int = HTTPStatus.OK
    bodies: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)


@contextmanager
def serve_webhook(status: int = HTTPStatus.OK) -> Iterator[WebhookRecorder]:
    """Run the webhook in a thread on 127.0.0.1 and yield its recorder."""
    recorder = WebhookRecorder(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            with lock:
                recorder.bodies.append(body)
                recorder.content_types.append(self.headers.get("Content-Type", ""))
            self.send_response(recorder.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output free of access log lines."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_port}/page"
    recorder.status = status
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
