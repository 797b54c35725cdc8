"""`assistant tickets show`: event kinds and reasons in the reader's language, codes kept."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import JsonValue

from assistant.domain import Intent, Priority, Tier
from assistant.i18n import MESSAGES_PATH, load_catalog
from assistant.settings import Settings, get_settings
from assistant.tickets import TicketStore
from assistant.tickets.roster import load_roster
from assistant.tickets.schemas import (
    EventKind,
    ReasonCode,
    TicketEventDraft,
    TicketRecord,
    reason_data,
)
from cli.main import main
from cli.ticket_view import EVENT_REASON_PREFIX
from graphs.support.policy import TICKET_REASONS
from tests.cli.language_checks import chinese_characters, english_runs
from tests.conftest import REPO_ROOT
from tests.tickets.factories import make_draft, make_settings
from tools.escalate_ticket import Triage, retriage_ticket

SOURCE_FOLDERS = ("api", "assistant", "cli", "evals", "graphs", "insights", "retrieval", "tools")
"""Folders of the code that can write ticket events."""

SAMPLE_PARAMS: dict[ReasonCode, dict[str, JsonValue]] = {
    ReasonCode.NO_TEAM: {
        "roster": "roster.yaml",
        "tier": "L2",
        "module": "gantt",
        "intent": "bug_report",
    },
    ReasonCode.NO_SKILLED_AGENT: {
        "team": "l2-product",
        "module": "gantt",
        "language": "en",
        "tier": "L2",
    },
    ReasonCode.AGENTS_AT_CAPACITY: {
        "team": "l2-product",
        "loads": [{"agent": "daniel-brooks", "open_tickets": 5, "capacity": 5}],
    },
    ReasonCode.AGENT_CHOSEN: {
        "agent": "daniel-brooks",
        "on_shift": False,
        "open_tickets": 1,
        "capacity": 5,
    },
    ReasonCode.AGENT_REQUESTED: {"agent": "daniel-brooks"},
    ReasonCode.AGENT_REQUESTED_LACKING_SKILLS: {
        "agent": "daniel-brooks",
        "missing_skills": {"module": "billing", "language": "zh", "tier": "L3"},
    },
    ReasonCode.NO_ROSTER: {"tier": "L3"},
    ReasonCode.INTENT_NEEDS_TIER: {"intent": "outage", "tier": "L3"},
    ReasonCode.INTENT_NEEDS_PRIORITY: {"intent": "outage", "priority": "urgent"},
    ReasonCode.MESSAGE_NEEDS_TIER: {
        "intent": "data_loss_security",
        "message": "任务全部不见了",
        "ticket_reason": "security_escalated",
        "tier": "L3",
    },
    ReasonCode.MESSAGE_NEEDS_PRIORITY: {
        "intent": "outage",
        "message": "页面打不开",
        "ticket_reason": "outage_escalated",
        "priority": "urgent",
    },
}
"""Parameters of each reason code, as the code that writes it documents them."""

TYPED_REASON = "the customer called the hotline"
"""A reason typed by an agent, which has no code and is shown as written."""


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(path))
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    monkeypatch.setenv("LC_ALL", "")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def _ticket_with_every_reason(data_dir: Path) -> TicketRecord:
    """Store a ticket with one `assigned` event per reason code, and one typed reason."""
    events = [
        TicketEventDraft(
            kind=EventKind.ASSIGNED,
            data={"team": "l2-product", **reason_data(f"English {code}", code, params)},
        )
        for code, params in SAMPLE_PARAMS.items()
    ]
    typed = TicketEventDraft(kind=EventKind.ESCALATED, data={"reason": TYPED_REASON})
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        return store.create(make_draft(), events=[*events, typed])
    finally:
        store.close()


def _retriaged_ticket(data_dir: Path) -> TicketRecord:
    """Store a ticket that a later message of its conversation moved, as the agent does."""
    settings = make_settings()
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        ticket = store.create(make_draft(reason_code="failure_not_documented"))
        target = Triage(Tier.L3, Priority.URGENT, Intent.DATA_LOSS_SECURITY, "tasks")
        params: dict[str, JsonValue] = {
            "intent": Intent.DATA_LOSS_SECURITY.value,
            "message": "我的任务全部不见了",
            "ticket_reason": "security_escalated",
            "tier": Tier.L3.value,
        }
        return retriage_ticket(
            store,
            ticket,
            target,
            "a later message of the conversation is data_loss_security",
            load_roster(settings=settings),
            settings=settings,
            reason_code=ReasonCode.MESSAGE_NEEDS_TIER,
            reason_params=params,
        )
    finally:
        store.close()


def _show(
    ticket_id: str, lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, object]:
    monkeypatch.setenv("LANG", lang)
    code = main(["tickets", "show", ticket_id])
    assert code == 0
    shown: dict[str, object] = json.loads(capsys.readouterr().out)
    return shown


def _events(shown: dict[str, object]) -> list[dict[str, object]]:
    events = shown["events"]
    assert isinstance(events, list)
    return events


def _reasons_by_code(shown: dict[str, object]) -> dict[str, str]:
    """Return the shown reason of each event by the code at its end."""
    reasons = {}
    for event in _events(shown):
        data = event["data"]
        assert isinstance(data, dict)
        reason = str(data.get("reason", ""))
        for code in ReasonCode:
            if reason.endswith((f"（{code.value}）", f" ({code.value})")):
                reasons[code.value] = reason
    return reasons


def test_every_reason_code_has_sample_params() -> None:
    assert set(SAMPLE_PARAMS) == set(ReasonCode)


def test_show_prints_event_reasons_in_chinese(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = _ticket_with_every_reason(data_dir)

    shown = _show(ticket.id, "zh_CN.UTF-8", monkeypatch, capsys)

    reasons = _reasons_by_code(shown)
    assert set(reasons) == {code.value for code in ReasonCode}
    english = {code: runs for code, reason in reasons.items() if (runs := english_runs(reason))}
    assert english == {}
    assert all(chinese_characters(reason) for reason in reasons.values())
    assert reasons["agent_chosen"] == (
        "daniel-brooks 具备处理该工单的技能，当前不在班，有 1/5 个未关闭的工单（agent_chosen）"
    )
    assert reasons["message_needs_tier"] == (
        "对话中的后续消息涉及“数据丢失或安全”，此类问题转由 L3 处理：“任务全部不见了”。"
        "该消息本身的工单原因：数据丢失或安全问题（security_escalated）（message_needs_tier）"
    )


def test_show_prints_event_reasons_in_english(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = _ticket_with_every_reason(data_dir)

    shown = _show(ticket.id, "en_US.UTF-8", monkeypatch, capsys)

    reasons = _reasons_by_code(shown)
    assert set(reasons) == {code.value for code in ReasonCode}
    chinese = {
        code: text for code, reason in reasons.items() if (text := chinese_characters(reason))
    }
    # The Chinese messages of the message_* reasons are the user's words, quoted as written.
    assert set(chinese) <= {"message_needs_tier", "message_needs_priority"}
    assert reasons["agents_at_capacity"] == (
        "every skilled agent of team l2-product is at capacity (daniel-brooks 5/5), so the "
        "ticket waits in the team queue (agents_at_capacity)"
    )
    assert reasons["agent_requested_lacking_skills"] == (
        "assigned to daniel-brooks by request, but the agent's skills lack module billing, "
        "language Chinese, tier L3 (agent_requested_lacking_skills)"
    )


def test_show_keeps_typed_reason_as_written(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = _ticket_with_every_reason(data_dir)

    shown = _show(ticket.id, "zh_CN.UTF-8", monkeypatch, capsys)

    escalated = [event for event in _events(shown) if event["kind"] == "升级（escalated）"]
    assert [event["data"] for event in escalated] == [{"reason": TYPED_REASON}]


def test_show_translates_retriage_events_in_chinese(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = _retriaged_ticket(data_dir)

    shown = _show(ticket.id, "zh_CN.UTF-8", monkeypatch, capsys)

    kinds = [event["kind"] for event in _events(shown)]
    assert "模块变更（module_changed）" in kinds
    assert "意图变更（intent_changed）" in kinds
    assert "升级（escalated）" in kinds
    assert shown["reason_code"] == "failure_not_documented"
    assert shown["reason"] == "帮助中心未提及的故障"
    for event in _events(shown):
        data = event["data"]
        assert isinstance(data, dict)
        assert "reason_code" not in data
        assert english_runs(str(data.get("reason", ""))) == []


def test_show_json_keeps_reason_codes(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = _retriaged_ticket(data_dir)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    code = main(["tickets", "show", ticket.id, "--json"])

    shown = json.loads(capsys.readouterr().out)
    assert code == 0
    stored = [event.model_dump(mode="json") for event in ticket.events]
    assert shown["events"] == stored
    escalated = next(event for event in shown["events"] if event["kind"] == "escalated")
    assert escalated["data"]["reason_code"] == "message_needs_tier"
    assert escalated["data"]["reason_params"]["ticket_reason"] == "security_escalated"


@pytest.fixture(scope="module")
def catalog() -> dict[str, dict[str, str]]:
    return load_catalog(MESSAGES_PATH.read_text(encoding="utf-8"))


def _missing(catalog: dict[str, dict[str, str]], keys: list[str]) -> list[str]:
    """Return the keys that lack a non-blank message in English or Chinese."""
    return [
        key
        for key in keys
        if not all(catalog.get(key, {}).get(language, "").strip() for language in ("en", "zh"))
    ]


def test_every_event_reason_code_has_message(catalog: dict[str, dict[str, str]]) -> None:
    keys = [f"{EVENT_REASON_PREFIX}{code.value}" for code in ReasonCode]

    assert _missing(catalog, keys) == []


def test_every_ticket_reason_code_has_label(catalog: dict[str, dict[str, str]]) -> None:
    keys = [f"ticket_reason_{code.value}" for code in TICKET_REASONS]

    assert _missing(catalog, keys) == []


def test_every_event_kind_has_name(catalog: dict[str, dict[str, str]]) -> None:
    keys = [f"event_kind_{kind.value}" for kind in EventKind]

    assert _missing(catalog, keys) == []


def _written_reason_codes() -> Iterator[tuple[str, str]]:
    """Yield each reason code that the source writes, with its file and line.

    A code is written as `reason_code=` in a call, as the value of a `"reason_code"` or
    `"ticket_reason"` key in a dict, or as a `ReasonCode` member. A computed value, such as
    the code of the agent's action, yields "".
    """
    for folder in SOURCE_FOLDERS:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(REPO_ROOT)
            for node in ast.walk(tree):
                for value in _reason_code_values(node):
                    yield _code_of(value), f"{where}:{value.lineno}"


def _reason_code_values(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Call):
        return [word.value for word in node.keywords if word.arg == "reason_code"]
    if isinstance(node, ast.Dict):
        return [
            value
            for key, value in zip(node.keys, node.values, strict=True)
            if isinstance(key, ast.Constant) and key.value in {"reason_code", "ticket_reason"}
        ]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.value.id == "ReasonCode":
            return [node]
    return []


def _code_of(value: ast.expr) -> str:
    """Return the code of a literal or enum member, or "" for a computed value."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
        if value.value.id == "ReasonCode" and value.attr in ReasonCode.__members__:
            return ReasonCode[value.attr].value
    return ""


def test_every_written_event_reason_code_has_message(
    catalog: dict[str, dict[str, str]],
) -> None:
    ticket_codes = {code.value for code in TICKET_REASONS}
    missing = [
        f"{where}: {code}"
        for code, where in _written_reason_codes()
        if code and code not in ticket_codes and _missing(catalog, [f"{EVENT_REASON_PREFIX}{code}"])
    ]

    assert missing == []


def test_show_keeps_reason_of_unknown_code(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    future = {"reason": "a reason of a newer version", "reason_code": "future_code"}
    data: dict[str, JsonValue] = {**future, "reason_params": {}}
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    try:
        ticket = store.create(
            make_draft(), events=[TicketEventDraft(kind=EventKind.ASSIGNED, data=data)]
        )
    finally:
        store.close()

    shown = _show(ticket.id, "zh_CN.UTF-8", monkeypatch, capsys)

    assigned = [event for event in _events(shown) if event["kind"] == "分配（assigned）"]
    assert [event["data"] for event in assigned] == [data]
