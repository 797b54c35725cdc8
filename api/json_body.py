"""Check every JSON request body once, before FastAPI parses and validates it for its route.

Four kinds of body would get a vague error from FastAPI, or pass its checks and fail later:

- Bytes that are not UTF-8 make the parser raise UnicodeDecodeError, which FastAPI reports as
  a body that "could not be parsed". Such bodies get a 400 that names the first invalid byte
  and asks for UTF-8. Invalid JSON in UTF-8 is left to FastAPI, whose error names the
  character at fault (400 too, see `api.errors`).
- JSON nested deeper than Python's recursion limit makes the parser raise RecursionError,
  which FastAPI reports only as "could not be parsed". Bodies nested deeper than
  MAX_JSON_DEPTH get a 400 that names the nesting.
- An integer with more digits than Python converts (4,300 by default) makes the parser raise
  ValueError, which FastAPI also reports as unparsable. Such bodies get a 400 saying that the
  number is too large.
- Text with a NUL character or an unpaired surrogate (a JSON escape such as `\\ud800`) fails
  when it is stored or sent back: PostgreSQL rejects NUL, and a surrogate has no UTF-8
  encoding. Such text gets a 422 (400 on the OpenAI-compatible routes) that names the field
  and the character's position.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.body_limit import BODY_METHODS, replay_body
from api.errors import error_response, validation_error_response
from api.language import request_language
from assistant.i18n import translate
from assistant.validation import find_unstorable_character

logger = logging.getLogger(__name__)

MAX_JSON_DEPTH = 64
"""Deepest nesting of JSON arrays and objects accepted. This API's own bodies nest at most
5 levels; the margin leaves room for JSON schemas that OpenAI clients send in extra fields."""

MAX_INTEGER_DIGITS = sys.get_int_max_str_digits()
"""Maximum number of digits of an integer that the JSON parser converts (CPython default 4300)."""

_Location = tuple[str | int, ...]


class JsonBodyCheckMiddleware:
    """Reject JSON bodies that are not UTF-8 or nested too deeply (400), or with text no store
    accepts (422, or 400 on the OpenAI-compatible routes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read and check a JSON body, then pass the request on with the body replayed."""
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not _is_json(request.headers.get("content-type")):
            await self.app(scope, receive, send)
            return

        messages = await _read_body(receive)
        response = _check_body(b"".join(message.get("body", b"") for message in messages), request)
        if response is not None:
            await response(scope, replay_body(messages, receive), send)
            return
        await self.app(scope, replay_body(messages, receive), send)


def _is_json(content_type: str | None) -> bool:
    """Return whether FastAPI parses a body of this Content-Type as JSON (also when missing)."""
    if not content_type:
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def _read_body(receive: Receive) -> list[Message]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _check_body(body: bytes, request: Request) -> JSONResponse | None:
    """Return the error response for a body that is not UTF-8, nested too deeply or with
    unstorable text."""
    if not body:
        return None
    try:
        value = json.loads(body)
    except RecursionError:
        return _too_deep_response(request)
    except UnicodeDecodeError:
        return _not_utf8_response(body, request)
    except ValueError as exc:
        if _is_number_too_large(exc):
            return _number_too_large_response(request)
        # Invalid JSON: FastAPI's own error names the character at fault.
        return None

    errors: list[dict[str, Any]] = []
    for location, item in _walk(value):
        if len(location) > MAX_JSON_DEPTH:
            return _too_deep_response(request)
        if isinstance(item, str):
            errors.extend(_text_errors(location, item))
    if not errors:
        return None
    response = validation_error_response(errors, request_language(request), path=request.url.path)
    logger.info(
        "rejected with %d: unstorable character in %s on %s %s",
        response.status_code,
        ", ".join(str(error["loc"]) for error in errors),
        request.method,
        request.url.path,
    )
    return response


def _walk(value: object) -> Iterator[tuple[_Location, object]]:
    """Yield every value and object key of a JSON document with its location, in order.

    A key is yielded as a string at the location of its value. The walk uses a stack, not
    recursion, so its depth is bounded only by the parser's.
    """
    stack: list[tuple[_Location, object]] = [((), value)]
    while stack:
        location, item = stack.pop()
        yield location, item
        children: list[tuple[_Location, object]] = []
        if isinstance(item, dict):
            for key, child in item.items():
                children.append(((*location, _printable(key)), key))
                children.append(((*location, _printable(key)), child))
        elif isinstance(item, list):
            children = [((*location, index), child) for index, child in enumerate(item)]
        stack.extend(reversed(children))


def _printable(text: str) -> str:
    """Return `text` with unpaired surrogates escaped, so that an error message can name it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _text_errors(location: _Location, text: str) -> list[dict[str, Any]]:
    unstorable = find_unstorable_character(text)
    if unstorable is None:
        return []
    return [
        {
            "type": f"text_{unstorable.kind}",
            "loc": ("body", *location),
            "msg": f"unstorable character {unstorable.code_point}",
            "input": None,
            "ctx": {"position": unstorable.position, "code_point": unstorable.code_point},
        }
    ]


def _too_deep_response(request: Request) -> JSONResponse:
    language = request_language(request)
    detail = translate("validation_json_too_deep", language, limit=MAX_JSON_DEPTH)
    message = translate("error_invalid_request", language, detail=detail)
    return error_response(request.url.path, 400, "invalid_request", message)


def _not_utf8_response(body: bytes, request: Request) -> JSONResponse | None:
    """Return the 400 that names the first byte of `body` that is not UTF-8, or None when
    every byte is.

    `json.loads` also reads UTF-16 and UTF-32, which it detects from the first bytes, so a
    valid UTF-8 body that starts with NUL bytes fails as one of those. Such a body is left to
    FastAPI, which reports it as unparsable (400).
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        position = error.start
    else:
        return None

    language = request_language(request)
    detail = translate(
        "validation_body_not_utf8", language, position=position + 1, byte=f"{body[position]:02X}"
    )
    message = translate("error_invalid_request", language, detail=detail)
    logger.info(
        "rejected with 400: request body not UTF-8 at byte %d on %s %s",
        position + 1,
        request.method,
        request.url.path,
    )
    return error_response(request.url.path, 400, "invalid_request", message)


def _is_number_too_large(error: ValueError) -> bool:
    """Return whether `json.loads` failed on an integer longer than Python converts.

    CPython (3.11 and later) refuses to convert integers of more than
    `sys.get_int_max_str_digits()` digits and raises a plain ValueError that names the limit.
    """
    return not isinstance(error, json.JSONDecodeError) and "integer string conversion" in str(error)


def _number_too_large_response(request: Request) -> JSONResponse:
    language = request_language(request)
    detail = translate("validation_json_number_too_large", language, limit=MAX_INTEGER_DIGITS)
    message = translate("error_invalid_request", language, detail=detail)
    return error_response(request.url.path, 400, "invalid_request", message)
