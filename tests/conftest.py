"""Shared fixtures: isolated settings and a small bilingual KB written per test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from graphs.support.service import SupportAgent

# The suite runs with the semantic reranker off, in this process and in the commands it
# starts: on, every fresh process that ingests the sample KB embeds its 306 chunks, about 7 s
# on two cores. tests/retrieval/test_semantic_rerank.py turns it on, and the eval gate of
# `make test` runs the whole eval set with it, as the product's default.
os.environ["ASSISTANT_SEMANTIC_RERANK"] = "false"

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = REPO_ROOT / "samples" / "kb"

BARE_HANDOFFS = [
    pytest.param("转人工", "zh", id="zhuan-rengong"),
    pytest.param("人工客服", "zh", id="rengong-kefu"),
    pytest.param("talk to a human", "en", id="talk-to-a-human"),
    pytest.param("agent please", "en", id="agent-please"),
]
"""Messages that ask for a person and name no topic, with their language."""

LOCALES = {"zh": "zh-CN", "en": "en-US"}
"""Locale of a user who writes in each language, as the chat page sends it."""

HANDOFFS_AFTER_QUESTION = [
    pytest.param("如何设置甘特图基线？", "转人工", "zh", "zh/gantt/gantt-baselines.md", id="zh"),
    pytest.param("How do I set up SSO?", "talk to a human", "en", "en/admin/sso-saml.md", id="en"),
]
"""A question, the request for a person that follows it, their language, and the page of
samples/kb that answers the question."""

BOARDS_EN = """---
title: Create a board
module: boards
roles: [admin, member]
versions:
  introduced_in: "3.3"
tags: [board, kanban]
language: en
---
# Create a board

## Steps

1. Open the project and click **Boards**.
2. Click **New board** and pick a template.
3. Name the board and press **Save**.

Boards show cards in columns. You can rename a board later.
"""

SSO_ZH = """---
title: 配置 SAML 单点登录
module: admin
roles: [admin]
language: zh
---
# 配置 SAML 单点登录

## 前提条件

只有工作区管理员可以配置单点登录（SSO）。企业版才提供 SAML。

## 步骤

1. 打开 **设置 > 安全 > 单点登录**。
2. 上传身份提供方的元数据 XML。
3. 点击 **启用**。
"""

CLASSIC_EN = """---
title: Classic boards
module: boards
versions:
  introduced_in: "3.0"
  removed_in: "3.3"
language: en
---
# Classic boards

Classic boards let you drag cards between lists. They were replaced by the new boards.
"""


def write_kb(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (text or bytes) under root and return root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def sample_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportAgent]:
    """One agent on the sample KB for the module; every question starts a new conversation."""
    from graphs.support.service import SupportAgent
    from retrieval.ingest import ingest_folder
    from retrieval.knowledge_base import KnowledgeBase

    agent_settings = Settings(data_dir=tmp_path_factory.mktemp("sample-agent-data"))
    ingest_folder(KnowledgeBase(agent_settings, "default"), SAMPLE_KB)
    with closing(SupportAgent(agent_settings, "default")) as support_agent:
        yield support_agent


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings whose data dir is a fresh temporary folder."""
    get_settings.cache_clear()
    yield Settings(data_dir=tmp_path / "data")
    get_settings.cache_clear()


@pytest.fixture
def small_kb_dir(tmp_path: Path) -> Path:
    """A three-document bilingual KB folder."""
    return write_kb(
        tmp_path / "kb",
        {
            "en/boards/create-board.md": BOARDS_EN,
            "zh/admin/sso.md": SSO_ZH,
            "en/boards/classic-boards.md": CLASSIC_EN,
        },
    )


BASELINE_REPORT = REPO_ROOT / "evals" / "baselines" / "embedded.json"
EVAL_REPORT_CASES = 8
"""Cases kept from the baseline in a test report: enough for passing and failing ones."""


def write_eval_report(
    directory: Path, stamp: str, metrics: dict[str, float], *, git_commit: str = "0" * 40
) -> Path:
    """Write `eval-<stamp>.json`: the committed baseline with `metrics` changed and few cases.

    The failing cases of the baseline come first, so the report has at least one.
    """
    report = json.loads(BASELINE_REPORT.read_text(encoding="utf-8"))
    cases = sorted(report["cases"], key=lambda case: case["passed"])
    report["cases"] = cases[:EVAL_REPORT_CASES]
    report["metrics"] = report["metrics"] | metrics
    report["git_commit"] = git_commit
    # The run's time comes from `stamp` in the file name, as for reports written before
    # `created_at` was recorded.
    report.pop("created_at", None)

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"eval-{stamp}.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema; the test is skipped when no server accepts connections."""
    from tests.tickets.factories import postgres_schema_url

    yield from postgres_schema_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The assistant's database as a SQLite file, then as a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assistant.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
