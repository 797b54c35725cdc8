"""Build the support agent's dependencies once and run conversations through the graph."""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assistant import telemetry
from assistant.incidents import IncidentStore, SurgeDetector
from assistant.incidents.similarity import ConceptMatcher
from assistant.intents import IntentClassifier
from assistant.llm import LLMClient
from assistant.settings import Settings
from assistant.tenants import DEFAULT_TENANT, conversation_thread_id
from assistant.text import strip_terminal_escapes
from assistant.tickets import Roster, TicketStore, load_roster
from assistant.turns import TurnDraft, TurnStore
from graphs.support.checkpoints import open_checkpoints
from graphs.support.context import AgentContext
from graphs.support.conversation_locks import ConversationLocks
from graphs.support.graph import GRAPH_NAME, build_graph
from graphs.support.policy import leaves_kb_unanswered, reason_text
from graphs.support.state import OutputState, UserContext
from retrieval.glossary import Glossary
from retrieval.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentReply:
    """The agent's reply to one message, with the ids and timing of the run."""

    conversation_id: str
    output: OutputState
    seconds: float

    def to_json(self) -> dict[str, Any]:
        """Return the `assistant ask --json` shape, with the action's reason in the reply's
        language next to its stable code."""
        output = self.output
        action = output["action"]
        return {
            "answer": output["answer"],
            "language": output["language"],
            "intent": {
                "name": output["intent"]["name"],
                "confidence": output["intent"]["confidence"],
            },
            "action": {
                "type": action["type"],
                "ticket": action["ticket"],
                "reason": reason_text(action["reason_code"], output["language"]),
                "reason_code": action["reason_code"],
            },
            "citations": output["citations"],
            "related": output["related"],
            "conversation_id": self.conversation_id,
        }


