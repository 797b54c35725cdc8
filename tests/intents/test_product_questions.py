"""Questions about product features that the classifier once refused as out of scope."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.domain import Intent
from assistant.intents import IntentClassifier
from assistant.intents.vocabulary import Scope, load_lexicon
from assistant.settings import Settings
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB

FEATURE_QUESTIONS = [
    pytest.param("How do I enable quiet hours?", "notifications/", id="en-quiet-hours"),
    pytest.param("如何开启免打扰时段？", "notifications/", id="zh-quiet-hours"),
    pytest.param("How do I enable time tracking?", "time_tracking/", id="en-time-tracking"),
    pytest.param("怎么开启工时跟踪？", "time_tracking/", id="zh-time-tracking"),
]
"""Questions on features of the sample KB, and the part of the path of the pages on them."""
TITLE_LINE = re.compile(r"^(?:title:|# )(.+)$", re.MULTILINE)
"""The front-matter title of a page, or its first heading when it has no front matter."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("feature-questions")
    ingest_folder(KnowledgeBase(Settings(data_dir=folder), "default"), SAMPLE_KB)
    return folder


@pytest.fixture(scope="module")
def agent(data_dir: Path) -> Iterator[SupportAgent]:
    support_agent = SupportAgent(Settings(data_dir=data_dir), "default")
    yield support_agent
    support_agent.close()


@pytest.mark.parametrize(("question", "doc_part"), FEATURE_QUESTIONS)
def test_feature_question_classified_how_to(
    classifier: IntentClassifier, question: str, doc_part: str
) -> None:
    prediction = classifier.predict(question)

    assert prediction.intent is Intent.HOW_TO, prediction
    assert prediction.source == "classifier"


@pytest.mark.parametrize("version", ["3.2", "3.4", ""], ids=["v3.2", "v3.4", "no-version"])
@pytest.mark.parametrize(("question", "doc_part"), FEATURE_QUESTIONS)
def test_feature_question_answered_with_citations(
    agent: SupportAgent, question: str, doc_part: str, version: str
) -> None:
    user = UserContext(id="u-1", role="member", product_version=version)

    reply = agent.ask(question, user).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert reply["intent"]["name"] == Intent.HOW_TO.value
    assert reply["citations"], reply["answer"]
    assert all(doc_part in citation["doc"] for citation in reply["citations"]), reply["citations"]


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("Can I pause alerts with quiet hours?", Scope.PRODUCT),
        ("The hours are quiet here", Scope.GENERAL),
        ("Is time tracking included?", Scope.PRODUCT),
        ("I keep losing track of time", Scope.GENERAL),
    ],
    ids=["phrase", "words-apart", "phrase-stemmed", "words-reordered"],
)
def test_product_phrase_needs_words_in_order(text: str, scope: Scope) -> None:
    assert load_lexicon().analyze(text).scope is scope


def _page_titles(root: Path) -> list[tuple[str, str]]:
    """Return the path and the title of each page under `root` that has one."""
    titles = []
    for page in sorted(root.rglob("*.md")):
        found = TITLE_LINE.search(page.read_text(encoding="utf-8"))
        if found:
            titles.append((str(page.relative_to(root)), found.group(1).strip()))
    return titles


def test_sample_kb_titles_name_product_terms() -> None:
    """A feature that the KB documents must count as a product topic, or it is refused."""
    lexicon = load_lexicon()

    general = [
        (page, title)
        for page, title in _page_titles(SAMPLE_KB)
        if lexicon.analyze(title).scope is not Scope.PRODUCT
    ]

    assert general == [], "add these features to the product terms of lexicon.yaml"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        # 订阅 is also the word for a paid subscription, which billing hands off to people.
        ("怎么订阅日历？", Intent.HOW_TO),
        ("How do I subscribe to the calendar?", Intent.HOW_TO),
        # The KB names the theme setting 深色; the classifier once refused the question.
        ("我无法开启深色模式", Intent.TROUBLESHOOTING),
        ("I cannot turn on dark mode", Intent.TROUBLESHOOTING),
    ],
    ids=["zh-subscribe-calendar", "en-subscribe-calendar", "zh-dark-mode", "en-dark-mode"],
)
def test_feature_question_not_routed_to_billing_or_refused(
    classifier: IntentClassifier, question: str, intent: Intent
) -> None:
    assert classifier.predict(question).intent is intent


def test_unknown_topic_gets_clarified(agent: SupportAgent) -> None:
    # The sample KB writes 订阅 only for paid plans and has no calendar page.
    reply = agent.ask("怎么订阅日历？", UserContext(id="u-1", role="member")).to_json()

    assert reply["action"]["type"] == "clarify", reply["answer"]
    assert "日历" in reply["answer"]
