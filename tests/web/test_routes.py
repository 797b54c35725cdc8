"""The web router serves the pages and the static files, and nothing outside them."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.routes import STATIC_DIR, router


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", 'src="/static/js/chat.js"'),
        ("/console", 'src="/static/js/console.js"'),
        ("/ops/evals", 'src="/static/js/ops.js"'),
    ],
    ids=["chat", "console", "ops"],
)
def test_page_served_as_html(client: TestClient, path: str, marker: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert marker in response.text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/js/chat.js", "text/javascript"),
        ("/static/css/app.css", "text/css"),
        ("/static/i18n/zh.json", "application/json"),
    ],
    ids=["script", "style", "catalog"],
)
def test_static_file_served_with_type(client: TestClient, path: str, content_type: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../routes.py",
        "/static/%2e%2e/routes.py",
        "/static/..%2Froutes.py",
        "/static/js",
        "/static/missing.js",
    ],
    ids=["dot-dot", "encoded-dot-dot", "encoded-slash", "folder", "missing"],
)
def test_static_path_outside_files_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert "def read_static_file" not in response.text


def test_catalogs_have_same_keys() -> None:
    catalogs = {
        language: json.loads((STATIC_DIR / "i18n" / f"{language}.json").read_text("utf-8"))
        for language in ("en", "zh")
    }

    assert catalogs["en"].keys() == catalogs["zh"].keys()
    assert all(catalogs["zh"].values()), "every zh message must be non-empty"
