"""A request to act on many items at once that the KB never describes becomes product feedback."""

from __future__ import annotations

import pytest

from assistant.domain import Language
from graphs.support.bulk_request import asks_for_bulk_action, describes_bulk_action
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-9", role="member", product_version="3.4")


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Can I archive all finished projects at once?", Language.EN),
        ("Is there a bulk edit for due dates?", Language.EN),
        ("有没有办法一次性转移所有任务？", Language.ZH),
        ("能不能批量修改截止日期？", Language.ZH),
        ("能否在下拉菜单里一次选择多个项目？", Language.ZH),
        ("能否把一个任务同时分配给多个人？", Language.ZH),
    ],
)
def test_questions_asking_to_act_at_once_are_recognized(question: str, language: Language) -> None:
    assert asks_for_bulk_action(question, language)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("How do I archive a finished project?", Language.EN),
        ("How many projects can I have?", Language.EN),
        ("怎么归档已完成的项目？", Language.ZH),
        ("每个任务只能提醒一次吗？", Language.ZH),
        ("我改了时区，同时也改了语言，为什么截止时间不对？", Language.ZH),
    ],
)
def test_one_item_questions_are_not_bulk_requests(question: str, language: Language) -> None:
    assert not asks_for_bulk_action(question, language)


def test_sentence_on_same_items_counts() -> None:
    question = "Can I assign one task to several people at the same time?"
    page = "Open the task.\nNorthstar supports one assignee per task. Export takes several hours."

    assert describes_bulk_action(question, page)
    assert describes_bulk_action("怎么一次移动多张卡片？", "按住 Shift 可以选中多张卡片一起拖动。")


def test_items_in_passing_do_not_count() -> None:
    # "several" is on the page, but about hours, not about projects to archive.
    question = "Can I archive all finished projects at once?"
    page = "Open the project and click **Archive**. Large exports can take several hours."

    assert not describes_bulk_action(question, page)
    assert not describes_bulk_action("能不能一次关闭所有任务？", "每位用户都要先执行一次 `/link`。")


def test_quantity_words_share_no_subject() -> None:
    # "one task" and "the ones you want" share only a word of how many.
    question = "Can I assign one task to several people at the same time?"
    page = "Select all projects or the ones you want, then click Apply."

    assert not describes_bulk_action(question, page)


@pytest.fixture
def agent(sample_agent: SupportAgent) -> SupportAgent:
    return sample_agent


def test_undocumented_bulk_request_becomes_feedback(
    agent: SupportAgent,
) -> None:
    # The sample KB explains archiving one project; no page speaks of archiving many at once.
    reply = agent.ask("Can I archive all finished projects at once?", MEMBER).to_json()

    assert reply["action"]["type"] == "open_ticket"
    assert reply["action"]["reason_code"] == "bulk_action_not_documented"
    ticket = reply["action"]["ticket"]
    assert ticket is not None
    assert (ticket["tier"], ticket["priority"]) == ("L1", "low")
    assert "many items at once" in reply["answer"]
    assert ticket["id"] in reply["answer"]


def test_bulk_question_the_page_answers_is_still_answered(agent: SupportAgent) -> None:
    # The task page says one assignee per task and what to do when several people share work.
    reply = agent.ask("Can I assign one task to several people at the same time?", MEMBER).to_json()

    assert reply["action"]["type"] == "answer"
    assert any("create-and-assign-task" in c["doc"] for c in reply["citations"])
