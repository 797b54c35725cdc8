"""Routes that serve the chat widget, the agent console, the eval dashboard and static files.

The pages are plain HTML, CSS and JavaScript modules with no build step. They call the
`/v1` API from the browser with a key the user supplies, so these routes need no auth.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Folder of the pages, styles, scripts and message catalogs."""

NO_CACHE_HEADERS = {"Cache-Control": "no-cache"}
"""Browsers revalidate every file, so a new release is picked up on the next load."""

router = APIRouter(tags=["web"], include_in_schema=False)


@router.get("/")
def read_chat_page() -> FileResponse:
    """Serve the chat widget page."""
    return FileResponse(STATIC_DIR / "index.html", headers=NO_CACHE_HEADERS)


@router.get("/console")
def read_console_page() -> FileResponse:
    """Serve the agent console page."""
    return FileResponse(STATIC_DIR / "console.html", headers=NO_CACHE_HEADERS)


@router.get("/docs")
def read_api_docs_page() -> HTMLResponse:
    """Serve the interactive API docs with Swagger UI files shipped in static/vendor."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="PM support assistant API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@router.get("/ops/evals")
def read_ops_evals_page() -> FileResponse:
    """Serve the ops eval dashboard page."""
    return FileResponse(STATIC_DIR / "ops.html", headers=NO_CACHE_HEADERS)


@router.get("/static/{file_path:path}")
def read_static_file(file_path: str) -> FileResponse:
    """Serve one file from the static folder.

    Raises:
        HTTPException: 404 when the path does not name a file inside the static folder.
    """
    path = (STATIC_DIR / file_path).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"static file not found: {file_path}")

    return FileResponse(path, headers=NO_CACHE_HEADERS)
