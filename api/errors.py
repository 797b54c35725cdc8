"""HTTP errors of the API and the one place that turns exceptions into JSON error responses.

Every error response has the body `{"error": {"code": ..., "message": ...}}`, with the message
in the request's language (see `api.language`), taken from `assistant/messages.yaml` as
`error_<code>`. On the OpenAI-compatible routes the body has OpenAI's shape
`{"error": {"message", "type", "param", "code"}}` (see `openai_error_fields`), and an invalid
request body is 400 there, as OpenAI returns, instead of 422.

A body that cannot be parsed is 400 on every route: invalid JSON here, and bytes that are not
UTF-8, JSON nested too deeply or a number too large in `api.json_body`. The 422 of the other
routes is for a body that parses but has invalid fields.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.language import request_language
from api.logs import request_id_var
from assistant.domain import Language
from assistant.errors import (
    AssistantError,
    ConfigurationError,
    ConflictError,
    InputError,
    ModelOutputError,
    NotFoundError,
    ToolFailure,
    UpstreamError,
)
from assistant.i18n import translate
from assistant.keys import KeyRole
from assistant.onboarding.catalog import UnknownChoiceError
from assistant.validation import shorten_message_values
from assistant.validation_messages import describe_validation_errors, field_path

logger = logging.getLogger(__name__)

_BODY_PARSE_DETAIL = "There was an error parsing the body"
"""Detail of the HTTP 400 that FastAPI raises when it cannot read a JSON or form body."""

OPENAI_PATH_PREFIXES = ("/v1/chat/", "/v1/models/")
"""Path prefixes of the OpenAI-compatible routes, whose errors have OpenAI's error shape."""

OPENAI_MODELS_PATH = "/v1/models"

PARAM_KEY = "param"
"""Key of an error's `params` that names the request field at fault, OpenAI's `param`."""

MAX_SHOWN_CONTENT_TYPE_CHARS = 100
"""Longer Content-Type headers are cut in the message of a 415."""


class AuthenticationError(AssistantError):
    """Raised when a request has no API key, or one that is unknown or revoked."""


class PermissionDeniedError(AssistantError):
    """Raised when the API key's role may not use the endpoint."""


