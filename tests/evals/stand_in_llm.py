"""A scripted OpenAI-compatible chat server on 127.0.0.1, standing in for a real LLM.

It answers the assistant's prompts the way a careful model would, without any model: intent
prompts get a JSON verdict, answer prompts get the first sentence of the first excerpt with its
`[chunk_id]`, and anything else gets `NO_ANSWER`. It lets `assistant eval --model` run through
litellm and a real HTTP connection in tests. Its figures measure the plumbing, not any real model.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CLASSIFY_MARKER = "You classify messages"
ANSWER_MARKER = "Answer the user's question using ONLY the knowledge-base excerpts"
_EXCERPT_RE = re.compile(r"^\[(?P<chunk_id>[^\]\s]+)\] .*\n(?P<text>.+)$", re.MULTILINE)
_SENTENCE_RE = re.compile(r"^.+?(?:[.!?。！？](?=\s|$)|$)")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


def scripted_reply(messages: list[dict[str, str]]) -> tuple[str, str]:
    """Return the kind of prompt ("classify", "answer" or "other") and the reply text."""
    prompt = "\n".join(str(message.get("content", "")) for message in messages)
    if CLASSIFY_MARKER in prompt:
        user_text = str(messages[-1].get("content", ""))
        language = "zh" if _CJK_RE.search(user_text) else "en"
        verdict = {"intent": "how_to", "confidence": 0.9, "language": language}
        return "classify", json.dumps(verdict)
    if ANSWER_MARKER in prompt:
        excerpt = _EXCERPT_RE.search(prompt)
        if excerpt is None:
            return "answer", "NO_ANSWER"
        sentence = _SENTENCE_RE.match(excerpt["text"].strip())
        text = sentence.group(0) if sentence else excerpt["text"].strip()
        return "answer", f"{text} [{excerpt['chunk_id']}]"
    return "other", "NO_ANSWER"


class _Handler(BaseHTTPRequestHandler):
    server: _StandInServer

    def do_POST(self) -> None:
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body: dict[str, Any] = json.loads(self.rfile.read(length))
        kind, content = scripted_reply(body.get("messages", []))
        self.server.requests[kind] += 1
        payload = json.dumps(
            {
                "id": f"chatcmpl-{sum(self.server.requests.values())}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "stand-in"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        ).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


class _StandInServer(ThreadingHTTPServer):
    requests: Counter[str]


@contextmanager
def stand_in_llm() -> Iterator[tuple[str, Counter[str]]]:
    """Serve the stand-in on a free loopback port; yield its base URL and request counts."""
    server = _StandInServer(("127.0.0.1", 0), _Handler)
    server.requests = Counter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", server.requests
    finally:
        server.shutdown()
        server.server_close()
