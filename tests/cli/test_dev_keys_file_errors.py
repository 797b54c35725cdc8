"""`keys bootstrap` rejects a dev keys file it cannot read and leaves it as it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli


def _garbage(path: Path) -> None:
    path.write_text("this is not JSON {")


def _wrong_shape(path: Path) -> None:
    path.write_text('["sk-1", "sk-2"]')


def _folder(path: Path) -> None:
    path.mkdir()
    (path / "keep.txt").write_text("keep")


BAD_FILES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "garbage": (_garbage, "the file is not valid JSON", "该文件不是有效的 JSON"),
    "wrong_shape": (_wrong_shape, "not the tenant-to-keys object", "不是 bootstrap 写入的"),
    "folder": (_folder, "the path is a folder, not a file", "该路径是目录而不是文件"),
}
"""Per case: how to damage the file, and the English and Chinese reason in the error."""


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {child.name: child.read_bytes() for child in path.iterdir()}
    return {"": path.read_bytes()}


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("lang", ["en_US.UTF-8", "zh_CN.UTF-8"])
def test_bootstrap_rejects_unreadable_dev_keys(tmp_path: Path, case: str, lang: str) -> None:
    make, english_reason, chinese_reason = BAD_FILES[case]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    dev_keys = data_dir / "dev-keys.json"
    make(dev_keys)
    before = _snapshot(dev_keys)

    result = run_cli(data_dir, "keys", "bootstrap", lang=lang)

    error = result.stderr.decode()
    assert result.returncode == 2, error
    assert "Traceback" not in error
    assert str(dev_keys) in error
    assert result.stdout == b""
    if lang.startswith("zh"):
        assert chinese_reason in error
        assert "请把它移走" in error
    else:
        assert english_reason in error
        assert "move it away and run `assistant keys bootstrap` again" in error
    assert _snapshot(dev_keys) == before
    assert not (data_dir / "assistant.db").exists()


def test_bootstrap_writes_keys_after_file_moved(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    dev_keys = data_dir / "dev-keys.json"
    _garbage(dev_keys)
    assert run_cli(data_dir, "keys", "bootstrap").returncode == 2
    dev_keys.rename(data_dir / "dev-keys.json.bad")

    result = run_cli(data_dir, "keys", "bootstrap")

    assert result.returncode == 0, result.stderr.decode()
    assert "widget key for tenant default: sk-" in result.stdout.decode()
    assert dev_keys.is_file()
