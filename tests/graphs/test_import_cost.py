"""Importing the agent stays cheap: jieba loads its dictionary on first use, not at import."""

from __future__ import annotations

import subprocess
import sys


def test_agent_import_leaves_jieba_dictionary_unloaded() -> None:
    # Loading the dictionary costs about half a second of every CLI start, English or not.
    script = (
        "import sys\n"
        "import graphs.support.service\n"
        "jieba = sys.modules.get('jieba')\n"
        "assert jieba is None or not jieba.dt.initialized, 'jieba loaded its dictionary'\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