class SupportAgent:
    """One KB's agent with its stores; reuse it for many messages in one process.

    Args:
        settings: Settings of the stores and the engine.
        kb_name: Stored name of the KB (for a tenant's KB, `{tenant}.{kb}`).
        channel: Channel recorded on the tickets the agent opens.
        tenant: Tenant that owns the tickets and conversations of this agent.
        turns: Turn log to record every answered message in; None opens one on the ticket
            database that `close` closes.
        roster: Support roster that routes the agent's tickets; None loads the one the
            settings name.

    Raises:
        RosterError: `roster` is None and the settings' roster file is invalid.
    """

    def __init__(
        self,
        settings: Settings,
        kb_name: str,
        *,
        channel: str = "cli",
        tenant: str = DEFAULT_TENANT,
        turns: TurnStore | None = None,
        roster: Roster | None = None,
    ) -> None:
        if roster is None:
            roster = load_roster(settings.roster_path, settings)
        kb = KnowledgeBase.open_existing(settings, kb_name)
        self._kb_name = kb_name
        self._connection, saver = open_checkpoints(settings.checkpoint_path)
        self._conversation_locks = ConversationLocks(
            settings.conversation_lock_dir, settings.conversation_lock_timeout_seconds
        )
        self._owns_turns = turns is None
        self.turns = turns or TurnStore(settings.resolved_database_url)
        self._graph = build_graph(saver)
        self.context = AgentContext(
            settings=settings,
            kb=kb,
            classifier=IntentClassifier.load_or_train(
                settings.data_dir / "models", min_confidence=settings.intent_min_confidence
            ),
            tickets=TicketStore(settings.resolved_database_url),
            roster=roster,
            llm=LLMClient(settings) if settings.llm_model else None,
            channel=channel,
            tenant=tenant,
            surge=SurgeDetector(
                IncidentStore(settings.resolved_database_url),
                settings,
                concepts=glossary_concepts(kb.glossary),
            ),
        )

    def ask(
        self,
        message: str,
        user: UserContext,
        conversation_id: str | None = None,
        *,
        now: datetime | None = None,
    ) -> AgentReply:
        """Run one user message through the graph, continuing a conversation when given its id.

        The turn waits while another turn of the conversation runs, in this process or in
        another one on the same data dir (see `hold_conversation`). It is queued on the turn
        log with the time `now` (aware; default: the current time), so the synthetic traffic
        generator can write a past week.

        Raises:
            InputError: the conversation id is invalid.
            ConversationBusyError: another turn of the conversation ran for longer than
                `conversation_lock_timeout_seconds`. Nothing of this turn was saved.
        """
        conversation_id = conversation_id or uuid.uuid4().hex
        # Colors or a screen clear pasted from a terminal would reach the ticket's transcript,
        # and a terminal that shows the ticket would run them.
        message = strip_terminal_escapes(message).strip() or message
        with self.hold_conversation(conversation_id):
            reply = self._run_graph(message, user, conversation_id)
            self.turns.record(self._turn(reply, message, user, now or datetime.now(UTC)))
        return reply

    def hold_conversation(self, conversation_id: str) -> AbstractContextManager[None]:
        """Hold a conversation of the agent's tenant for a block, so no other turn of it runs.

        `ask` takes the conversation itself. A caller that takes locks of its own around `ask`
        takes the conversation first, so that it does not keep those locks while it waits.

        Raises:
            InputError: the conversation id is invalid.
            ConversationBusyError: another turn of the conversation ran for longer than
                `conversation_lock_timeout_seconds`.
        """
        return self._conversation_locks.hold(self.context.tenant, conversation_id)

    def _run_graph(self, message: str, user: UserContext, conversation_id: str) -> AgentReply:
        """Run the graph on one message. The caller must have taken the conversation."""
        thread_id = conversation_thread_id(self.context.tenant, conversation_id)
        started = time.perf_counter()
        attributes = {
            telemetry.ASSISTANT_TENANT: self.context.tenant,
            telemetry.ASSISTANT_CONVERSATION_ID: conversation_id,
        }
        with telemetry.span(f"graph {GRAPH_NAME}", attributes):
            # A turn is one pass through the graph with no interrupts, so only the state at
            # its end is worth saving. The default durability also writes a checkpoint after
            # every node: on the sample KB (2 cores) that made the median warm turn 10 ms
            # instead of 6 ms.
            output = self._graph.invoke(
                {"message": message, "user": user},
                config={"configurable": {"thread_id": thread_id}},
                context=self.context,
                durability="exit",
            )
        seconds = time.perf_counter() - started
        logger.info(
            "tenant=%s conversation=%s answered in %.3f s",
            self.context.tenant,
            conversation_id,
            seconds,
        )
        return AgentReply(conversation_id, OutputState(**output), seconds)  # type: ignore[typeddict-item]

    def _turn(self, reply: AgentReply, message: str, user: UserContext, now: datetime) -> TurnDraft:
        output = reply.output
        action = output["action"]
        ticket = action["ticket"]
        return TurnDraft(
            tenant=self.context.tenant,
            kb=self._kb_name,
            channel=self.context.channel,
            conversation_id=reply.conversation_id,
            user_id=user.get("id"),
            user_role=user.get("role"),
            product_version=user.get("product_version"),
            language=output["language"],
            intent=output["intent"]["name"],
            intent_confidence=output["intent"]["confidence"],
            action=action["type"],
            ticket_id=str(ticket["id"]) if ticket else None,
            retrieval_confidence=round(output.get("retrieval_confidence", 0.0), 4),
            kb_unanswered=leaves_kb_unanswered(
                output["intent"]["name"], action["type"], action["reason_code"]
            ),
            module=output.get("module", "general"),
            question=message,
            cited_docs=tuple(dict.fromkeys(citation["doc"] for citation in output["citations"])),
            created_at=now,
        )

    def close(self) -> None:
        """Close the checkpoint, ticket, incident and KB connections, and an own turn log."""
        self._connection.close()
        if self._owns_turns:
            self.turns.close()
        self.context.tickets.close()
        if self.context.surge is not None:
            self.context.surge.close()
        self.context.kb.close()


def glossary_concepts(glossary: Glossary) -> ConceptMatcher:
    """Return a matcher of the glossary concepts a text mentions, keyed by their first term."""
    keys = {concept.concept_id: (concept.en or concept.zh)[0] for concept in glossary.concepts}

    def match(text: str) -> list[str]:
        return [keys[concept_id] for concept_id in glossary.match(text)]

    return match
