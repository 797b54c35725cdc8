"""The support agent: classify -> retrieve -> decide -> answer or act.

An answer whose LLM finds no answer in the retrieved chunks goes on to act: the unanswered ticket.
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from assistant.telemetry import trace_node
from graphs.support.context import AgentContext
from graphs.support.nodes import (
    classify_intent,
    decide_action,
    draft_answer,
    retrieve_context,
    take_action,
    write_reply,
)
from graphs.support.routing import route_after_decide_action, route_after_draft_answer
from graphs.support.state import InputState, OutputState, State

GRAPH_NAME = "support_agent"


def build_graph(
    checkpointer: BaseCheckpointSaver[str] | None = None,
) -> CompiledStateGraph[State, AgentContext, InputState, OutputState]:
    """Wire and compile the support agent graph."""
    builder = StateGraph(
        State, context_schema=AgentContext, input_schema=InputState, output_schema=OutputState
    )
    builder.add_node("classify_intent", trace_node(classify_intent))
    builder.add_node("retrieve_context", trace_node(retrieve_context))
    builder.add_node("decide_action", trace_node(decide_action))
    builder.add_node("draft_answer", trace_node(draft_answer))
    builder.add_node("take_action", trace_node(take_action))
    builder.add_node("write_reply", trace_node(write_reply))

    builder.add_edge(START, "classify_intent")
    builder.add_edge("classify_intent", "retrieve_context")
    builder.add_edge("retrieve_context", "decide_action")
    builder.add_conditional_edges("decide_action", route_after_decide_action)
    builder.add_conditional_edges("draft_answer", route_after_draft_answer)
    builder.add_edge("take_action", END)
    builder.add_edge("write_reply", END)
    return builder.compile(checkpointer=checkpointer, name=GRAPH_NAME)
