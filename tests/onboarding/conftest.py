"""Fixtures of the onboarding tests: the shipped catalog, sample KB topics and a SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.onboarding.catalog import Catalog, shipped_catalog
from assistant.onboarding.store import OnboardingStore
from retrieval.documents import load_documents
from retrieval.related import DocumentTopic
from tests.conftest import SAMPLE_KB


def topics_of(root: Path) -> dict[str, DocumentTopic]:
    """Return the document topics of a KB folder, as an ingested KB reports them."""
    documents, _ = load_documents(root)
    return {
        document.doc: DocumentTopic(
            document.doc,
            document.title,
            document.module,
            frozenset(document.tags),
            document.language,
            document.roles,
            document.introduced_in,
            document.removed_in,
        )
        for document in documents
    }


@pytest.fixture(scope="session")
def sample_topics() -> dict[str, DocumentTopic]:
    """Topics of every document of samples/kb."""
    return topics_of(SAMPLE_KB)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return shipped_catalog()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OnboardingStore]:
    onboarding_store = OnboardingStore(f"sqlite:///{tmp_path / 'onboarding.db'}")
    yield onboarding_store
    onboarding_store.close()