class RateLimitExceededError(AssistantError):
    """Raised when an API key made more requests than its rate limit allows."""

    def __init__(self, retry_after_seconds: float) -> None:
        retry_after = max(1, math.ceil(retry_after_seconds))
        super().__init__(
            f"too many requests for this API key; retry in {retry_after} s",
            code="rate_limited",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class PayloadTooLargeError(InputError):
    """Raised when a message or an uploaded file is over its size limit."""


class UnsupportedParameterError(InputError):
    """Raised when a request sets an OpenAI parameter that this service cannot honor.

    Its error body also has OpenAI's `param` and `type` fields, which the OpenAI SDKs read.
    """

    def __init__(self, param: str, message: str, *, code: str, **params: object) -> None:
        super().__init__(message, code=code, param=param, **params)
        self.param = param


class EmptyMessageError(InputError):
    """Raised when a chat message is empty or only white space."""

    def __init__(self) -> None:
        super().__init__("the message is empty", code="empty_message")


_STATUS_BY_ERROR: tuple[tuple[type[AssistantError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitExceededError, 429),
    (PayloadTooLargeError, 413),
    (EmptyMessageError, 422),
    (UnknownChoiceError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (InputError, 400),
    (ToolFailure, 409),
    (ConfigurationError, 500),
    (UpstreamError, 502),
    (ModelOutputError, 502),
)


def status_of(error: AssistantError) -> int:
    """Return the HTTP status of an assistant error; an unlisted subclass is a 500."""
    for error_class, status in _STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


def error_body(code: str, message: str) -> dict[str, dict[str, str | None]]:
    """Return the JSON body of an error response."""
    return {"error": {"code": code, "message": message}}


def is_openai_path(path: str) -> bool:
    """Return whether `path` is an OpenAI-compatible route, or an unknown path below one."""
    return path == OPENAI_MODELS_PATH or path.startswith(OPENAI_PATH_PREFIXES)


def openai_error_type(status: int) -> str:
    """Return the `type` that OpenAI's API sends with an error of this HTTP status.

    The values are those of api.openai.com's error bodies: `invalid_request_error` for request
    errors, 401 and 404 (`model_not_found`) included, `requests` for a requests-per-minute rate
    limit, and `server_error` for 5xx.
    """
    if status == 429:
        return "requests"
    if status >= 500:
        return "server_error"
    return "invalid_request_error"


def openai_error_fields(status: int, param: str | None) -> dict[str, str | None]:
    """Return the fields that OpenAI's error shape adds to `{"code", "message"}`."""
    return {"type": openai_error_type(status), "param": param}


def error_response(
    path: str,
    status: int,
    code: str,
    message: str,
    *,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Return an error response, in OpenAI's shape when `path` is an OpenAI-compatible route."""
    body = error_body(code, message)
    if is_openai_path(path):
        body["error"] |= openai_error_fields(status, param)
    return JSONResponse(body, status_code=status, headers=headers)


def error_param(error: AssistantError) -> str | None:
    """Return the request field at fault of an error, when the code that raised it named one."""
    param = error.params.get(PARAM_KEY)
    return param if isinstance(param, str) else None


@contextmanager
def param_at_fault(param: str, *error_types: type[AssistantError]) -> Iterator[None]:
    """Name `param` as the request field at fault of an error raised inside the block.

    Only errors of `error_types` (default: every AssistantError) are named, and an error that
    already names a field keeps it.
    """
    try:
        yield
    except AssistantError as error:
        if isinstance(error, error_types or (AssistantError,)):
            error.params.setdefault(PARAM_KEY, param)
        raise


def describe_error(
    error: AssistantError, language: Language, *, for_operator: bool = True
) -> tuple[str, str]:
    """Return the code and the message in `language` that a client sees for an error.

    Errors of the server side (5xx) show a generic message with the request id, because
    their English text may name files or settings of the server. A coded one (`kb_damaged`)
    shows its own message, with the fix, only `for_operator`. The widget key of the public chat
    page gets the generic message under the same code. Long values that the message
    quotes are shortened (see `shorten_for_message`).
    """
    status = status_of(error)
    if error.code and (for_operator or status < 500):
        try:
            values = shorten_message_values(error.params, language)
            return error.code, translate(f"error_{error.code}", language, **values)
        except KeyError:
            logger.warning("no message error_%s in messages.yaml", error.code)
    if status < 500:
        code = "ticket_conflict" if isinstance(error, ToolFailure) else "invalid_input"
        return code, translate(f"error_{code}", language, detail=str(error))
    if isinstance(error, ConfigurationError):
        code = "configuration_error"
    elif isinstance(error, UpstreamError | ModelOutputError):
        code = "upstream_error"
    else:
        code = "internal_error"
    message = translate(f"error_{code}", language, request_id=request_id_var.get())
    return error.code or code, message


async def _handle_assistant_error(request: Request, error: AssistantError) -> JSONResponse:
    status = status_of(error)
    if status >= 500:
        logger.error("request failed: %s", error, exc_info=error)
    for_operator = getattr(request.state, "key_role", None) is not KeyRole.WIDGET
    code, message = describe_error(error, request_language(request), for_operator=for_operator)
    headers: dict[str, str] = {}
    if isinstance(error, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimitExceededError):
        headers["Retry-After"] = str(error.retry_after)
    return error_response(
        request.url.path, status, code, message, param=error_param(error), headers=headers
    )


def _is_unparsed_body(errors: Sequence[Mapping[str, Any]]) -> bool:
    """Return whether FastAPI validated the raw body bytes. It does so when the Content-Type of
    a non-empty body is neither `application/json` nor `*+json`."""
    return any(
        tuple(error.get("loc", ())) == ("body",) and isinstance(error.get("input"), bytes)
        for error in errors
    )


def _expects_form(request: Request) -> bool:
    """Return whether the request's route reads its body as a form, such as a file upload."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    return body_field is not None and isinstance(body_field.field_info, params.Form)


def _is_multipart(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "multipart/form-data"


def validation_error_response(
    errors: Sequence[Mapping[str, Any]], language: Language, *, path: str = ""
) -> JSONResponse:
    """Return the 422 (400 on the OpenAI-compatible routes) that names each invalid field of a
    request, in `language`, or the 400 for a body that is not valid JSON.

    On the OpenAI-compatible routes (see `is_openai_path`) the status is 400, as OpenAI's API
    returns for an invalid parameter, and the body has OpenAI's `type` and `param`, which the
    OpenAI SDKs expose. `param` names the first invalid body field, such as
    `messages[1].role`, and is null when the body as a whole is invalid.
    """
    detail = describe_validation_errors(errors, language)
    message = translate("error_invalid_request", language, detail=detail)
    status = 400 if is_openai_path(path) or _is_invalid_json(errors) else 422
    return error_response(path, status, "invalid_request", message, param=_body_param(errors))


def _body_param(errors: Sequence[Mapping[str, Any]]) -> str | None:
    """Return the path of the first invalid body field, e.g. `stream_options.include_usage`, or
    None when the first error is not about one body field."""
    if not errors or _is_invalid_json(errors):
        # The `loc` of invalid JSON contains the character offset of the error, not a field.
        return None
    loc = tuple(errors[0].get("loc", ()))
    if len(loc) < 2 or loc[0] != "body":
        return None
    return field_path(loc[1:])


def _is_invalid_json(errors: Sequence[Mapping[str, Any]]) -> bool:
    """Return whether FastAPI could not parse the body as JSON, the only error it then reports."""
    return bool(errors) and errors[0].get("type") == "json_invalid"


async def _handle_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    language = request_language(request)
    content_type = request.headers.get("content-type", "")[:MAX_SHOWN_CONTENT_TYPE_CHARS]
    path = request.url.path
    if _expects_form(request) and not _is_multipart(request):
        # Without a multipart body the form is empty, and pydantic would only report the
        # missing fields.
        message = translate("error_multipart_required", language, content_type=content_type)
        return error_response(path, 415, "unsupported_media_type", message)
    if _is_unparsed_body(error.errors()):
        message = translate("error_unsupported_media_type", language, content_type=content_type)
        return error_response(path, 415, "unsupported_media_type", message)
    return validation_error_response(error.errors(), language, path=path)


async def _handle_http_exception(request: Request, error: StarletteHTTPException) -> JSONResponse:
    language = request_language(request)
    path = request.url.path
    if error.status_code == 404:
        code, message = "not_found", translate("error_not_found", language, path=path)
    elif error.status_code == 405:
        code = "method_not_allowed"
        message = translate("error_method_not_allowed", language, method=request.method, path=path)
    else:
        code = "invalid_request"
        detail = str(error.detail)
        if detail == _BODY_PARSE_DETAIL:
            detail = translate("validation_body_unparsable", language)
        message = translate("error_invalid_request", language, detail=detail)
    return error_response(path, error.status_code, code, message, headers=error.headers)


def internal_error_response(request: Request, error: Exception) -> JSONResponse:
    """Log an unexpected error and return the 500 body that names the request id."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    message = translate(
        "error_internal_error", request_language(request), request_id=request_id_var.get()
    )
    return error_response(request.url.path, 500, "internal_error", message)


async def _handle_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    return internal_error_response(request, error)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into the JSON error body."""
    app.exception_handler(AssistantError)(_handle_assistant_error)
    app.exception_handler(RequestValidationError)(_handle_validation_error)
    app.exception_handler(StarletteHTTPException)(_handle_http_exception)
    app.exception_handler(Exception)(_handle_unexpected_error)
