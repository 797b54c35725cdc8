"""Questions pasted with terminal escapes or invisible characters, and bug reports in one
sentence, through the real agent on the sample KB."""

from __future__ import annotations

import pytest

from assistant.i18n import translate
from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="pasted-text", role="member", product_version="3.4")


@pytest.mark.parametrize(
    "question",
    [
        "\x1b[2J\x1b[31mHow do I set up SSO?",
        "\x1b]0;terminal title\x07\x1b[1mHow do I set up SSO?\x1b[0m",
        "How do I set up S\u200bS\u200bO?",
        "How do I set up S\u00adS\u2060O?",
    ],
    ids=["csi-run", "osc-and-csi", "zero-width-spaces", "soft-hyphen-word-joiner"],
)
def test_hidden_characters_question_is_answered(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert reply["citations"][0]["doc"] == "en/admin/sso-saml.md"


@pytest.mark.parametrize(
    "question", ["How do I set up ЅЅО?", "Ноw dо I sеt uр SSO?"], ids=["word", "mixed-words"]
)
def test_cyrillic_look_alikes_read_as_latin(sample_agent: SupportAgent, question: str) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert reply["citations"][0]["doc"] == "en/admin/sso-saml.md"


def test_one_sentence_bug_report_stores_expected_and_actual(sample_agent: SupportAgent) -> None:
    report = (
        "On version 3.4.1, the Gantt export crashes with error 500. Steps: open Gantt, click "
        "Export PDF. Expected a PDF, got a blank page with error 500."
    )

    reply = sample_agent.ask(report, MEMBER).to_json()

    ticket = reply["action"]["ticket"]
    assert ticket is not None
    details = sample_agent.context.tickets.get(ticket["id"], tenant="default").details
    assert details.product_version == "3.4.1"
    assert details.steps == ("open Gantt", "click Export PDF")
    assert details.expected == "a PDF"
    assert details.actual == "a blank page with error 500"
    assert translate("bug_detail_actual", "en") not in reply["answer"]


def test_ticket_transcript_keeps_no_terminal_escapes(sample_agent: SupportAgent) -> None:
    # A terminal that shows the ticket later would run the escapes.
    pasted = "\x1b[31mThe Gantt export crashes with error 500 since 3.4\x1b[0m"

    reply = sample_agent.ask(pasted, MEMBER).to_json()

    ticket = reply["action"]["ticket"]
    assert ticket is not None
    stored = sample_agent.context.tickets.get(ticket["id"], tenant="default")
    assert stored.transcript[0].content == "The Gantt export crashes with error 500 since 3.4"
    assert "\x1b" not in stored.description
