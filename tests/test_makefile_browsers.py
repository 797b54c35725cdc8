"""`make browsers` installs a CJK font with Chromium when the font is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

INSTALLED = "#!/bin/sh\nprintf 'install ok installed'\n"
MISSING = "#!/bin/sh\nexit 1\n"


def run_browsers_target(tmp_path: Path, dpkg_query: str) -> str:
    """Run the target with a stand-in dpkg-query and `echo` as sudo, so apt-get never runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dpkg-query"
    fake.write_text(dpkg_query, encoding="utf-8")
    fake.chmod(0o755)
    present = shutil.which("sh") or "/bin/sh"
    command = ["make", "-s", "browsers", "SUDO=echo", f"CHROMIUM={present}"]
    command.append(f"CHROMEDRIVER={present}")
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_browsers_installs_cjk_font_when_missing(tmp_path: Path) -> None:
    output = run_browsers_target(tmp_path, MISSING)

    assert "apt-get install -y chromium chromium-driver fonts-noto-cjk" in output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_browsers_does_nothing_when_all_installed(tmp_path: Path) -> None:
    output = run_browsers_target(tmp_path, INSTALLED)

    assert output == ""
