"""One OpenTelemetry span per HTTP request, parent of the graph, retrieval and LLM spans."""

from __future__ import annotations

from opentelemetry.trace import Span
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import request_id_var
from assistant import telemetry

HTTP_REQUEST_METHOD = "http.request.method"
HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
HTTP_ROUTE = "http.route"
URL_PATH = "url.path"
REQUEST_ID = "assistant.request_id"
SERVER_ERROR_STATUS = 500


class TracingMiddleware:
    """Wrap each HTTP request, streamed body included, in a span named `METHOD /route`.

    While tracing is off the request goes straight to the app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request inside its span and record the route and the status code."""
        if scope["type"] != "http" or not telemetry.is_enabled():
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        attributes = {
            HTTP_REQUEST_METHOD: method,
            URL_PATH: scope["path"],
            REQUEST_ID: request_id_var.get(),
        }
        status = SERVER_ERROR_STATUS

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with telemetry.span(f"{method} {scope['path']}", attributes) as current:
            try:
                await self.app(scope, receive, send_with_status)
            finally:
                _finish(current, scope, method, status)


def _finish(current: Span | None, scope: Scope, method: str, status: int) -> None:
    if current is None:
        return
    # Starlette's router stores the matched route in the scope, so the span can be named by
    # the path template (`/v1/tickets/{ticket_id}`) rather than by the concrete path.
    route = getattr(scope.get("route"), "path", None)
    if route:
        current.update_name(f"{method} {route}")
        current.set_attribute(HTTP_ROUTE, route)
    current.set_attribute(HTTP_RESPONSE_STATUS_CODE, status)
    if status >= SERVER_ERROR_STATUS:
        telemetry.mark_error(current, f"HTTP {status}")
