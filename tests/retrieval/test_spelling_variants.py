"""One word written with or without a space or hyphen finds the KB's spelling of it."""

from __future__ import annotations

from contextlib import closing

import pytest

from assistant.settings import Settings
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from retrieval.glossary import load_glossary
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Where do I set my time zone?", "timezon"),
        ("timezone", "zon"),
        ("Can I sign in with SSO?", "signin"),
    ],
    ids=["spaced", "joined", "sign-in"],
)
def test_spelling_variants_add_the_other_spelling(question: str, expected: str) -> None:
    assert expected in load_glossary().spelling_variants(question)


def test_broader_variants_of_a_concept_are_not_spellings() -> None:
    # "task" and "tasks" are one concept with 任务, but none of them spells "export".
    assert load_glossary().spelling_variants("How do I export tasks?") == []


def test_spaced_spelling_finds_joined_page(sample_kb: KnowledgeBase) -> None:
    hits = sample_kb.search("Where do I set my time zone?").hits

    assert hits[0].chunk.doc == "en/account/profile-language-timezone.md"
    assert hits[0].topic_match


def test_spaced_spelling_is_answered_not_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = Settings(data_dir=tmp_path_factory.mktemp("spelling"))
    ingest_folder(KnowledgeBase(settings, "default"), SAMPLE_KB)
    with closing(SupportAgent(settings, "default")) as agent:
        reply = agent.ask("Where do I set my time zone?", UserContext(id="u-1")).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert reply["citations"][0]["doc"] == "en/account/profile-language-timezone.md"


def test_spelling_counts_only_whole_in_kb(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # "e-mail" is a spelling of "email"; its second word alone must not stand for it.
    folder = tmp_path_factory.mktemp("spelling-kb")
    (folder / "delivery-problems.md").write_text(
        "# Delivery problems\n\nIf an email does not arrive, ask your mail administrator to "
        "check the mail server and the mail filters.\n",
        encoding="utf-8",
    )
    (folder / "email-settings.md").write_text(
        "# Email settings\n\nChoose which email you get for each project, and how often email "
        "is sent.\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path_factory.mktemp("spelling-data"))
    kb = KnowledgeBase(settings, "default")
    ingest_folder(kb, folder)

    hits = kb.search("how often do I get email").hits

    assert hits[0].chunk.doc == "email-settings.md"
