"""Another program's SQLite database at the checkpoint path is rejected and left unchanged."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.conftest import SAMPLE_KB


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_ask_rejects_photos_database_unchanged(tmp_path: Path, lang: str) -> None:
    data_dir = tmp_path / "data"
    ingested = run_cli(data_dir, "ingest", str(SAMPLE_KB))
    assert ingested.returncode == 0, ingested.stderr.decode()
    store = data_dir / "checkpoints.sqlite"
    with closing(sqlite3.connect(store)) as connection:
        connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO photos (name) VALUES ('beach.jpg')")
        connection.commit()
    before = store.read_bytes()

    result = run_cli(data_dir, "ask", "hi", lang=lang)

    error = result.stderr.decode()
    assert result.returncode == 2, error
    assert result.stdout == b""
    assert str(store) in error
    if lang.startswith("zh"):
        assert "该文件是其他程序的 SQLite 数据库" in error
    else:
        assert "another program's SQLite database" in error
    assert store.read_bytes() == before
    with closing(sqlite3.connect(store)) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"photos"}
