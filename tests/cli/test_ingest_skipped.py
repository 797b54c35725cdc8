"""`assistant ingest` lists skipped files with the reason in the locale's language."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BOARDS_EN, REPO_ROOT, write_kb

BAD_FILES: dict[str, str | bytes] = {
    "boards.md": BOARDS_EN,
    "image.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
    "latin1.txt": "caf\xe9 au lait".encode("latin-1"),
    "module.md": "---\nmodule: spaceships\n---\n# Ships\n\nText.\n",
    "version.md": "---\nintroduced_in: three\n---\n# Old\n\nText.\n",
}


def _ingest(kb_folder: Path, data_dir: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LANG": lang, "LC_ALL": "", "ASSISTANT_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "ingest", str(kb_folder), "--kb", "skips"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh_CN.UTF-8",
            [
                "已跳过 image.md：二进制文件",
                "已跳过 latin1.txt：不是有效的 UTF-8 编码（偏移 3 处的字节 0xe9）",
                "已跳过 module.md：头信息（front matter）中的模块 'spaceships' 无效",
                "已跳过 version.md：头信息（front matter）中的 introduced_in 'three' 无效",
            ],
        ),
        (
            "en_US.UTF-8",
            [
                "skipped image.md: binary file",
                "skipped latin1.txt: not valid UTF-8 (byte 0xe9 at offset 3)",
                "skipped module.md: unknown module 'spaceships' in front matter",
                "skipped version.md: invalid introduced_in 'three' in front matter",
            ],
        ),
    ],
    ids=["zh", "en"],
)
def test_skip_reasons_follow_the_locale(tmp_path: Path, lang: str, expected: list[str]) -> None:
    kb_folder = write_kb(tmp_path / "kb", BAD_FILES)

    result = _ingest(kb_folder, tmp_path / "data", lang)

    assert result.returncode == 0, result.stderr
    for line in expected:
        assert line in result.stdout


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_CN.UTF-8", ["已跳过 link.md：是指向 KB 文件夹之外", "已跳过 big.md：文件大小为"]),
        ("en_US.UTF-8", ["skipped link.md: symbolic link to", "skipped big.md: file of"]),
    ],
    ids=["zh", "en"],
)
def test_outside_links_and_large_files_are_listed(
    tmp_path: Path, lang: str, expected: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_folder = write_kb(tmp_path / "kb", {"boards.md": BOARDS_EN, "big.md": BOARDS_EN * 10})
    secret = write_kb(tmp_path / "outside", {"passwd.md": "root:x:0:0:root:/root:/bin/bash\n"})
    (kb_folder / "link.md").symlink_to(secret / "passwd.md")
    monkeypatch.setenv("ASSISTANT_INGEST_MAX_FILE_BYTES", str(len(BOARDS_EN) * 2))

    result = _ingest(kb_folder, tmp_path / "data", lang)

    assert result.returncode == 0, result.stderr
    for line in expected:
        assert line in result.stdout
    assert "ASSISTANT_INGEST_MAX_FILE_BYTES" in result.stdout
    assert "added=1" in result.stdout


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh_CN.UTF-8", "没有任何文件被索引：4 个文件都因上述原因被跳过"),
        ("en_US.UTF-8", "no file under"),
    ],
    ids=["zh", "en"],
)
def test_folder_of_only_bad_files_exits_1(tmp_path: Path, lang: str, expected: str) -> None:
    bad_only = {name: text for name, text in BAD_FILES.items() if name != "boards.md"}
    kb_folder = write_kb(tmp_path / "kb", bad_only)

    result = _ingest(kb_folder, tmp_path / "data", lang)

    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert "skipped=4" in result.stdout
