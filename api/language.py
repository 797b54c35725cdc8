"""Pick the language of user-facing messages from a request's Accept-Language header."""

from __future__ import annotations

from starlette.requests import Request

from assistant.domain import Language


def request_language(request: Request) -> Language:
    """Return Chinese when the first language in Accept-Language is `zh*`, else English."""
    header = request.headers.get("accept-language", "")
    return locale_language(header.split(",", 1)[0])


def locale_language(locale: str) -> Language:
    """Return Chinese for a `zh*` locale such as `zh-CN`, else English."""
    return Language.ZH if locale.strip().lower().startswith("zh") else Language.EN
