"""The FastAPI application of the support assistant: `create_app(settings)`.

Run it with `assistant serve`, or with uvicorn: `uvicorn --factory api.app:create_app`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.body_limit import BodySizeLimitMiddleware
from api.errors import install_error_handlers, internal_error_response
from api.json_body import JsonBodyCheckMiddleware
from api.logs import configure_logging, request_id_var
from api.resources import Resources
from api.routes import chat, completions, drafts, feedback, kb, onboarding, ops, tickets
from api.routes import incidents as incident_routes
from api.routes import insights as insight_routes
from api.tracing import TracingMiddleware
from api.web import routes as web
from assistant.settings import Settings, get_settings
from assistant.telemetry import configure_tracing
from assistant.tickets import Roster, RosterError, check_roster
from assistant.tickets.sla_monitor import start_sla_monitor, stop_sla_monitor

logger = logging.getLogger(__name__)

STARTUP_FAILURE_EXIT_CODE = 3
"""Exit code of a server that cannot start, the code uvicorn uses for its own startup failures."""
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

API_DESCRIPTION = """HTTP API of the PM support assistant. Authenticate with
`Authorization: Bearer <API key>`; create keys with `assistant keys create`. Errors have the
body `{"error": {"code", "message"}}`, in Chinese when Accept-Language starts with `zh`."""


class RequestContextMiddleware:
    """Give every request an id (the client's X-Request-ID when valid) and log one line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id in the logging context and the response headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started_response:
                raise
            # The 500 is built here, inside the request's context, so it names the request id.
            # Starlette's own handler runs after this middleware has reset the id.
            response = internal_error_response(Request(scope), error)
            await response(scope, receive, send_with_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s -> %d in %.1f ms", scope["method"], scope["path"], status, elapsed_ms
            )
            request_id_var.reset(token)


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER.lower().encode():
            candidate = str(value.decode("latin-1"))
            if _REQUEST_ID_RE.match(candidate):
                return candidate
    return uuid.uuid4().hex[:16]


def load_roster_or_exit(settings: Settings) -> Roster:
    """Load the roster before the server listens, or exit with one log line that gives the reason.

    Without this, an invalid roster would show only where a ticket is routed. The lifespan is too
    late too: uvicorn logs a traceback for an exception there.

    Raises:
        SystemExit: with code `STARTUP_FAILURE_EXIT_CODE` when the roster file is invalid.
    """
    try:
        return check_roster(settings)
    except RosterError as error:
        logger.critical("cannot start the API: %s", error)
        raise SystemExit(STARTUP_FAILURE_EXIT_CODE) from None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; its lifespan opens the stores and closes them at shutdown.

    Raises:
        SystemExit: the roster file is invalid (see `load_roster_or_exit`).
    """
    configure_logging()
    app_settings = settings or get_settings()
    configure_tracing(app_settings.tracing)
    roster = load_roster_or_exit(app_settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = Resources.open(app_settings, roster)
        app.state.resources = resources
        sla_monitor = start_sla_monitor(resources.tickets, app_settings)
        logger.info("API started with data dir %s", app_settings.data_dir)
        try:
            yield
        finally:
            await stop_sla_monitor(sla_monitor)
            resources.close()
            logger.info("API stopped")

    app = FastAPI(
        title="PM support assistant",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # /docs is served by api.web with Swagger UI files shipped in the repository; FastAPI's
        # own pages load their scripts and fonts from CDNs, which an offline machine lacks.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    # The last middleware added runs first: the request id is set before the span starts, and
    # a JSON body is checked only after its size.
    app.add_middleware(JsonBodyCheckMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=app_settings.api_max_body_bytes,
        max_upload_bytes=app_settings.api_max_upload_request_bytes,
    )
    app.add_middleware(TracingMiddleware)
    app.add_middleware(RequestContextMiddleware)
    routers = (
        chat.router,
        completions.router,
        feedback.router,
        tickets.router,
        drafts.router,
        incident_routes.router,
        kb.router,
        ops.router,
        insight_routes.router,
        onboarding.router,
    )
    for router in (*routers, web.router):
        app.include_router(router)
    return app
