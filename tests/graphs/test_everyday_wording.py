"""Common wordings of sign-in and email problems reach the sample KB's page on them."""

from __future__ import annotations

import pytest

from graphs.support.service import SupportAgent
from graphs.support.state import UserContext

MEMBER = UserContext(id="u-1", role="member", product_version="3.4")
NOT_ARRIVING = "en/notifications/notifications-not-arriving.md"
SIGN_IN = "en/account/sign-in-password-2fa.md"


@pytest.mark.parametrize(
    ("question", "page"),
    [
        ("I don't get emails anymore", NOT_ARRIVING),
        ("I am not receiving email notifications", NOT_ARRIVING),
        ("emails stopped coming", NOT_ARRIVING),
        ("I can't log in", SIGN_IN),
        ("I can't log into my account", SIGN_IN),
    ],
)
def test_everyday_wording_is_answered_from_its_page(
    sample_agent: SupportAgent, question: str, page: str
) -> None:
    reply = sample_agent.ask(question, MEMBER).to_json()

    assert reply["action"]["type"] == "answer", reply["answer"]
    assert page in [citation["doc"] for citation in reply["citations"]]


def test_log_in_cites_sign_in_first(
    sample_agent: SupportAgent,
) -> None:
    reply = sample_agent.ask("I can't log in", MEMBER).to_json()

    assert reply["citations"][0]["doc"] == SIGN_IN
