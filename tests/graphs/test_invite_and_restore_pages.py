"""Questions on inviting teammates and on getting deleted tasks back are answered from the
sample KB's invite-members and delete-and-restore-tasks pages."""

from __future__ import annotations

import pytest

from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
INVITE_PAGE = "{language}/permissions/invite-members.md"
RESTORE_PAGE = "{language}/tasks/delete-and-restore-tasks.md"
INVITE_BUTTONS = {
    "en": ("**Invite people**", "**Add people**", "**Resend invitation**"),
    "zh": ("**邀请成员**", "**添加成员**", "**重新发送邀请**"),
}
"""Buttons named only on the invite page. A reply that quotes its steps contains one of them."""
RESTORE_BUTTONS = {"en": ("**Undo**", "**Restore**"), "zh": ("**撤销**", "**恢复**")}
"""Buttons named only on the restore page. A reply that quotes its steps contains one of them."""
INVITE_QUESTIONS = [
    ("how to add a teammate", "en"),
    ("how do I invite a colleague to my workspace", "en"),
    ("add people to a project", "en"),
    ("the invitation email never arrived", "en"),
    ("怎么邀请同事", "zh"),
    ("如何添加成员到项目", "zh"),
    ("同事收不到邀请邮件", "zh"),
    ("怎么把同事拉进工作区", "zh"),
]
RESTORE_QUESTIONS = [
    ("can I undo deleting a task", "en"),
    ("I deleted a task by mistake, how do I recover it", "en"),
    ("how do I get a deleted task back", "en"),
    ("误删了任务怎么找回", "zh"),
    ("删除的任务怎么恢复", "zh"),
]


CASES = [
    (question, language, INVITE_PAGE, INVITE_BUTTONS) for question, language in INVITE_QUESTIONS
] + [
    (question, language, RESTORE_PAGE, RESTORE_BUTTONS) for question, language in RESTORE_QUESTIONS
]


@pytest.mark.parametrize(("question", "language", "page", "buttons"), CASES)
def test_question_cites_its_page_and_steps(
    sample_agent: SupportAgent,
    question: str,
    language: str,
    page: str,
    buttons: dict[str, tuple[str, ...]],
) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()
    cited = [citation["doc"] for citation in reply["citations"]]

    assert reply["language"] == language
    assert reply["action"]["type"] == "answer", reply["action"]
    assert page.format(language=language) in cited, cited
    assert any(button in reply["answer"] for button in buttons[language]), reply["answer"]
