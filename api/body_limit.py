"""Reject request bodies over a size limit before they are read into memory and parsed."""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from api.language import request_language
from api.logs import request_id_var
from assistant.i18n import translate

logger = logging.getLogger(__name__)

UPLOAD_PATH_PREFIX = "/v1/kb/"
"""KB routes, whose multipart uploads carry whole files and get the larger limit."""


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodySizeLimitMiddleware:
    """Reject a request whose body is larger than its limit with 413, without reading all of it.

    Args:
        app: The wrapped application.
        max_body_bytes: Limit of every request but KB uploads.
        max_upload_bytes: Limit of requests to the KB routes.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, or read a body of unknown length up to the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = (
            self.max_upload_bytes if path.startswith(UPLOAD_PATH_PREFIX) else self.max_body_bytes
        )
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, receive, send, limit)
            return

        if declared is None and scope.get("method") in BODY_METHODS:
            # A body of unknown length (chunked) is read here up to the limit and replayed,
            # because the app turns any error raised while it reads into a 400.
            messages = await _read_body_up_to(receive, limit)
            if messages is None:
                await self._reject(scope, receive, send, limit)
                return
            receive = replay_body(messages, receive)
        await self.app(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        request = Request(scope)
        logger.info(
            "rejected with 413: request body over %d bytes on %s %s request_id=%s",
            limit,
            request.method,
            request.url.path,
            request_id_var.get(),
        )
        setting = (
            "ASSISTANT_API_MAX_UPLOAD_REQUEST_BYTES"
            if request.url.path.startswith(UPLOAD_PATH_PREFIX)
            else "ASSISTANT_API_MAX_BODY_BYTES"
        )
        message = translate(
            "error_request_too_large", request_language(request), limit=limit, setting=setting
        )
        response = error_response(
            request.url.path,
            413,
            "request_too_large",
            message,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body_up_to(receive: Receive, limit: int) -> list[Message] | None:
    """Return the body's messages, or None as soon as they contain more than `limit` bytes."""
    messages: list[Message] = []
    received = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        received += len(message.get("body", b""))
        if received > limit:
            return None
        if not message.get("more_body", False):
            return messages


def replay_body(messages: list[Message], receive: Receive) -> Receive:
    """Return a `receive` that yields `messages` first, then the connection's own."""
    pending = list(messages)

    async def replaying_receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying_receive
