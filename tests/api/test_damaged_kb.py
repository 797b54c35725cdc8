"""A tenant's KB whose chunk store was damaged: JSON errors that name it, not a bare 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.keys import KeyRole, KeyStore
from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.api.conftest import Server, _start_server, _stop_server
from tests.api.sse import parse_events
from tests.conftest import BOARDS_EN, write_kb

GARBAGE = bytes(range(256)) * 16
"""4 KiB that are not an SQLite database."""


@pytest.fixture(scope="module")
def damaged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose tenant `default` has the KB `default` with a damaged chunk store."""
    root = tmp_path_factory.mktemp("api-damaged-kb")
    data_dir = root / "data"
    settings = Settings(data_dir=data_dir)
    kb = KnowledgeBase(settings, "default.default")
    ingest_folder(kb, write_kb(root / "kb", {"en/boards.md": BOARDS_EN}))
    kb.close()
    (kb.folder / "chunks.sqlite").write_bytes(GARBAGE)
    store = KeyStore(settings.resolved_database_url)
    keys = {f"default-{role.value}": store.create("default", role)[1] for role in KeyRole}
    store.close()
    process, base_url = _start_server(data_dir, {})
    yield Server(base_url=base_url, keys=keys)
    _stop_server(process)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "is damaged"), ("zh", "已损坏")], ids=["en", "zh"]
)
def test_damaged_kb_chat_is_json_error(
    damaged_server: Server, language: str, expected: str
) -> None:
    body = {"message": "How do I create a board?"}

    with damaged_server.client("default-admin", language) as client:
        response = client.post("/v1/chat", params={"stream": "false"}, json=body)

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "kb_damaged"
    assert expected in error["message"]
    assert "chunks.sqlite" in error["message"]
    assert "--rebuild" in error["message"]


@pytest.mark.parametrize("stream", ["true", "false"])
def test_damaged_kb_error_hides_server_paths_from_widget(
    damaged_server: Server, stream: str
) -> None:
    # The widget key is the public chat page's: its users cannot rebuild anything.
    body = {"message": "How do I create a board?"}

    with damaged_server.client("default-widget") as client:
        response = client.post("/v1/chat", params={"stream": stream}, json=body)

    if stream == "true":
        name, error = parse_events(response.text)[-1]
        assert name == "error"
    else:
        assert response.status_code == 500
        error = response.json()["error"]
    assert error["code"] == "kb_damaged"
    assert "chunks.sqlite" not in error["message"]
    assert "--rebuild" not in error["message"]
    assert "request id" in error["message"]


def test_damaged_kb_stream_ends_in_error(damaged_server: Server) -> None:
    body = {"message": "How do I create a board?"}

    with damaged_server.client("default-agent") as client:
        response = client.post("/v1/chat", json=body)

    name, data = parse_events(response.text)[-1]
    assert name == "error"
    assert data["code"] == "kb_damaged"
    assert "--rebuild" in data["message"]


def test_damaged_kb_listing_is_json_error(damaged_server: Server) -> None:
    with damaged_server.client("default-admin") as client:
        response = client.get("/v1/kb/default/documents")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "kb_damaged"
