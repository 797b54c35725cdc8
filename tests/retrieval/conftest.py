"""Fixtures of the retrieval tests: the sample KB ingested once per test module."""

from __future__ import annotations

import pytest

from assistant.settings import Settings
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The sample KB, ingested into a folder of the module's own."""
    folder = tmp_path_factory.mktemp("sample-kb-data")
    kb = KnowledgeBase(Settings(data_dir=folder), "default")
    ingest_folder(kb, SAMPLE_KB)
    return kb
