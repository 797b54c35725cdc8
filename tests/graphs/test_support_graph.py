"""The support agent end to end on the sample KB: each intent's route, tickets, conversations."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.domain import Language
from assistant.i18n import translate
from assistant.llm import LLMClient
from assistant.settings import Settings
from assistant.tickets import TicketStore
from assistant.tickets.schemas import TicketRecord
from assistant.tickets.sla_monitor import SlaMonitor
from assistant.tickets.store import MAX_LIST_LIMIT
from assistant.tickets.working_hours import WorkingHours
from graphs.support.drafts import requester_queries, write_draft
from graphs.support.graph import build_graph
from graphs.support.policy import MODEL_NO_ANSWER_REASON
from graphs.support.service import AgentReply, SupportAgent
from graphs.support.state import UserContext
from graphs.support.ticket_summary import summarize_ticket
from retrieval.ingest import ingest_folder
from retrieval.knowledge_base import KnowledgeBase
from tests.conftest import SAMPLE_KB

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
SATURDAY = 5
"""`date.weekday()` of Saturday."""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("agent-data")
    ingest_folder(KnowledgeBase(Settings(data_dir=folder), "default"), SAMPLE_KB)
    return folder


@pytest.fixture
def agent(data_dir: Path) -> Iterator[SupportAgent]:
    support_agent = SupportAgent(Settings(data_dir=data_dir), "default")
    yield support_agent
    support_agent.close()


def _ask(agent: SupportAgent, message: str, user: UserContext = MEMBER) -> AgentReply:
    return agent.ask(message, user)


@pytest.mark.parametrize(
    ("question", "expected_doc_part"),
    [
        ("How do I set a due date and assignee on a task?", "tasks/create-and-assign-task"),
        ("怎么设置甘特图基线？", "gantt/gantt-baselines"),
        ("How do I start a timer to track time on a task?", "time_tracking/timers"),
        ("收不到邮件通知怎么办", "notifications/"),
    ],
    ids=["en-task", "zh-baseline", "en-timer", "zh-notifications"],
)
def test_how_to_questions_are_answered_with_citations(
    agent: SupportAgent, question: str, expected_doc_part: str
) -> None:
    reply = _ask(agent, question).to_json()

    assert reply["action"]["type"] == "answer"
    assert reply["citations"], reply["answer"]
    assert any(expected_doc_part in c["doc"] for c in reply["citations"]), reply["citations"]
    assert "[1]" in reply["answer"]


def test_answer_language_follows_question(agent: SupportAgent) -> None:
    zh = _ask(agent, "如何邀请访客加入项目？").to_json()
    en = _ask(agent, "How do I invite a guest to a project?").to_json()

    assert zh["language"] == "zh"
    assert "根据帮助中心" in zh["answer"]
    assert en["language"] == "en"
    assert "help center" in en["answer"]
    assert "其他语言" not in zh["answer"]
    assert "another language" not in en["answer"]
    assert all(c["doc"].startswith("zh/") for c in zh["citations"])
    assert all(c["doc"].startswith("en/") for c in en["citations"])


def test_bug_report_opens_l2_ticket_with_details(agent: SupportAgent, data_dir: Path) -> None:
    message = (
        "Since version 3.4.1 exporting the Gantt chart to PDF crashes. "
        "Steps: open Gantt, click Export, choose PDF. Expected: a PDF file. Actual: error 500"
    )

    reply = _ask(agent, message).to_json()

    assert reply["intent"]["name"] == "bug_report"
    assert reply["action"]["type"] == "open_ticket"
    ticket_id = reply["action"]["ticket"]["id"]
    assert ticket_id in reply["answer"]
    stored = TicketStore(Settings(data_dir=data_dir).resolved_database_url).get(
        ticket_id, tenant="default"
    )
    assert stored.tier.value == "L2"
    assert stored.module == "gantt"
    assert stored.details.product_version == "3.4.1"
    assert stored.details.expected and stored.details.actual
    assert stored.diagnosis_due_at is not None


@pytest.mark.parametrize(
    ("message", "action", "tier"),
    [
        (
            "The whole site is down, nobody in our company can load any page, 502 everywhere",
            "escalate",
            "L2",
        ),
        ("我们项目里的所有任务数据突然全部丢失了，怀疑账号被盗", "escalate", "L3"),
        ("I was charged twice for this month's invoice, please refund one", "handoff", "L2"),
        ("转人工，我要找客服", "handoff", "L1"),
        ("It would be great if you added a dark mode to the boards", "open_ticket", "L1"),
    ],
    ids=["outage", "data-loss", "billing", "human", "feature-request"],
)
def test_ticket_routes_by_intent(agent: SupportAgent, message: str, action: str, tier: str) -> None:
    reply = _ask(agent, message).to_json()

    assert reply["action"]["type"] == action, reply
    assert reply["action"]["ticket"]["tier"] == tier
    assert reply["action"]["ticket"]["id"] in reply["answer"]


def test_outage_is_urgent(agent: SupportAgent) -> None:
    reply = _ask(agent, "Northstar is down for everyone, 503 on every page").to_json()

    assert reply["action"]["ticket"]["priority"] == "urgent"


def test_outage_routes_to_product_team(agent: SupportAgent) -> None:
    message = "Northstar is down, nobody in our company can log in, every page returns 503"

    reply = _ask(agent, message).to_json()

    assert reply["action"]["type"] == "escalate"
    assert reply["action"]["ticket"]["team"] == "l2-product"


def test_short_new_question_is_searched_alone(agent: SupportAgent) -> None:
    admin = UserContext(id="a-1", role="admin")
    first = agent.ask("How do I set up Gantt baselines?", admin)
    second = agent.ask("How do I set up an IP allowlist?", admin, first.conversation_id)
    third = agent.ask("and on mobile?", admin, second.conversation_id)

    assert {c["doc"] for c in second.output["citations"]} == {"en/admin/ip-allowlist.md"}
    # "and on mobile?" has no question opener, so it is still read with the question before.
    assert {c["doc"] for c in third.output["citations"]} == {"en/admin/ip-allowlist.md"}


def test_question_after_a_greeting_is_read_alone(agent: SupportAgent) -> None:
    admin = UserContext(id="a-1", role="admin")
    first = agent.ask("你好", admin)
    second = agent.ask("如何设置IP白名单？", admin, first.conversation_id)

    assert first.output["intent"]["name"] == "greeting"
    assert second.output["action"]["type"] == "answer"
    assert [c["doc"] for c in second.output["citations"]][0] == "en/admin/ip-allowlist.md"


@pytest.mark.parametrize(
    ("message", "expected"),
    [("thanks, bye", "Glad I could help"), ("谢谢，再见", "很高兴能帮到您"), ("hello", "Hi!")],
    ids=["en-thanks", "zh-thanks", "en-hello"],
)
def test_greeting_reply_depends_on_hello_or_goodbye(
    agent: SupportAgent, message: str, expected: str
) -> None:
    reply = _ask(agent, message).to_json()

    assert reply["intent"]["name"] == "greeting"
    assert reply["answer"].startswith(expected)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("What's the weather in Beijing tomorrow?", "out_of_scope"),
        ("帮我写一首关于春天的诗", "out_of_scope"),
    ],
    ids=["en-weather", "zh-poem"],
)
def test_out_of_scope_is_refused(agent: SupportAgent, message: str, intent: str) -> None:
    reply = _ask(agent, message).to_json()

    assert reply["intent"]["name"] == intent
    assert reply["action"]["type"] == "refuse"
    assert reply["citations"] == []


def test_greeting_gets_a_greeting_without_ticket(agent: SupportAgent) -> None:
    reply = _ask(agent, "你好").to_json()

    assert reply["intent"]["name"] == "greeting"
    assert reply["action"]["type"] == "answer"
    assert reply["action"]["ticket"] is None
    assert reply["action"]["reason_code"] == "small_talk"
    assert "您好" in reply["answer"]


def test_guest_gets_admin_only_note(agent: SupportAgent) -> None:
    guest = UserContext(id="g-1", role="guest", product_version="3.4")

    reply = _ask(agent, "How do I configure SAML single sign-on for our workspace?", guest)

    assert reply.output["action"]["type"] == "answer"
    assert "ask a workspace admin" in reply.output["answer"]


def test_older_version_gets_upgrade_note(agent: SupportAgent) -> None:
    user = UserContext(id="u-2", role="member", product_version="3.1")

    reply = _ask(agent, "How do I save a baseline on the Gantt chart?", user)

    assert "upgrade" in reply.output["answer"]


def test_later_version_feature_gets_upgrade_note(agent: SupportAgent) -> None:
    # On 3.2 classic boards match "board column" nearly as well, but only the 3.3 page has WIP
    # limits in its title.
    user = UserContext(id="u-3", role="member", product_version="3.2")

    reply = _ask(agent, "How do I set a WIP limit on a board column?", user)

    assert "arrived in version 3.3" in reply.output["answer"]
    assert reply.output["citations"][0]["doc"] == "en/boards/kanban-boards.md"


def test_newer_integration_gets_upgrade_note(agent: SupportAgent) -> None:
    user = UserContext(id="u-5", role="admin", product_version="3.0")

    reply = _ask(agent, "How do I connect Slack to Northstar?", user)

    assert "arrived in version 3.1" in reply.output["answer"]


def test_unknown_words_question_not_answered(agent: SupportAgent) -> None:
    reply = _ask(agent, "How do I configure the quantum flux capacitor integration for Jupiter?")

    assert reply.output["action"]["type"] != "answer"
    assert reply.output["citations"] == []


def test_current_version_feature_no_upgrade_note(agent: SupportAgent) -> None:
    user = UserContext(id="u-4", role="member", product_version="3.2")

    reply = _ask(agent, "How do I add a column to the classic board?", user)

    assert "upgrade" not in reply.output["answer"]
    assert reply.output["citations"][0]["doc"] == "en/boards/classic-boards.md"


def test_bug_follow_up_updates_ticket(agent: SupportAgent, data_dir: Path) -> None:
    first = agent.ask("The board crashes when I drag a card", MEMBER)
    ticket_id = first.output["action"]["ticket"]["id"]  # type: ignore[index]

    second = agent.ask(
        "Steps: open board, drag card to Done. It shows error 500.", MEMBER, first.conversation_id
    )

    assert second.output["action"]["ticket"]["id"] == ticket_id  # type: ignore[index]
    stored = TicketStore(Settings(data_dir=data_dir).resolved_database_url).get(
        ticket_id, tenant="default"
    )
    comments = [e.data.get("text") for e in stored.events if e.kind.value == "commented"]
    assert any("drag card to Done" in str(c) for c in comments)


def test_conversation_continues_after_restart(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    first_agent = SupportAgent(settings, "default")
    first = first_agent.ask("Exporting the Gantt chart crashes with error 500", MEMBER)
    first_agent.close()

    second_agent = SupportAgent(settings, "default")
    second = second_agent.ask(
        "Steps: open Gantt, click Export. Expected a PDF.", MEMBER, first.conversation_id
    )
    second_agent.close()

    first_ticket = first.output["action"]["ticket"]
    second_ticket = second.output["action"]["ticket"]
    assert first_ticket is not None and second_ticket is not None
    assert second_ticket["id"] == first_ticket["id"]


def test_unsolved_follow_up_opens_ticket(agent: SupportAgent) -> None:
    first = agent.ask("How do I start a timer to track time on a task?", MEMBER)
    second = agent.ask(
        "It still does not work, the timer stays at zero", MEMBER, first.conversation_id
    )

    assert first.output["action"]["type"] == "answer"
    assert second.output["action"]["type"] == "open_ticket"
    assert second.output["action"]["ticket"] is not None


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("Notifications are not arriving by email since yesterday", "that did not help"),
        ("邮件通知从昨天起就收不到了", "还是不行"),
    ],
    ids=["en", "zh"],
)
def test_unsolved_ticket_suggests_no_articles(
    agent: SupportAgent, question: str, follow_up: str
) -> None:
    first = agent.ask(question, MEMBER)
    second = agent.ask(follow_up, MEMBER, first.conversation_id)

    assert first.output["action"]["type"] == "answer"
    assert second.output["action"]["type"] == "open_ticket"
    assert second.output["related"] == []


def test_unsolved_ticket_states_earlier_problem(agent: SupportAgent, data_dir: Path) -> None:
    problem = "Notifications are not arriving by email since yesterday"
    follow_up = "that did not help, still no emails"
    first = agent.ask(problem, MEMBER)
    second = agent.ask(follow_up, MEMBER, first.conversation_id)

    assert first.output["action"]["type"] == "answer"
    ticket_id = second.output["action"]["ticket"]["id"]  # type: ignore[index]
    stored = TicketStore(Settings(data_dir=data_dir).resolved_database_url).get(
        ticket_id, tenant="default"
    )
    assert stored.subject == problem
    assert problem in stored.description
    assert follow_up in stored.description
    summary = summarize_ticket(stored, Language.EN, kb_answer=True)
    assert summary.problem == problem
    assert any(follow_up in attempt for attempt in summary.tried)


def test_graph_structure_matches_snapshot() -> None:
    mermaid = build_graph().get_graph().draw_mermaid()

    for edge in (
        "__start__ --> classify_intent",
        "classify_intent --> retrieve_context",
        "retrieve_context --> decide_action",
        "decide_action -.-> draft_answer",
        "decide_action -.-> take_action",
        "decide_action -.-> write_reply",
        "draft_answer -.-> take_action",
        "draft_answer -.-> __end__",
    ):
        assert edge in mermaid, mermaid


@pytest.mark.parametrize(
    "question",
    ["How can I change my timezone?", "如何查看审计日志"],
    ids=["en-timezone", "zh-audit-log"],
)
def test_kb_topic_overrides_out_of_scope(agent: SupportAgent, question: str) -> None:
    reply = _ask(agent, question).to_json()

    assert reply["action"]["type"] == "answer", reply
    assert reply["citations"]


def test_short_follow_up_uses_previous_question(agent: SupportAgent) -> None:
    first = agent.ask("How do I set a WIP limit on a board column?", MEMBER)
    second = agent.ask("and swimlanes?", MEMBER, first.conversation_id)

    assert second.output["action"]["type"] == "answer", second.output
    assert any("boards/" in c["doc"] for c in second.output["citations"])


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("How do I save a Gantt baseline?", "how many at most?"),
        ("怎么设置通知免打扰时段？", "周末呢？"),
    ],
    ids=["en", "zh"],
)
def test_short_follow_up_keeps_intent(agent: SupportAgent, question: str, follow_up: str) -> None:
    first = agent.ask(question, MEMBER)
    second = agent.ask(follow_up, MEMBER, first.conversation_id).to_json()

    assert first.output["action"]["type"] == "answer"
    assert second["intent"]["name"] == first.output["intent"]["name"]
    assert second["action"]["type"] == "answer", second["answer"]
    assert second["citations"]


GANTT_PDF_BUG = (
    "Since version 3.4.1 exporting the Gantt chart to PDF crashes. "
    "Steps: open Gantt, click Export, choose PDF. Expected: a PDF file. Actual: error 500"
)
SSO_BUG = "SSO login fails with an error after we enabled SAML, bug since 3.4"
ADMIN_ONLY_SSO_DOC = "en/admin/sso-saml.md"


def _related_docs(reply: AgentReply) -> list[str]:
    return [article["doc"] for article in reply.output["related"]]


@pytest.mark.parametrize(
    ("message", "expected_doc"),
    [
        (GANTT_PDF_BUG, "en/gantt/gantt-troubleshooting.md"),
        ("甘特图导出 PDF 报错 500，从 3.4 开始", "zh/gantt/gantt-troubleshooting.md"),
    ],
    ids=["en", "zh"],
)
def test_bug_ticket_lists_related_articles(
    agent: SupportAgent, message: str, expected_doc: str
) -> None:
    reply = _ask(agent, message)

    assert reply.output["action"]["type"] == "open_ticket"
    assert reply.output["action"]["ticket"] is not None
    assert reply.output["citations"] == []
    docs = _related_docs(reply)
    assert expected_doc in docs
    assert 1 <= len(docs) <= 3
    assert len(set(docs)) == len(docs)
    language_folder = expected_doc.split("/", 1)[0]
    assert all(doc.startswith(f"{language_folder}/") for doc in docs), docs


def test_ticket_related_skips_other_roles_articles(agent: SupportAgent) -> None:
    admin = UserContext(id="a-1", role="admin", product_version="3.4")
    guest = UserContext(id="g-1", role="guest", product_version="3.4")

    for_admin = _ask(agent, SSO_BUG, admin)
    for_guest = _ask(agent, SSO_BUG, guest)

    assert for_admin.output["action"]["type"] == "open_ticket"
    assert for_guest.output["action"]["type"] == "open_ticket"
    assert ADMIN_ONLY_SSO_DOC in _related_docs(for_admin)
    assert ADMIN_ONLY_SSO_DOC not in _related_docs(for_guest)
    assert _related_docs(for_guest), "a guest still gets the articles written for guests"


def test_ticket_without_confident_hit_lists_nothing(agent: SupportAgent) -> None:
    message = (
        "The app crashes with a blank screen when I press the zorblax button in the quux panel"
    )

    reply = _ask(agent, message)

    assert reply.output["action"]["type"] == "open_ticket"
    assert reply.output["related"] == []


def test_outage_escalation_lists_no_articles(agent: SupportAgent) -> None:
    reply = _ask(agent, "The whole site is down for our company, 502 on every page")

    assert reply.output["action"]["type"] == "escalate"
    assert reply.output["related"] == []


@pytest.fixture
def agent_with_llm_reply(data_dir: Path) -> Iterator[Callable[[str], SupportAgent]]:
    """Agents whose answer model returns a fixed reply; intents stay with the offline classifier."""
    agents: list[SupportAgent] = []

    def start(reply: str) -> SupportAgent:
        support_agent = SupportAgent(Settings(data_dir=data_dir), "default")
        model_settings = Settings(llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used")
        llm = LLMClient(model_settings, extra={"mock_response": reply})
        support_agent.context = dataclasses.replace(support_agent.context, llm=llm)
        agents.append(support_agent)
        return support_agent

    yield start
    for support_agent in agents:
        support_agent.close()


TASK_QUESTION = "How do I set a due date and assignee on a task?"


def test_llm_no_answer_opens_unanswered_ticket(
    agent_with_llm_reply: Callable[[str], SupportAgent], data_dir: Path
) -> None:
    reply = agent_with_llm_reply("NO_ANSWER").ask(TASK_QUESTION, MEMBER)

    action = reply.output["action"]
    assert action["type"] == "open_ticket"
    assert action["reason"] == MODEL_NO_ANSWER_REASON
    assert action["ticket"] is not None
    ticket_id = str(action["ticket"]["id"])
    assert ticket_id in reply.output["answer"]
    assert "NO_ANSWER" not in reply.output["answer"]
    assert reply.output["citations"] == []
    assert any("tasks/" in doc for doc in _related_docs(reply)), reply.output["related"]
    stored = TicketStore(Settings(data_dir=data_dir).resolved_database_url).get(
        ticket_id, tenant="default"
    )
    assert stored.tier.value == "L2"
    comments = [e.data.get("text") for e in stored.events if e.kind.value == "commented"]
    assert reply.output["answer"] in comments


def test_llm_bad_citations_keep_extractive_answer(
    agent_with_llm_reply: Callable[[str], SupportAgent],
) -> None:
    reply = agent_with_llm_reply("Open the task and pick a date.").ask(TASK_QUESTION, MEMBER)

    assert reply.output["action"]["type"] == "answer"
    assert reply.output["action"]["ticket"] is None
    assert reply.output["citations"]
    assert "[1]" in reply.output["answer"]


def _converse(agent: SupportAgent, messages: list[str], user: UserContext) -> list[AgentReply]:
    replies: list[AgentReply] = []
    for message in messages:
        conversation_id = replies[-1].conversation_id if replies else None
        replies.append(agent.ask(message, user, conversation_id))
    return replies


def _tickets_of(data_dir: Path, requester: str) -> list[TicketRecord]:
    store = TicketStore(Settings(data_dir=data_dir).resolved_database_url)
    tickets = [t for t in store.list(limit=MAX_LIST_LIMIT) if t.requester == requester]
    store.close()
    return tickets


@pytest.mark.parametrize(
    "messages",
    [
        [
            "I deleted a project by accident and all tasks are gone, can I restore it?",
            "that did not help",
        ],
        [
            "How do I get a refund for my last invoice?",
            "I want to talk to a real person",
            "我还在等人工客服",
        ],
        ["The whole site is down, nobody can log in", "The whole site is down, nobody can log in"],
    ],
    ids=["data-loss-then-unsolved", "billing-then-person-twice", "outage-repeated"],
)
def test_follow_ups_go_to_one_ticket(
    agent: SupportAgent, data_dir: Path, request: pytest.FixtureRequest, messages: list[str]
) -> None:
    user = UserContext(id=f"one-ticket-{request.node.callspec.id}", role="member")

    replies = _converse(agent, messages, user)

    tickets = _tickets_of(data_dir, user["id"])
    assert len(tickets) == 1, [t.subject for t in tickets]
    ticket = tickets[0]
    for reply in replies[1:]:
        action = reply.output["action"]
        assert action["reason_code"] == "added_to_open_ticket", action
        assert action["ticket"] is not None and action["ticket"]["id"] == ticket.id
        assert ticket.id in reply.output["answer"]
    user_lines = [m.content for m in ticket.transcript if m.role == "user"]
    assert user_lines[-1] == messages[-1]
    comments = [str(e.data.get("text")) for e in ticket.events if e.kind.value == "commented"]
    assert messages[-1] in comments


def test_open_ticket_reply_in_chinese(agent: SupportAgent) -> None:
    user = UserContext(id="one-ticket-zh", role="member")

    replies = _converse(agent, ["转人工", "我还在等人工客服"], user)

    assert replies[1].output["language"] == "zh"
    assert "已有一个处理中的工单" in replies[1].output["answer"]


@pytest.mark.parametrize(
    ("messages", "tier", "priority", "team", "changes"),
    [
        (
            ["The board crashes when I drag a card", "Now the whole site is down, 503 everywhere"],
            "L2",
            "urgent",
            "l2-product",
            ["intent_changed", "priority_changed"],
        ),
        (
            [
                "It would be great if you added a dark mode to the boards",
                "我们项目里的所有任务数据突然全部丢失了，怀疑账号被盗",
            ],
            "L3",
            "urgent",
            "security-response",
            ["intent_changed", "escalated"],
        ),
    ],
    ids=["bug-then-outage", "feature-then-data-loss"],
)
def test_more_severe_follow_up_escalates_open_ticket(
    agent: SupportAgent,
    data_dir: Path,
    request: pytest.FixtureRequest,
    messages: list[str],
    tier: str,
    priority: str,
    team: str,
    changes: list[str],
) -> None:
    user = UserContext(id=f"escalate-{request.node.callspec.id}", role="member")

    first, second = _converse(agent, messages, user)

    tickets = _tickets_of(data_dir, user["id"])
    assert len(tickets) == 1
    action = second.output["action"]
    assert action["type"] == "escalate"
    assert action["reason_code"] == "open_ticket_escalated"
    assert action["ticket"] == {
        **action["ticket"],
        "id": tickets[0].id,
        "tier": tier,
        "priority": priority,
        "team": team,
    }
    assert tickets[0].id in second.output["answer"]
    change_kinds = {"intent_changed", "priority_changed", "escalated"}
    logged = [e.kind.value for e in tickets[0].events if e.kind.value in change_kinds]
    assert logged == changes


def test_handoff_due_follows_working_hours(agent: SupportAgent, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    user = UserContext(id="handoff-due", role="member")

    reply = agent.ask("转人工", user)

    ticket = _tickets_of(data_dir, "handoff-due")[0]
    due = ticket.first_reply_due_at
    assert reply.output["action"]["type"] == "handoff"
    assert due is not None
    hours = WorkingHours.from_settings(settings)
    working_time = timedelta(hours=settings.sla_l2_first_diagnosis_hours)
    assert due == hours.add(ticket.created_at, working_time)
    assert due - ticket.created_at >= working_time
    local = due.astimezone(ZoneInfo(settings.timezone))
    assert settings.work_start_hour <= local.hour <= settings.work_end_hour
    assert local.weekday() < SATURDAY


def test_check_sla_ignores_fresh_handoff(agent: SupportAgent, data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    agent.ask("I want to talk to a human", UserContext(id="handoff-sla", role="member"))
    ticket = _tickets_of(data_dir, "handoff-sla")[0]
    store = TicketStore(settings.resolved_database_url)

    report = SlaMonitor(store, settings).check(now=ticket.created_at + timedelta(minutes=5))
    store.close()

    assert ticket.id not in [alert.ticket_id for alert in report.alerts]


@pytest.mark.parametrize(
    ("handoff", "ping", "expected"),
    [
        ("I want to talk to a human", "hello? is anyone there?", "is open with our"),
        ("转人工", "你好，有人吗", "正在由"),
    ],
    ids=["en", "zh"],
)
def test_greeting_after_handoff_mentions_ticket(
    agent: SupportAgent, handoff: str, ping: str, expected: str
) -> None:
    user = UserContext(id="greeting-after-handoff", role="member")

    first, second = _converse(agent, [handoff, ping], user)

    ticket = first.output["action"]["ticket"]
    assert ticket is not None
    assert second.output["intent"]["name"] == "greeting"
    assert ticket["id"] in second.output["answer"]
    assert expected in second.output["answer"]


def _ticket_of(data_dir: Path, requester: str) -> TicketRecord:
    tickets = _tickets_of(data_dir, requester)
    assert len(tickets) == 1, [t.subject for t in tickets]
    return tickets[0]


GANTT_BUG = "The Gantt export crashes with error 500 since 3.4"
COMPLAINT = "Still broken, it did not help, production is down for everyone!"


def test_summary_problem_ignores_later_handoff_and_complaint(
    agent: SupportAgent, data_dir: Path
) -> None:
    user = UserContext(id="bug-handoff-complaint", role="member", product_version="3.4")

    _converse(agent, [GANTT_BUG, "agent please", COMPLAINT], user)

    ticket = _ticket_of(data_dir, user["id"])
    summary = summarize_ticket(ticket, Language.EN, kb_answer=False)
    assert summary.problem == GANTT_BUG
    assert requester_queries(ticket)[-1] == GANTT_BUG
    assert "agent please" not in requester_queries(ticket)
    unsolved = translate("summary_unsolved", Language.EN, excerpt=COMPLAINT)
    assert summary.tried.count(unsolved) == 1
    assert len(summary.tried) == len(set(summary.tried))


def test_summary_tried_is_in_time_order(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="tried-order", role="member", product_version="3.4")

    replies = _converse(agent, [GANTT_BUG, "agent please", COMPLAINT], user)

    ticket = _ticket_of(data_dir, user["id"])
    tried = summarize_ticket(ticket, Language.EN, kb_answer=False).tried
    added = translate("summary_requester_added", Language.EN, excerpt="agent please")
    unsolved = translate("summary_unsolved", Language.EN, excerpt=COMPLAINT)
    assert tried.index(added) < tried.index(unsolved)
    assert tried[0].startswith(translate("summary_assistant_replied", Language.EN, excerpt=""))
    assert replies[0].output["answer"].splitlines()[0] in tried[0]


def test_new_ticket_transcript_has_announcement(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="transcript-announcement", role="member", product_version="3.4")

    reply = agent.ask(GANTT_BUG, user)

    ticket = _ticket_of(data_dir, user["id"])
    assert [(m.role, m.content) for m in ticket.transcript] == [
        ("user", GANTT_BUG),
        ("assistant", reply.output["answer"]),
    ]


@pytest.mark.parametrize(
    ("handoff", "bug", "language"),
    [
        ("agent please", GANTT_BUG, Language.EN),
        ("转人工", "导出甘特图时报错 500，从 3.4 版本开始", Language.ZH),
    ],
    ids=["en", "zh"],
)
def test_bug_after_handoff_reply_names_tier(
    agent: SupportAgent, data_dir: Path, handoff: str, bug: str, language: Language
) -> None:
    user = UserContext(id=f"handoff-then-bug-{language}", role="member", product_version="3.4")

    first, second = _converse(agent, [handoff, bug], user)

    ticket = _ticket_of(data_dir, user["id"])
    assert first.output["action"]["ticket"]["priority"] == "normal"
    assert ticket.tier.value == "L2"
    assert ticket.priority.value == "normal"
    answer = second.output["answer"]
    expected = translate(
        "ticket_escalated_tier_by_message",
        language,
        ticket_id=ticket.id,
        tier="L2",
        team=ticket.team,
        due="<due>",
    )
    assert answer.startswith(expected.split("<due>")[0]), answer
    for word in ("priority", "优先"):
        assert word not in answer
    summary = summarize_ticket(ticket, language, kb_answer=False)
    assert summary.problem == bug


def test_outage_after_bug_reply_names_new_priority(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="bug-then-outage-reply", role="member", product_version="3.4")

    _, second = _converse(agent, [GANTT_BUG, COMPLAINT], user)

    ticket = _ticket_of(data_dir, user["id"])
    assert ticket.priority.value == "urgent"
    assert "raised its priority to urgent" in second.output["answer"]
    assert "escalated it to" not in second.output["answer"]


def test_outage_after_bug_logs_priority_not_escalation(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="bug-then-outage-log", role="member", product_version="3.4")

    _converse(agent, [GANTT_BUG, COMPLAINT], user)

    ticket = _ticket_of(data_dir, user["id"])
    changes = [e for e in ticket.events if e.kind.value in {"intent_changed", "priority_changed"}]
    assert [e.kind.value for e in ticket.events].count("escalated") == 0
    assert [(e.kind.value, e.data["from"], e.data["to"]) for e in changes] == [
        ("intent_changed", "bug_report", "outage"),
        ("priority_changed", "normal", "urgent"),
    ]
    assert ticket.tier.value == "L2"
    assert ticket.status.value == "new"


def test_outage_after_bug_draft_still_asks_details(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="bug-then-outage-draft", role="member", product_version="3.4")

    _converse(agent, [GANTT_BUG, COMPLAINT], user)

    ticket = _ticket_of(data_dir, user["id"])
    settings = Settings(data_dir=data_dir)
    text = write_draft(ticket, agent.context.kb, None, settings.answer_min_confidence).content.text
    summary = summarize_ticket(ticket, kb_answer=False)
    steps = translate("bug_detail_steps", Language.EN)
    assert ticket.intent.value == "outage"
    assert translate("draft_outage", Language.EN) in text
    assert steps in text
    assert steps in summary.missing


def test_repeated_outage_reports_message_added(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="outage-after-escalation", role="member", product_version="3.4")
    outage = "The whole site is down, nobody can log in"

    replies = _converse(agent, [GANTT_BUG, COMPLAINT, outage], user)

    ticket = _ticket_of(data_dir, user["id"])
    escalated, added = replies[1].output["action"], replies[2].output["action"]
    assert (escalated["type"], escalated["reason_code"]) == ("escalate", "open_ticket_escalated")
    assert (added["type"], added["reason_code"]) == ("open_ticket", "added_to_open_ticket")
    expected = translate(
        "ticket_message_added", Language.EN, ticket_id=ticket.id, team=ticket.team, due="<due>"
    )
    assert replies[2].output["answer"].startswith(expected.split("<due>")[0])
    last_comment = max(i for i, e in enumerate(ticket.events) if e.data.get("text") == outage)
    assert [e.kind.value for e in ticket.events[last_comment:]] == ["commented", "commented"]


def test_feedback_while_ticket_is_open_joins_the_ticket(
    agent: SupportAgent, data_dir: Path
) -> None:
    user = UserContext(id="feedback-on-ticket", role="member", product_version="3.4")
    complaint = "Your product is useless, honestly the worst tool we have ever used"

    replies = _converse(agent, [GANTT_BUG, complaint], user)

    ticket = _ticket_of(data_dir, user["id"])
    action = replies[1].output["action"]
    assert replies[1].output["intent"]["name"] == "feedback"
    assert (action["type"], action["reason_code"]) == ("open_ticket", "added_to_open_ticket")
    assert action["ticket"]["id"] == ticket.id
    assert any(event.data.get("text") == complaint for event in ticket.events)
    assert (ticket.tier.value, ticket.priority.value) == ("L2", "normal")


@pytest.mark.parametrize(
    ("thanks", "language"), [("thanks, bye", Language.EN), ("谢谢，再见", Language.ZH)]
)
def test_thanks_while_ticket_is_open_names_the_ticket(
    agent: SupportAgent, data_dir: Path, thanks: str, language: Language
) -> None:
    user = UserContext(id=f"thanks-on-ticket-{language}", role="member", product_version="3.4")

    replies = _converse(agent, [GANTT_BUG, thanks], user)

    ticket = _ticket_of(data_dir, user["id"])
    assert replies[1].output["answer"] == translate(
        "farewell_ticket_open", language, ticket_id=ticket.id
    )


def test_new_question_during_bug_ticket_answered(agent: SupportAgent, data_dir: Path) -> None:
    user = UserContext(id="question-after-bug", role="admin", product_version="3.4")

    replies = _converse(agent, [GANTT_BUG, "How do I set up SSO?"], user)

    answer = replies[1].output
    assert (answer["action"]["type"], answer["action"]["reason_code"]) == (
        "answer",
        "kb_answer_found",
    )
    assert answer["citations"][0]["doc"] == "en/admin/sso-saml.md"


def test_details_after_bug_report_still_join_the_ticket(agent: SupportAgent) -> None:
    user = UserContext(id="details-after-bug", role="member", product_version="3.4")

    replies = _converse(
        agent, [GANTT_BUG, "Steps: open the Gantt chart and click Export PDF"], user
    )

    assert replies[1].output["action"]["reason_code"] == "details_added"
