"""Conditional edges of the support agent graph."""

from __future__ import annotations

from typing import Literal

from assistant.domain import ActionType
from graphs.support.state import State


def route_after_decide_action(
    state: State,
) -> Literal["draft_answer", "take_action", "write_reply"]:
    """Send answers to the composer, ticket actions to the tools, the rest to a canned reply."""
    action = ActionType(state["action"]["type"])
    if action is ActionType.ANSWER:
        return "draft_answer"
    if action in (ActionType.CLARIFY, ActionType.REFUSE):
        return "write_reply"
    return "take_action"


def route_after_draft_answer(state: State) -> Literal["take_action", "__end__"]:
    """End after an answer, or go to `take_action` when the model found no answer in the KB."""
    if ActionType(state["action"]["type"]) is ActionType.ANSWER:
        return "__end__"  # langgraph.graph.END, spelled out for the Literal type
    return "take_action"
