"""Draft replies of tickets on the sample KB, and the agent's summary of a ticket."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest

from assistant.domain import Intent, Language, Role
from assistant.drafts import DraftEngine
from assistant.i18n import MESSAGES_PATH, load_catalog, translate
from assistant.llm import LLMClient
from assistant.settings import Settings
from assistant.tickets import (
    EventKind,
    TicketDetails,
    TicketEventRecord,
    TicketRecord,
    TicketStore,
    TicketUpdate,
)
from graphs.support.drafts import WrittenDraft, requester_queries, write_draft
from graphs.support.ticket_summary import summarize_ticket
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import SearchFilters
from tests.conftest import BARE_HANDOFFS, HANDOFFS_AFTER_QUESTION, SAMPLE_KB
from tests.tickets.factories import MONDAY, make_draft, make_record

MIN_CONFIDENCE = 0.35
WIP_EN = "I cannot drag a card into In progress: WIP limit reached (BOARD-409)."
WIP_ZH = "卡片拖不进“进行中”列，提示“‘进行中’列已达到 WIP 上限（BOARD-409）”。"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("draft-data")
    data_settings = Settings(data_dir=folder)
    kb = KnowledgeBase(data_settings, "default")
    ingest_folder(kb, SAMPLE_KB)
    kb.close()
    return data_settings


@pytest.fixture(scope="module")
def kb(settings: Settings) -> Iterator[KnowledgeBase]:
    knowledge_base = KnowledgeBase.open_existing(settings, "default")
    yield knowledge_base
    knowledge_base.close()


@pytest.fixture
def tickets(settings: Settings) -> Iterator[TicketStore]:
    store = TicketStore(settings.resolved_database_url)
    yield store
    store.close()


def _ticket(tickets: TicketStore, message: str, **overrides: Any) -> TicketRecord:
    values: dict[str, Any] = {
        "subject": message[:80],
        "description": message,
        "transcript": [{"role": "user", "content": message}],
        "intent": Intent.TROUBLESHOOTING,
        "module": "boards",
        "language": Language.EN,
        "details": TicketDetails(),
    }
    return tickets.create(make_draft(**(values | overrides)))


def _llm(reply: str) -> LLMClient:
    settings = Settings(llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used")
    return LLMClient(settings, extra={"mock_response": reply})


def _draft(ticket: TicketRecord, kb: KnowledgeBase, llm: LLMClient | None = None) -> WrittenDraft:
    return write_draft(ticket, kb, llm, MIN_CONFIDENCE)


def test_english_ticket_gets_extractive_kb_draft(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(tickets, WIP_EN)

    draft = _draft(ticket, kb)

    content = draft.content
    assert content.engine is DraftEngine.EXTRACTIVE
    assert content.language is Language.EN
    assert "en/boards/kanban-boards.md" in [c.doc for c in content.citations]
    assert content.text.startswith(translate("draft_greeting", Language.EN))
    assert "[1]" in content.text
    assert translate("answer_sources", Language.EN) in content.text
    assert content.text.endswith(translate("draft_signoff", Language.EN))
    assert draft.query == WIP_EN


def test_chinese_ticket_gets_chinese_draft(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(tickets, WIP_ZH, language=Language.ZH)

    content = _draft(ticket, kb).content

    assert content.language is Language.ZH
    assert content.text.startswith(translate("draft_greeting", Language.ZH))
    assert "zh/boards/kanban-boards.md" in [c.doc for c in content.citations]
    assert translate("answer_sources", Language.ZH) in content.text


def test_feature_request_gets_uncited_holding_reply(
    tickets: TicketStore, kb: KnowledgeBase
) -> None:
    ticket = _ticket(
        tickets, "Please add a dark mode.", intent=Intent.FEATURE_REQUEST, module="general"
    )

    content = _draft(ticket, kb).content

    assert content.engine is DraftEngine.NO_KB
    assert content.citations == ()
    assert translate("draft_investigating", Language.EN) in content.text


def test_off_module_bug_report_asks_details(tickets: TicketStore, kb: KnowledgeBase) -> None:
    message = "The Gantt export crashes with error 500 since 3.4."
    ticket = _ticket(
        tickets,
        message,
        intent=Intent.BUG_REPORT,
        module="gantt",
        details=TicketDetails(product_version="3.4"),
    )

    content = _draft(ticket, kb).content

    assert content.engine is DraftEngine.NO_KB
    assert translate("bug_detail_steps", Language.EN) in content.text
    assert translate("bug_detail_version", Language.EN) not in content.text


def test_llm_draft_citations_are_numbered(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(tickets, WIP_EN)
    chunk = kb.search(WIP_EN, SearchFilters()).hits[0].chunk
    reply = f"Move a card out of the column first [{chunk.chunk_id}]."

    content = _draft(ticket, kb, _llm(reply)).content

    assert content.engine is DraftEngine.LLM
    assert [c.chunk_id for c in content.citations] == [chunk.chunk_id]
    assert "Move a card out of the column first [1]." in content.text
    assert chunk.chunk_id not in content.text
    assert f"[1] {chunk.title} ({chunk.doc})" in content.text


@pytest.mark.parametrize(
    "reply",
    ["Move a card out of the column.", "Move it [en/none.md#0-ffffffffffff]."],
    ids=["no-citation", "unknown-citation"],
)
def test_llm_draft_without_citation_falls_back(
    tickets: TicketStore, kb: KnowledgeBase, reply: str
) -> None:
    ticket = _ticket(tickets, WIP_EN)

    content = _draft(ticket, kb, _llm(reply)).content

    assert content.engine is DraftEngine.EXTRACTIVE
    assert content.citations
    assert reply not in content.text


def test_llm_draft_no_answer_is_holding_reply(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(tickets, WIP_EN)

    content = _draft(ticket, kb, _llm("NO_ANSWER")).content

    assert content.engine is DraftEngine.NO_KB
    assert content.citations == ()
    assert translate("draft_investigating", Language.EN) in content.text
    assert "NO_ANSWER" not in content.text


def test_edition_name_as_version_still_drafts(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(tickets, WIP_EN, details=TicketDetails(product_version="cloud"))

    content = _draft(ticket, kb).content

    assert content.citations


def test_requester_queries_skip_off_product_messages() -> None:
    ticket = make_record(
        transcript=(
            {"role": "user", "content": "How do I save a Gantt baseline?"},
            {"role": "assistant", "content": "Sure, I am connecting you with an agent."},
            {"role": "user", "content": "I want to talk to a human"},
        ),
        description="I want to talk to a human",
        subject="I want to talk to a human",
    )

    assert requester_queries(ticket) == ["How do I save a Gantt baseline?"]


def _handoff_ticket(
    tickets: TicketStore, message: str, language: str, earlier: Sequence[dict[str, str]] = ()
) -> TicketRecord:
    """Return a ticket that `message` opened by asking for a person, after `earlier` messages."""
    transcript = [*earlier, {"role": "user", "content": message}]
    return _ticket(
        tickets,
        message,
        intent=Intent.HUMAN_HANDOFF,
        module="general",
        language=Language(language),
        transcript=transcript,
    )


@pytest.mark.parametrize(("message", "language"), BARE_HANDOFFS)
def test_bare_handoff_draft_asks_for_topic(
    tickets: TicketStore, kb: KnowledgeBase, message: str, language: str
) -> None:
    ticket = _handoff_ticket(tickets, message, language)

    draft = _draft(ticket, kb)

    content = draft.content
    assert content.citations == ()
    assert content.engine is DraftEngine.NO_KB
    assert content.text.startswith(translate("draft_greeting", language))
    assert translate("draft_ask_topic", language) in content.text
    assert translate("draft_investigating", language) not in content.text
    assert translate("answer_sources", language) not in content.text
    assert draft.query == ""
    assert draft.hits == []


def test_bare_handoff_draft_skips_llm(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _handoff_ticket(tickets, "转人工", "zh")
    chunk = kb.search("人工", SearchFilters()).hits[0].chunk

    content = _draft(ticket, kb, _llm(f"退款由人工审核 [{chunk.chunk_id}]。")).content

    assert content.engine is DraftEngine.NO_KB
    assert content.citations == ()
    assert translate("draft_ask_topic", Language.ZH) in content.text


@pytest.mark.parametrize(("question", "handoff", "language", "doc"), HANDOFFS_AFTER_QUESTION)
def test_handoff_after_question_drafts_that_question(
    tickets: TicketStore,
    kb: KnowledgeBase,
    question: str,
    handoff: str,
    language: str,
    doc: str,
) -> None:
    earlier = [
        {"role": "user", "content": question},
        {"role": "assistant", "content": translate("clarify", language)},
    ]
    ticket = _handoff_ticket(tickets, handoff, language, earlier)

    draft = _draft(ticket, kb)

    content = draft.content
    assert draft.query == question
    assert content.citations
    assert content.citations[0].doc == doc
    assert translate("draft_ask_topic", language) not in content.text
    assert summarize_ticket(ticket, Language(language), kb_answer=True).problem == question


GANTT_QUESTION = "How do I save a Gantt baseline?"
GANTT_ANSWER = (
    "Here is what the help center says:\nClick Baselines > Save baseline. [1]\n\n"
    "Sources:\n[1] Compare plans with Gantt baselines (en/gantt/gantt-baselines.md)"
)
DOUBLE_CHARGE = "Actually, something else: I was charged twice this month"


def _topic_change_ticket(tickets: TicketStore) -> TicketRecord:
    """Return a billing ticket opened by a message that changed the topic of the chat."""
    transcript = [
        {"role": "user", "content": GANTT_QUESTION},
        {"role": "assistant", "content": GANTT_ANSWER},
        {"role": "user", "content": DOUBLE_CHARGE},
    ]
    return _ticket(
        tickets, DOUBLE_CHARGE, intent=Intent.BILLING, module="billing", transcript=transcript
    )


def test_draft_after_topic_change_skips_earlier_topic(
    tickets: TicketStore, kb: KnowledgeBase
) -> None:
    ticket = _topic_change_ticket(tickets)

    draft = _draft(ticket, kb)

    content = draft.content
    assert draft.query == DOUBLE_CHARGE
    assert requester_queries(ticket) == [DOUBLE_CHARGE]
    assert all(hit["module"] != "gantt" for hit in draft.hits)
    assert all(not c.doc.startswith("en/gantt/") for c in content.citations)
    assert "baseline" not in content.text.casefold()
    assert translate("draft_check_billing", Language.EN) in content.text


def test_billing_holding_reply_says_what_agent_checks(
    tickets: TicketStore, kb: KnowledgeBase
) -> None:
    ticket = _topic_change_ticket(tickets)

    content = _draft(ticket, kb, _llm("NO_ANSWER")).content

    assert content.engine is DraftEngine.NO_KB
    assert content.citations == ()
    assert translate("draft_check_billing", Language.EN) in content.text
    assert translate("draft_investigating", Language.EN) not in content.text


GANTT_BUG_EN = "The Gantt export crashes with error 500 since 3.4."
GANTT_BUG_ZH = "导出甘特图时报错 500，从 3.4 版本开始。"


@pytest.mark.parametrize(
    ("message", "language"),
    [(GANTT_BUG_EN, Language.EN), (GANTT_BUG_ZH, Language.ZH)],
    ids=["en", "zh"],
)
def test_outage_after_bug_draft_asks_details(
    tickets: TicketStore, kb: KnowledgeBase, message: str, language: Language
) -> None:
    bug = _ticket(
        tickets,
        message,
        intent=Intent.BUG_REPORT,
        module="gantt",
        language=language,
        details=TicketDetails(product_version="3.4"),
    )
    outage = tickets.update(bug.id, TicketUpdate(intent=Intent.OUTAGE), tenant=bug.tenant)

    text = _draft(outage, kb).content.text

    missing = ("、" if language is Language.ZH else ", ").join(
        translate(key, language)
        for key in ("bug_detail_steps", "bug_detail_expected", "bug_detail_actual")
    )
    assert translate("draft_outage", language) in text
    assert translate("bug_missing_details", language, missing=missing) in text
    assert translate("draft_investigating", language) not in text


def test_outage_draft_asks_no_bug_details(tickets: TicketStore, kb: KnowledgeBase) -> None:
    ticket = _ticket(
        tickets, "The whole site is down, nobody can log in", intent=Intent.OUTAGE, module="general"
    )

    text = _draft(ticket, kb).content.text

    assert translate("draft_outage", Language.EN) in text
    assert translate("draft_investigating", Language.EN) not in text
    assert "please reply with" not in text


def test_guest_chinese_draft_role_note_is_polite(tickets: TicketStore, kb: KnowledgeBase) -> None:
    message = "如何配置 SAML 单点登录？"
    ticket = _ticket(
        tickets,
        message,
        intent=Intent.HOW_TO,
        module="admin",
        language=Language.ZH,
        details=TicketDetails(role=Role.GUEST, product_version="3.4"),
    )

    lines = _draft(ticket, kb).content.text.splitlines()

    notes = [line for line in lines if line.startswith("注意：")]
    assert len(notes) == 1, lines
    assert "访客" in notes[0]
    assert "你" not in notes[0]


def test_requester_queries_include_later_comments() -> None:
    later = "The second charge is on invoice INV-2024-0042"
    ticket = make_record(
        requester="user-42",
        subject=DOUBLE_CHARGE,
        description=DOUBLE_CHARGE,
        transcript=(
            {"role": "user", "content": GANTT_QUESTION},
            {"role": "assistant", "content": GANTT_ANSWER},
            {"role": "user", "content": DOUBLE_CHARGE},
        ),
        events=[_event(EventKind.COMMENTED, "user-42", 2, text=later)],
    )

    assert requester_queries(ticket) == [later, DOUBLE_CHARGE]


def test_summary_lists_assistant_reply_not_earlier_topic() -> None:
    announcement = "Billing questions are handled by our billing team (ticket T-000001)."
    ticket = make_record(
        intent=Intent.BILLING,
        description=DOUBLE_CHARGE,
        transcript=(
            {"role": "user", "content": GANTT_QUESTION},
            {"role": "assistant", "content": GANTT_ANSWER},
            {"role": "user", "content": DOUBLE_CHARGE},
        ),
        events=[
            _event(EventKind.OPENED, "assistant", 0),
            _event(EventKind.COMMENTED, "assistant", 1, text=announcement),
        ],
    )

    summary = summarize_ticket(ticket, Language.EN, kb_answer=False)

    assert summary.problem == DOUBLE_CHARGE
    assert summary.tried == [f"The assistant replied: {announcement}"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_summary_lists_assistant_reply_with_cited_articles(language: str) -> None:
    ticket = make_record(
        description="Cards vanish from my board",
        transcript=({"role": "user", "content": "Cards vanish from my board"},),
        events=[_event(EventKind.COMMENTED, "assistant", 1, text=GANTT_ANSWER)],
    )

    summary = summarize_ticket(ticket, Language(language), kb_answer=True)

    titles = "Compare plans with Gantt baselines"
    assert summary.tried == [translate("summary_answered_from", language, titles=titles)]


def _event(kind: EventKind, actor: str, minutes: int, **data: Any) -> TicketEventRecord:
    return TicketEventRecord(
        kind=kind, at=MONDAY + timedelta(minutes=minutes), actor=actor, data=data
    )


def test_summary_lists_all_attempt_kinds() -> None:
    answer = (
        "Here is what the help center says:\nOpen Boards. [1]\n\nSources:\n[1] Boards (en/b.md)"
    )
    ticket = make_record(
        requester="user-42",
        description="Cards vanish from my board",
        transcript=(
            {"role": "user", "content": "Cards vanish from my board"},
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "That did not help, they are still gone"},
        ),
        events=[
            _event(EventKind.OPENED, "assistant", 0),
            _event(EventKind.COMMENTED, "assistant", 1, text="I opened ticket T-000001"),
            _event(EventKind.COMMENTED, "user-42", 2, text="It happens on project Apollo"),
            _event(EventKind.ESCALATED, "default-agent", 3, to_tier="L2", reason="needs logs"),
            _event(EventKind.COMMENTED, "default-agent", 4, text="Asked for a screenshot"),
            _event(EventKind.COMMENTED, "default-agent", 5, text=answer, draft_id=7),
        ],
    )

    summary = summarize_ticket(ticket, Language.EN, kb_answer=True)

    assert summary.problem == "Cards vanish from my board"
    assert summary.tried == [
        "The assistant answered from: Boards",
        "The requester said it did not solve the problem: That did not help, they are still gone",
        "The assistant replied: I opened ticket T-000001",
        "The requester added: It happens on project Apollo",
        "Escalated to L2: needs logs",
        "default-agent commented: Asked for a screenshot",
        "default-agent replied from: Boards",
    ]


def test_summary_problem_skips_unsolved_follow_up() -> None:
    """Tickets opened before the description held both messages still get the right problem."""
    ticket = make_record(
        description="that did not help, still no emails",
        transcript=(
            {"role": "user", "content": "Notifications are not arriving by email"},
            {"role": "assistant", "content": "Check your notification settings."},
            {"role": "user", "content": "No luck"},
            {"role": "assistant", "content": "Check the spam folder."},
            {"role": "user", "content": "that did not help, still no emails"},
        ),
    )

    summary = summarize_ticket(ticket, Language.EN, kb_answer=True)

    assert summary.problem == "Notifications are not arriving by email"


def test_bug_summary_lists_missing_details() -> None:
    ticket = make_record(
        intent=Intent.BUG_REPORT, details=TicketDetails(product_version="3.4", actual="500")
    )

    summary = summarize_ticket(ticket, Language.ZH, kb_answer=False)

    assert summary.missing == ["复现步骤", "期望结果", translate("summary_missing_kb", Language.ZH)]
    assert summary.tried == [translate("summary_nothing_tried", Language.ZH)]


def test_permissions_summary_asks_for_role() -> None:
    unknown = make_record(intent=Intent.PERMISSIONS, details=TicketDetails())
    known = make_record(intent=Intent.PERMISSIONS, details=TicketDetails(role=Role.GUEST))

    assert summarize_ticket(unknown, Language.EN, kb_answer=True).missing == [
        translate("draft_detail_role", Language.EN)
    ]
    assert summarize_ticket(known, Language.EN, kb_answer=True).missing == []


def test_summary_shortens_a_long_problem() -> None:
    ticket = make_record(description="word " * 200)

    problem = summarize_ticket(ticket, Language.EN, kb_answer=True).problem

    assert len(problem) == 400
    assert problem.endswith("…")


DRAFT_KEYS = [
    "draft_greeting",
    "draft_thanks",
    "draft_investigating",
    "draft_outage",
    "draft_check_billing",
    "draft_ask_topic",
    "draft_follow_up",
    "draft_signoff",
    "draft_detail_role",
    "bug_missing_details",
    "answer_intro",
    "answer_other_language",
    "answer_role_restricted",
    "answer_version_newer",
    "answer_version_removed",
    "answer_sources",
]
"""Catalog sentences that a draft may contain, the composer's notes among them."""


