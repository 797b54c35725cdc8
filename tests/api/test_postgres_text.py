"""NUL characters in messages on a server whose database is PostgreSQL, which rejects them.

The SQLite server of the other API tests gets the same 422 (see test_request_text.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from assistant.keys import KeyRole, KeyStore
from tests.api.conftest import Server, _start_server, _stop_server
from tests.tickets.factories import POSTGRES_CONNECT_TIMEOUT_SECONDS, POSTGRES_URL

JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def postgres_schema_url() -> Iterator[str]:
    """A URL of POSTGRES_URL in a fresh schema `h45_api_...`, dropped afterwards.

    The test is skipped when the server does not accept connections.
    """
    admin = create_engine(
        POSTGRES_URL, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
    )
    schema = f"h45_api_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL is unreachable ({str(error.orig).splitlines()[0]})")
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def postgres_server(api_data_dir: Path, postgres_schema_url: str) -> Iterator[Server]:
    """A server on the shared KBs whose keys, tickets and feedback are in PostgreSQL."""
    store = KeyStore(postgres_schema_url)
    keys = {
        "default-widget": store.create("default", KeyRole.WIDGET)[1],
        "default-agent": store.create("default", KeyRole.AGENT)[1],
    }
    store.close()
    env = {
        "ASSISTANT_DATABASE_URL": postgres_schema_url,
        "ASSISTANT_API_RATE_BURST": "1000",
        "ASSISTANT_API_RATE_PER_SECOND": "1000",
    }
    process, base_url = _start_server(api_data_dir, env)
    yield Server(base_url=base_url, keys=keys)
    _stop_server(process)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "field 'message' contains a NUL character (U+0000) at character 6"),
        ("zh-CN", "字段“message”的第 6 个字符是 NUL 字符（U+0000），无法存储"),
    ],
)
def test_postgres_ticket_message_with_nul_is_422(
    postgres_server: Server, language: str, expected: str
) -> None:
    body = '{"message": "转人工: \\u0000 in the export"}'

    with postgres_server.client("default-widget", language) as client:
        response = client.post(
            "/v1/chat", params={"stream": "false"}, content=body.encode(), headers=JSON_HEADERS
        )

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert expected in response.json()["error"]["message"]


def test_postgres_ticket_opens_without_nul(postgres_server: Server) -> None:
    with postgres_server.client("default-widget") as client:
        response = client.post(
            "/v1/chat", params={"stream": "false"}, json={"message": "转人工:  in the export"}
        )
    with postgres_server.client("default-agent") as client:
        ticket_id = response.json()["action"]["ticket"]["id"]
        comment = client.post(
            f"/v1/tickets/{ticket_id}/comments",
            content=b'{"text": "log: \\u0000"}',
            headers=JSON_HEADERS,
        )

    assert response.status_code == 200, response.text
    assert comment.status_code == 422, comment.text
    assert "field 'text' contains a NUL character" in comment.json()["error"]["message"]
