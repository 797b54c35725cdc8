"""Answer composition: extractive quotes and the LLM path's citation check."""

from __future__ import annotations

import pytest

from assistant.domain import Language
from assistant.llm import LLMClient
from assistant.settings import Settings
from graphs.support.compose import NO_ANSWER, compose_extractive, compose_with_llm
from graphs.support.evidence import select_evidence, split_units
from graphs.support.state import Hit, UserContext

HIT = Hit(
    chunk_id="en/boards/create.md#0-abc123def456",
    doc="en/boards/create.md",
    title="Create a board",
    heading_path=["Create a board", "Steps"],
    text="1. Open the project.\n2. Click **New board**.\n\nBoards show cards in columns.",
    score=0.03,
    confidence=0.9,
    roles=["admin", "member"],
    introduced_in="3.3",
    removed_in=None,
    language="en",
    module="boards",
)
USER = UserContext(id="u", role="member", product_version="3.4")


def _llm(mock: str) -> LLMClient:
    settings = Settings(llm_model="openai/gpt-4o-mini", llm_api_key="sk-test-not-used")
    return LLMClient(settings, extra={"mock_response": mock})


def test_extractive_answer_quotes_steps_with_citation() -> None:
    answer, citations = compose_extractive("how do I create a board", [HIT], Language.EN, USER, 0.3)

    assert "[1]" in answer
    assert "New board" in answer
    assert citations == [
        {"doc": HIT["doc"], "title": HIT["title"], "chunk_id": HIT["chunk_id"], "score": 0.03}
    ]


def test_extractive_answer_leaves_out_much_weaker_hits() -> None:
    def neighbor(confidence: float) -> Hit:
        return HIT | {
            "chunk_id": f"en/boards/columns.md#0-{confidence}",
            "doc": "en/boards/columns.md",
            "text": "Boards can be archived when a project ends.",
            "confidence": confidence,
        }

    _, close = compose_extractive("create a board", [HIT, neighbor(0.8)], Language.EN, USER, 0.3)
    _, weak = compose_extractive("create a board", [HIT, neighbor(0.5)], Language.EN, USER, 0.3)

    assert [c["doc"] for c in close] == [HIT["doc"], "en/boards/columns.md"]
    assert [c["doc"] for c in weak] == [HIT["doc"]]


def test_other_language_hit_quoted_by_translation() -> None:
    hit = HIT | {
        "text": (
            "Cards show the task title and its assignee. Each column is a status.\n\n"
            "To archive a board, open its menu and choose Archive. Archived boards stay searchable."
        )
    }
    question = "怎么归档看板？"

    translated, _ = compose_extractive(
        question, [hit], Language.ZH, USER, 0.3, translated_terms=["archiv", "board"]
    )
    untranslated, _ = compose_extractive(question, [hit], Language.ZH, USER, 0.3)

    assert "To archive a board" in translated
    assert "Cards show the task title" not in translated
    assert "Cards show the task title" in untranslated


def test_extractive_answer_warns_a_guest_about_admin_steps() -> None:
    guest = UserContext(id="g", role="guest")

    answer, _ = compose_extractive("create a board", [HIT], Language.ZH, guest, 0.3)

    assert "访客" in answer
    assert "管理员" in answer


def test_llm_answer_citing_a_retrieved_chunk_is_kept() -> None:
    reply = f"Open the project and click New board [{HIT['chunk_id']}]."

    composed = compose_with_llm(_llm(reply), "create a board", [HIT], Language.EN, USER)

    assert composed is not None
    assert composed[0] == reply
    assert composed[1][0]["chunk_id"] == HIT["chunk_id"]


@pytest.mark.parametrize(
    "reply",
    ["Click New board.", "Click New board [en/other.md#9-ffffffffffff]."],
    ids=["no-citation", "unknown-citation"],
)
def test_llm_answer_without_valid_citations_is_rejected(reply: str) -> None:
    assert compose_with_llm(_llm(reply), "create a board", [HIT], Language.EN, USER) is None


@pytest.mark.parametrize("reply", ["NO_ANSWER", " NO_ANSWER\n"], ids=["exact", "padded"])
def test_llm_no_answer_is_a_verdict(reply: str) -> None:
    composed = compose_with_llm(_llm(reply), "create a board", [HIT], Language.EN, USER)

    assert composed is NO_ANSWER


def test_table_rows_are_quoted_under_their_header() -> None:
    text = (
        "| Action | Admin | Guest |\n| --- | --- | --- |\n"
        "| Save a baseline | yes | no |\n| Delete a baseline | yes | no |\n"
        "| Export the chart | yes | yes |"
    )

    units = select_evidence("who can save and delete a baseline", text)

    assert len(units) == 1
    assert units[0].text.splitlines()[0] == "| Action | Admin | Guest |"
    assert "Save a baseline" in units[0].text
    assert "Delete a baseline" in units[0].text


def test_placeholders_in_angle_brackets_are_kept() -> None:
    units = split_units("Export limit reached. Try again after <time> (DATA-429).<br>")

    assert units == [
        ("Export limit reached.", False),
        ("Try again after <time> (DATA-429).", False),
    ]


def test_split_units_skips_lists_of_codes_and_links() -> None:
    text = (
        "Purposes of processing:\n- `bu-01`\n- `bu-04`\n- `cc-01`\n\n"
        "To turn on digests:\n1. Open **My account**.\n2. Select `Email reminders`, then save.\n\n"
        "延伸阅读：\n- “[关于看板](/boards/about)”\n- [Board settings](../settings/)"
    )

    units = split_units(text)

    assert not any("bu-01" in unit for unit, _ in units)
    assert not any("关于看板" in unit or "Board settings" in unit for unit, _ in units)
    assert ("1. Open **My account**.\n2. Select `Email reminders`, then save.", True) in units
