"""Fixtures of the agent tests: the data dir of the module's agent on the sample KB
(`sample_agent` of tests/conftest.py), and a second agent on it for the tests of concurrent
turns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from graphs.support.service import SupportAgent


@pytest.fixture
def data_dir(sample_agent: SupportAgent) -> Path:
    """The data dir of the module's agent."""
    return sample_agent.context.settings.data_dir


@pytest.fixture
def agents(sample_agent: SupportAgent) -> Iterator[list[SupportAgent]]:
    """The module's agent and a second one on its data dir, as a second process would be."""
    with closing(SupportAgent(sample_agent.context.settings, "default")) as second:
        yield [sample_agent, second]