@pytest.mark.parametrize("key", DRAFT_KEYS)
def test_chinese_draft_sentences_use_polite_you(key: str) -> None:
    sentence = load_catalog(MESSAGES_PATH.read_text(encoding="utf-8"))[key][Language.ZH]

    assert "你" not in sentence


def test_chinese_summary_translates_escalation_reason() -> None:
    ticket = make_record(
        language=Language.ZH,
        events=[
            _event(
                EventKind.ESCALATED,
                "assistant",
                1,
                to_tier="L2",
                reason="a follow-up message is outage, which goes to L2",
                reason_code="intent_needs_tier",
                reason_params={"intent": "outage", "tier": "L2"},
            )
        ],
    )

    tried = summarize_ticket(ticket, Language.ZH, kb_answer=True).tried

    assert tried == ["已升级到 L2：服务中断类工单由 L2 处理"]


def test_summary_describes_intent_and_priority_changes() -> None:
    ticket = make_record(
        intent=Intent.OUTAGE,
        details=TicketDetails(product_version="3.4"),
        events=[
            _event(EventKind.INTENT_CHANGED, "assistant", 1, **{"from": "bug_report"}, to="outage"),
            _event(
                EventKind.PRIORITY_CHANGED,
                "assistant",
                1,
                **{"from": "normal"},
                to="urgent",
                reason="a follow-up message is outage, which needs urgent priority",
                reason_code="intent_needs_priority",
                reason_params={"intent": "outage", "priority": "urgent"},
            ),
        ],
    )

    english = summarize_ticket(ticket, Language.EN, kb_answer=True)
    chinese = summarize_ticket(ticket, Language.ZH, kb_answer=True)

    assert english.tried == [
        "Intent changed from bug report to outage by a later message",
        "Priority changed from normal to urgent: outage tickets need urgent priority",
    ]
    assert chinese.tried == [
        "后续消息将工单类型从“缺陷报告”改为“服务中断”",
        "优先级已从“普通”改为“紧急”：服务中断类工单需要“紧急”优先级",
    ]
    assert english.missing == [
        translate(key, Language.EN)
        for key in ("bug_detail_steps", "bug_detail_expected", "bug_detail_actual")
    ]


