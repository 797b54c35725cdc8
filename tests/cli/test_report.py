"""`assistant report voc` and `report gaps` on a seeded fortnight of synthetic traffic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from assistant.feedback import FeedbackStore
from assistant.settings import Settings, get_settings
from assistant.tickets import TicketStore
from assistant.turns import TurnRecord, TurnStore
from cli.main import main
from graphs.support.service import SupportAgent
from insights.synthetic_traffic import (
    Scenario,
    SeedSummary,
    TrafficStores,
    load_scenario,
    seed_traffic,
)
from insights.weeks import IsoWeek
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB

WEEK = IsoWeek(2026, 48)


@dataclass(frozen=True)
class Seeded:
    """The data dir of the seeded traffic and what was seeded into it."""

    settings: Settings
    scenario: Scenario
    summary: SeedSummary


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data_dir = tmp_path_factory.mktemp("report") / "data"
    settings = Settings(data_dir=data_dir)
    ingest_folder(KnowledgeBase(settings, "default.default"), SAMPLE_KB)
    scenario = load_scenario()
    agent = SupportAgent(settings, "default.default", channel="chat")
    stores = TrafficStores(
        agent,
        FeedbackStore(settings.resolved_database_url),
        TicketStore(settings.resolved_database_url),
    )
    try:
        summary = seed_traffic(stores, scenario, WEEK, settings=settings, seed=7)
    finally:
        agent.close()
        stores.feedback.close()
        stores.tickets.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        yield Seeded(settings, scenario, summary)
    get_settings.cache_clear()


def _run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["report", *args, "--week", str(WEEK), "--json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def _week_turns(settings: Settings) -> list[TurnRecord]:
    timezone = ZoneInfo(settings.timezone)
    store = TurnStore(settings.resolved_database_url)
    try:
        return store.list_turns(
            "default", since=WEEK.start(timezone), until=WEEK.end(timezone), limit=10_000
        )
    finally:
        store.close()


def test_voc_report_surfaces_dominant_seeded_topic(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    dominant = max(seeded.scenario.topics, key=lambda topic: topic.conversations.current)

    report = _run_json(capsys, "voc")

    top_term = report["terms"][0]
    assert report["modules"][0]["module"] == dominant.module
    assert top_term["term"] in dominant.terms
    assert top_term["trend"] == "up"
    assert top_term["modules"][0]["module"] == dominant.module
    assert top_term["examples"]
    assert top_term["negative_count"] > 0


def test_voc_report_counts_match_turn_log(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    turns = _week_turns(seeded.settings)
    questions = [turn for turn in turns if turn.intent not in {"greeting", "out_of_scope"}]

    report = _run_json(capsys, "voc")

    assert report["week"] == str(WEEK)
    assert report["totals"]["questions"] == len(questions)
    assert report["totals"]["tickets"] == sum(
        round(topic.email_tickets) for topic in seeded.scenario.topics
    )
    assert report["totals"]["conversations"] == len({turn.conversation_id for turn in questions})
    assert report["totals"]["negative"] > 0


def test_gaps_report_counts_every_failed_answer(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    turns = sorted(_week_turns(seeded.settings), key=lambda turn: (turn.created_at, turn.id))
    low_confidence = [
        turn
        for turn in turns
        if turn.intent in {"how_to", "troubleshooting", "permissions", "account_access"}
        and turn.retrieval_confidence < seeded.settings.answer_min_confidence
    ]
    by_conversation: dict[str, list[TurnRecord]] = {}
    for turn in turns:
        by_conversation.setdefault(turn.conversation_id, []).append(turn)
    tickets_after_answer = sum(
        1
        for history in by_conversation.values()
        for answered, following in zip(history, history[1:], strict=False)
        if answered.action == "answer" and following.ticket_id
    )

    report = _run_json(capsys, "gaps")

    clusters = report["clusters"]
    assert sum(c["signals"]["low_confidence"] for c in clusters) == len(low_confidence)
    assert sum(c["signals"]["ticket_after_answer"] for c in clusters) == tickets_after_answer
    assert clusters[0]["modules"][0]["module"] == "integrations"
    assert report["stale_docs"]["current_version"] == "3.4"
    assert report["stale_docs"]["stale"]


def test_report_out_writes_chinese_json_and_html(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "voc", "--week", str(WEEK), "--out", str(tmp_path), "--lang", "zh"])

    output = capsys.readouterr().out
    html = (tmp_path / "voc-default-2026-W48.zh.html").read_text(encoding="utf-8")
    saved = json.loads((tmp_path / "voc-default-2026-W48.json").read_text(encoding="utf-8"))
    assert code == 0
    assert "已写入" in output
    assert "客户之声：default，2026-W48 周" in html
    assert '<html lang="zh-CN">' in html
    assert saved["week"] == "2026-W48"
    assert saved["terms"]


def test_report_prints_a_summary_without_json(
    seeded: Seeded, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "gaps", "--week", str(WEEK), "--lang", "en"])

    output = capsys.readouterr().out
    assert code == 0
    assert output.startswith("KB gaps: default, week 2026-W48")
    assert "Stale articles" in output


def test_report_rejects_invalid_week(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)

    code = main(["report", "voc", "--week", "2026-48"])

    assert code == 2
    assert "invalid week '2026-48'" in capsys.readouterr().err


@pytest.mark.parametrize("report", ["voc", "gaps"])
def test_report_on_unknown_tenant_fails_listing_known_ones(
    seeded: Seeded, capsys: pytest.CaptureFixture[str], report: str
) -> None:
    code = main(["report", report, "--tenant", "nosuch", "--week", str(WEEK)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("Error: tenant 'nosuch' does not exist")
    assert "Known tenants: default." in captured.err
