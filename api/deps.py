"""Dependencies of the route handlers: resources, settings, language and the caller's key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import AuthenticationError, PermissionDeniedError, RateLimitExceededError
from api.language import request_language
from api.resources import Resources
from assistant.domain import Language
from assistant.keys import KeyRecord, KeyRole
from assistant.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk-...`")


# The dependencies that do no blocking work are `async def`: FastAPI runs a plain `def`
# dependency in its thread pool, which costs a thread hop per dependency and request.


async def get_resources(request: Request) -> Resources:
    """Return the resources that the lifespan opened."""
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings(resources: ResourcesDep) -> Settings:
    """Return the settings the app was created with."""
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_language(request: Request) -> Language:
    """Return the language of the caller's Accept-Language header."""
    return request_language(request)


LanguageDep = Annotated[Language, Depends(get_language)]


def authenticate(
    request: Request,
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyRecord:
    """Return the caller's API key, after charging the request to its rate limit.

    Raises:
        AuthenticationError: the key is missing, unknown or revoked.
        RateLimitExceededError: the key is over its rate limit.
    """
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing API key", code="missing_api_key")
    key = resources.keys.authenticate(credentials.credentials)
    if key is None:
        raise AuthenticationError("invalid API key", code="invalid_api_key")

    # Error responses read it: server-side details are for operators, not the public widget.
    request.state.key_role = key.role
    wait_seconds = resources.limiter.acquire(key.id)
    if wait_seconds > 0:
        raise RateLimitExceededError(wait_seconds)
    return key


PrincipalDep = Annotated[KeyRecord, Depends(authenticate)]


def require_role(*roles: KeyRole) -> Callable[[KeyRecord], Awaitable[KeyRecord]]:
    """Return a dependency that lets only keys with one of `roles` through."""
    allowed = ", ".join(role.value for role in roles)

    async def check_role(key: PrincipalDep) -> KeyRecord:
        if key.role not in roles:
            raise PermissionDeniedError(
                f"role {key.role.value!r} cannot use this endpoint",
                code="forbidden_role",
                role=key.role.value,
                allowed=allowed,
            )
        return key

    return check_role


ChatKeyDep = Annotated[KeyRecord, Depends(require_role(*KeyRole))]
"""Any key: every role may chat."""

TicketReaderDep = Annotated[
    KeyRecord, Depends(require_role(KeyRole.AGENT, KeyRole.OPS, KeyRole.ADMIN))
]
TicketWriterDep = Annotated[KeyRecord, Depends(require_role(KeyRole.AGENT))]
KbAdminDep = Annotated[KeyRecord, Depends(require_role(KeyRole.ADMIN))]
FeedbackReaderDep = Annotated[KeyRecord, Depends(require_role(KeyRole.OPS, KeyRole.ADMIN))]
OpsReaderDep = Annotated[KeyRecord, Depends(require_role(KeyRole.OPS, KeyRole.ADMIN))]
"""Ops and admin keys: the eval dashboard and live metrics."""
IncidentWriterDep = Annotated[KeyRecord, Depends(require_role(KeyRole.AGENT, KeyRole.OPS))]
"""Agent and ops keys: incident status and public messages."""
