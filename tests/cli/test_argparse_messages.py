"""argparse usage errors in the user's language."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _run(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"LANG": lang, "LC_ALL": ""}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_CN.UTF-8", "无效的 int 值：'abc'"), ("en_US.UTF-8", "invalid int value: 'abc'")],
    ids=["zh", "en"],
)
def test_usage_error_follows_the_locale(lang: str, expected: str) -> None:
    result = _run("search", "x", "--top-k", "abc", lang=lang)

    assert result.returncode == 2
    assert expected in result.stderr
