"""Database URLs that cannot work fail with a project error naming the hidden-password URL, and
read-only stores neither create nor change a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from assistant.database import (
    DatabaseFileDamagedError,
    DatabaseFolderMissingError,
    DatabaseUnreachableError,
    DatabaseUrlError,
    check_database,
    check_sqlite_folder,
    is_in_memory_sqlite,
    is_read_only_error,
    redact_url,
)
from assistant.keys import KeyRole, KeyStore
from assistant.tickets import TicketStore

UNREACHABLE_DATABASE = "postgresql+psycopg://support:s3cret@127.0.0.1:1/tickets"
"""Nothing listens on port 1 of 127.0.0.1, so the connection is refused at once."""


def test_store_unreachable_database_raises() -> None:
    store = TicketStore(UNREACHABLE_DATABASE)

    with pytest.raises(DatabaseUnreachableError) as caught:
        store.list()

    assert caught.value.code == "database_unreachable"
    assert caught.value.params["cause"] == "Connection refused"
    assert "s3cret" not in str(caught.value)
    assert "'postgresql+psycopg://support:***@127.0.0.1:1/tickets'" in str(caught.value)


def test_check_database_unreachable_raises() -> None:
    with pytest.raises(DatabaseUnreachableError, match="Connection refused"):
        check_database(UNREACHABLE_DATABASE)


def test_check_database_rejects_non_database_file(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n", encoding="utf-8")

    with pytest.raises(DatabaseFileDamagedError, match="is damaged or is not a SQLite database"):
        check_database(f"sqlite:///{text_file}")

    assert text_file.read_text(encoding="utf-8") == "not a database\n"


def test_check_database_existing_sqlite_passes(tmp_path: Path) -> None:
    store = TicketStore(f"sqlite:///{tmp_path / 'assistant.db'}")
    store.list()
    store.close()

    check_database(f"sqlite:///{tmp_path / 'assistant.db'}")


@pytest.mark.parametrize("folder", ["", "db"], ids=["existing-folder", "missing-folder"])
def test_check_database_creates_no_sqlite_file(tmp_path: Path, folder: str) -> None:
    database = tmp_path / folder / "assistant.db"

    check_database(f"sqlite:///{database}")

    assert not database.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "in_memory"),
    [
        ("sqlite://", True),
        ("sqlite:///:memory:", True),
        ("sqlite+pysqlite:///:memory:", True),
        ("sqlite:///file::memory:?cache=shared&uri=true", True),
        ("sqlite:///file:tickets?mode=memory&uri=true", True),
        ("sqlite:///file::memory:", True),
        ("sqlite:///file::memory:?cache=shared", True),
        ("sqlite:////var/lib/assistant/assistant.db", False),
        ("sqlite:///assistant.db", False),
        ("postgresql+psycopg://support@db/tickets", False),
        ("notaurl", False),
    ],
    ids=[
        "no-path",
        "memory",
        "memory-with-driver",
        "uri-memory",
        "uri-mode-memory",
        "file-named-memory",
        "file-named-memory-shared-cache",
        "absolute-file",
        "relative-file",
        "postgresql",
        "unparsable",
    ],
)
def test_is_in_memory_sqlite(url: str, in_memory: bool) -> None:
    assert is_in_memory_sqlite(url) is in_memory


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("notaurl", "not a SQLAlchemy URL"),
        ("postgresql+psycopg://u@127.0.0.1:notaport/db", "not a SQLAlchemy URL"),
        ("mysql://support:s3cret@127.0.0.1/tickets", "the driver MySQLdb is not installed"),
        ("nosuchdb://127.0.0.1/tickets", "unknown database type 'nosuchdb'"),
    ],
)
def test_store_invalid_url_raises(url: str, cause: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        TicketStore(url)

    assert caught.value.code == "database_url_invalid"
    assert str(caught.value.params["cause"]).startswith(cause)
    assert "s3cret" not in str(caught.value)


def test_sqlite_folder_under_file_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me", encoding="utf-8")

    with pytest.raises(DatabaseUrlError, match="cannot create the folder"):
        TicketStore(f"sqlite:///{blocker / 'assistant.db'}")

    assert blocker.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:pw@db/x", "postgresql+psycopg://u:***@db/x"),
        ("u:pw@db/x", "u:***@db/x"),
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
    ],
)
def test_redact_url_hides_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_check_sqlite_folder_missing_raises(tmp_path: Path) -> None:
    folder = tmp_path / "nonexistent" / "dir"

    with pytest.raises(DatabaseFolderMissingError) as caught:
        check_sqlite_folder(f"sqlite:///{folder / 'x.db'}")

    assert caught.value.code == "database_folder_missing"
    assert caught.value.params["folder"] == str(folder)
    assert f"the folder {folder} does not exist; create it (mkdir -p {folder})" in str(caught.value)
    assert not folder.exists()


@pytest.mark.parametrize(
    "url",
    ["sqlite:///assistant.db", "sqlite://", "postgresql+psycopg://u@db/x", "notaurl"],
    ids=["relative-file", "memory", "postgresql", "unparsable"],
)
def test_check_sqlite_folder_passes_other_urls(url: str) -> None:
    check_sqlite_folder(url)


def test_read_only_store_creates_no_missing_file(tmp_path: Path) -> None:
    database = tmp_path / "db" / "assistant.db"
    store = KeyStore(f"sqlite:///{database}", read_only=True)

    with pytest.raises(DatabaseUnreachableError, match="unable to open database file"):
        store.list()

    store.close()
    assert sorted(tmp_path.iterdir()) == []


def test_read_only_store_reads_file_without_tables(tmp_path: Path) -> None:
    database = tmp_path / "assistant.db"
    database.touch()
    tickets = TicketStore(f"sqlite:///{database}", read_only=True)
    keys = KeyStore(f"sqlite:///{database}", read_only=True)

    found_tickets = tickets.list()
    tenants = tickets.tenants()
    found_keys = keys.list()

    tickets.close()
    keys.close()
    assert found_tickets == []
    assert tenants == []
    assert found_keys == []
    assert database.read_bytes() == b""


def test_read_only_store_rejects_writes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    writer = KeyStore(url)
    writer.create("acme", KeyRole.AGENT)
    writer.close()
    reader = KeyStore(url, read_only=True)

    with pytest.raises(OperationalError) as caught:
        reader.create("acme", KeyRole.ADMIN)

    roles = [record.role for record in reader.list()]
    reader.close()
    assert is_read_only_error(caught.value)
    assert roles == [KeyRole.AGENT]


def test_check_database_read_only_accepts_missing_file(tmp_path: Path) -> None:
    database = tmp_path / "db" / "assistant.db"

    check_database(f"sqlite:///{database}", read_only=True)

    assert sorted(tmp_path.iterdir()) == []
