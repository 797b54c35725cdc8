"""Fixtures of the agent tests: one agent on the sample KB per test module, and a second agent
on its data dir for the tests of concurrent turns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from assistant.settings import Settings
from graphs.support.service import SupportAgent
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB


@pytest.fixture(scope="module")
def sample_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportAgent]:
    """One agent on the sample KB for the module; every question starts a new conversation."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("sample-agent-data"))
    ingest_folder(KnowledgeBase(settings, "default"), SAMPLE_KB)
    with closing(SupportAgent(settings, "default")) as support_agent:
        yield support_agent


@pytest.fixture
def data_dir(sample_agent: SupportAgent) -> Path:
    """The data dir of the module's agent."""
    return sample_agent.context.settings.data_dir


@pytest.fixture
def agents(sample_agent: SupportAgent) -> Iterator[list[SupportAgent]]:
    """The module's agent and a second one on its data dir, as a second process would be."""
    with closing(SupportAgent(sample_agent.context.settings, "default")) as second:
        yield [sample_agent, second]