def test_summary_defaults_to_ticket_language() -> None:
    ticket = make_record(intent=Intent.BUG_REPORT, language=Language.ZH, details=TicketDetails())

    summary = summarize_ticket(ticket, kb_answer=False)

    assert summary.tried == [translate("summary_nothing_tried", Language.ZH)]
    assert summary.missing[0] == translate("bug_detail_version", Language.ZH)
    assert summary.missing[-1] == translate("summary_missing_kb", Language.ZH)


def test_summary_lists_requester_follow_up_once() -> None:
    complaint = "还是不行，没用"
    ticket = make_record(
        requester="user-42",
        description="甘特图导出报错 500",
        transcript=(
            {"role": "user", "content": "甘特图导出报错 500"},
            {"role": "assistant", "content": "已创建工单 T-000001"},
            {"role": "user", "content": complaint},
        ),
        events=[
            _event(EventKind.OPENED, "assistant", 0),
            _event(EventKind.COMMENTED, "assistant", 1, text="已创建工单 T-000001"),
            _event(EventKind.COMMENTED, "user-42", 2, text=complaint),
        ],
    )

    summary = summarize_ticket(ticket, Language.ZH, kb_answer=True)

    assert summary.problem == "甘特图导出报错 500"
    assert summary.tried == [
        translate("summary_assistant_replied", Language.ZH, excerpt="已创建工单 T-000001"),
        translate("summary_unsolved", Language.ZH, excerpt=complaint),
    ]
