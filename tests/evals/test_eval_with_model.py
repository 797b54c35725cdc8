"""`assistant eval --model` end to end: litellm calls a stand-in OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.evals.stand_in_llm import scripted_reply, stand_in_llm

STAND_IN_MODEL = "openai/stand-in"


def test_scripted_reply_quotes_first_excerpt_with_its_id() -> None:
    prompt = (
        "Answer the user's question using ONLY the knowledge-base excerpts below.\n"
        "Excerpts:\n[en-gantt-3] Baselines > Save (roles: member)\n"
        "Open the Gantt view and click Save baseline. Then name it.\n\nQuestion: how?"
    )

    kind, reply = scripted_reply([{"role": "user", "content": prompt}])

    assert kind == "answer"
    assert reply == "Open the Gantt view and click Save baseline. [en-gantt-3]"


def test_eval_model_calls_llm_over_http(tmp_path: Path) -> None:
    with stand_in_llm() as (base_url, requests):
        env = os.environ | {
            "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
            "ASSISTANT_LLM_API_BASE": base_url,
            "ASSISTANT_LLM_API_KEY": "stand-in-key",
        }
        command = [sys.executable, "-m", "cli.main", "eval", "--model", STAND_IN_MODEL]
        command += ["--tag", "baselines", "--report", str(tmp_path / "reports"), "--json"]
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=600, check=False
        )

    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    metrics = report["metrics"]
    assert report["config"]["engine"] == STAND_IN_MODEL
    assert requests["classify"] >= metrics["cases"]
    assert requests["answer"] > 0
    assert metrics["groundedness"] == 1.0
    assert metrics["hit_at_5"] > 0.5
    assert len(list((tmp_path / "reports").glob("eval-*.html"))) == 1
