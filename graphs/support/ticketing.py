"""Turn an agent decision into a committed ticket and the reply that announces it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from langgraph.config import get_config
from pydantic import JsonValue

from assistant.domain import ActionType, Intent, Language, Priority, Role, Tier
from assistant.i18n import join_items, translate
from assistant.incidents import known_issue_notice
from assistant.tenants import thread_conversation_id
from assistant.tickets.schemas import (
    ANONYMOUS_REQUESTER,
    ASSISTANT_ACTOR,
    FINISHED_STATUSES,
    USER_ROLE,
    Channel,
    ReasonCode,
    TicketDetails,
    TicketDraft,
    TicketRecord,
    TranscriptMessage,
)
from assistant.tickets.sla import current_due_at, target_met_at
from assistant.tickets.store import TicketNotFoundError
from graphs.support.bug_details import extract_bug_details
from graphs.support.context import AgentContext
from graphs.support.policy import ActionReason, TicketPlan, stated_problem
from graphs.support.state import State, UserContext
from graphs.support.ticket_summary import shorten_text
from tools.escalate_ticket import TIER_ORDER, Triage, escalate_ticket, retriage_ticket
from tools.open_ticket import open_ticket

MAX_SUBJECT_CHARS = 80
MESSAGE_EXCERPT_CHARS = 160
"""Characters of a message that the event log of an escalation by that message quotes."""
GENERAL_MODULE = "general"
"""Module of a message that names no product module and matches no confident KB article."""
PRIORITY_ORDER: tuple[Priority, ...] = (
    Priority.LOW,
    Priority.NORMAL,
    Priority.HIGH,
    Priority.URGENT,
)


def open_ticket_for(
    context: AgentContext, state: State, plan: TicketPlan, module: str, language: Language
) -> tuple[TicketRecord, str, list[str]]:
    """Open (and for escalations, escalate) the ticket a plan calls for.

    The ticket records the conversation of the run and the reason code of the state's action.

    Returns:
        The committed ticket, the reply announcing it, and the keys of bug details still missing.

    Raises:
        ConversationTicketOpenError: a concurrent run of the same conversation opened a ticket
            after this run read its state. Nothing was written.
    """
    user = state.get("user", {})
    intent = Intent(state["intent"]["name"])
    problem, description = _problem_and_description(state)
    bug = extract_bug_details(description, user.get("product_version") or None)
    missing = bug.missing() if plan.asks_bug_details else []
    draft = TicketDraft(
        tenant=context.tenant,
        requester=user.get("id") or ANONYMOUS_REQUESTER,
        subject=_subject(problem),
        description=description,
        transcript=tuple(
            TranscriptMessage(role=t["role"], content=t["content"])
            for t in state.get("transcript", [])
        ),
        intent=intent,
        module=module,
        priority=plan.priority,
        tier=Tier.L1 if plan.action is ActionType.ESCALATE else plan.tier,
        channel=Channel(context.channel),
        language=language,
        details=TicketDetails(
            product_version=bug.product_version,
            steps=bug.steps,
            expected=bug.expected,
            actual=bug.actual,
            role=_role(user),
        ),
        conversation_id=current_conversation_id(),
        reason_code=state["action"]["reason_code"],
    )
    settings = context.settings
    if plan.action is ActionType.ESCALATE:
        ticket = open_ticket(context.tickets, draft, None, settings=settings)
        ticket = escalate_ticket(
            context.tickets,
            ticket.id,
            plan.tier,
            f"{intent.value} goes to {plan.tier.value}",
            plan.priority,
            context.roster,
            settings=settings,
            reason_code=ReasonCode.INTENT_NEEDS_TIER,
            reason_params={"intent": intent.value, "tier": plan.tier.value},
            tenant=context.tenant,
        )
    else:
        ticket = open_ticket(context.tickets, draft, context.roster, settings=settings)
    reply = _announcement(ticket, plan, language, missing, settings.timezone)
    surge = context.surge.check(ticket) if context.surge is not None else None
    if surge is not None:
        # The ticket stays open and linked, so the reporter still gets its SLA and updates.
        reply += "\n" + known_issue_notice(surge.incident, language)
    # The reply is the L1 first response (except on a handoff, where a person must answer);
    # its `commented` event lets the SLA check see the target met. It goes in the transcript
    # too, after the message that opened the ticket, as the conversation showed it.
    ticket = _add_reply(context, ticket, reply)
    return ticket, reply, missing


def current_conversation_id() -> str | None:
    """Return the conversation id of the graph run, read from the checkpointer's thread id.

    A run without a thread id, or with one that `conversation_thread_id` did not make, has
    none, so its tickets do not take part in the one-open-ticket-per-conversation rule.
    """
    thread_id = get_config().get("configurable", {}).get("thread_id")
    return thread_conversation_id(thread_id) if isinstance(thread_id, str) else None


def _add_reply(context: AgentContext, ticket: TicketRecord, reply: str) -> TicketRecord:
    """Append the assistant's reply to the ticket's transcript and log it as a comment.

    Every reply that opens a ticket or adds a message to it goes through here.
    """
    return context.tickets.add_message(
        ticket.id,
        TranscriptMessage(role="assistant", content=reply),
        tenant=context.tenant,
        actor=ASSISTANT_ACTOR,
    )


def add_details_to_ticket(
    context: AgentContext, ticket_id: str, message: str, user: UserContext
) -> TicketRecord:
    """Append the user's follow-up message to a ticket's transcript and log it as a comment."""
    return context.tickets.add_message(
        ticket_id,
        TranscriptMessage(role=USER_ROLE, content=message),
        tenant=context.tenant,
        actor=user.get("id") or ANONYMOUS_REQUESTER,
        data={"role": USER_ROLE},
    )


def add_requested_details(
    context: AgentContext, ticket_id: str, state: State, language: Language
) -> tuple[TicketRecord, str]:
    """Add the details that the ticket's announcement asked for, and the reply confirming it.

    Both messages go in the ticket's transcript, as the conversation showed them.

    Returns:
        The committed ticket and the reply.
    """
    ticket = add_details_to_ticket(context, ticket_id, state["message"], state.get("user", {}))
    reply = translate("ticket_details_added", language, ticket_id=ticket.id)
    ticket = _add_reply(context, ticket, reply)
    return ticket, reply


def find_open_ticket(context: AgentContext, ticket_id: str | None) -> TicketRecord | None:
    """Return the conversation's ticket while it is neither resolved nor closed."""
    if not ticket_id:
        return None
    try:
        ticket = context.tickets.get(ticket_id, tenant=context.tenant)
    except TicketNotFoundError:
        return None
    return None if ticket.status in FINISHED_STATUSES else ticket


def add_to_open_ticket(
    context: AgentContext,
    ticket: TicketRecord,
    state: State,
    plan: TicketPlan,
    language: Language,
    module: str,
) -> tuple[TicketRecord, str, bool]:
    """Add a message that calls for a ticket to the conversation's open ticket instead.

    When the message needs a higher tier or priority than the ticket has, as an outage report
    after a how-to ticket does, the ticket takes the message's intent and module and the
    higher tier and priority (see `_raise_open_ticket`). The reply names what rose, and it is
    logged on the ticket too.

    Args:
        module: Product module of the message, by the rule that gives a new ticket its module.

    Returns:
        The committed ticket, the reply announcing it, and whether its tier or priority rose.
    """
    before = add_details_to_ticket(context, ticket.id, state["message"], state.get("user", {}))
    raised = _needs_raise(before, plan)
    ticket = before
    if raised:
        ticket = _raise_open_ticket(context, before, plan, state, module)
    reply = translate(
        _added_message_key(before, ticket),
        language,
        ticket_id=ticket.id,
        tier=ticket.tier.value,
        priority=translate(f"priority_{ticket.priority.value}", language),
        team=ticket.team or "-",
        due=_format_due(current_due_at(ticket), context.settings.timezone),
    )
    ticket = _add_reply(context, ticket, reply)
    return ticket, reply, raised


def open_ticket_status(ticket: TicketRecord, language: Language, timezone: str) -> str:
    """Return the reply to a greeting while the conversation's ticket is open."""
    values = {"ticket_id": ticket.id, "team": ticket.team or "-"}
    if target_met_at(ticket) is not None:
        return translate("ticket_still_open_replied", language, **values)
    due = _format_due(current_due_at(ticket), timezone)
    return translate("ticket_still_open", language, due=due, **values)


def _added_message_key(before: TicketRecord, after: TicketRecord) -> str:
    """Return the message key of the reply to a message added to the open ticket.

    The reply names a new tier or a new priority only when the ticket's tier or priority changed.
    """
    tier_raised = after.tier is not before.tier
    priority_raised = after.priority is not before.priority
    if tier_raised and priority_raised:
        return "ticket_escalated_tier_priority_by_message"
    if tier_raised:
        return "ticket_escalated_tier_by_message"
    if priority_raised:
        return "ticket_escalated_priority_by_message"
    return "ticket_message_added"


def _needs_raise(ticket: TicketRecord, plan: TicketPlan) -> bool:
    higher_tier = TIER_ORDER.index(plan.tier) > TIER_ORDER.index(ticket.tier)
    higher_priority = PRIORITY_ORDER.index(plan.priority) > PRIORITY_ORDER.index(ticket.priority)
    return higher_tier or higher_priority


def _raise_open_ticket(
    context: AgentContext, ticket: TicketRecord, plan: TicketPlan, state: State, module: str
) -> TicketRecord:
    """Move the ticket to where the message needs it, with one update that logs why.

    The tier and the priority only rise, each to the higher of the ticket's and the plan's.
    The ticket takes the message's intent, so that routing picks the team for it (the security
    team for data loss, the on-call team for an outage), and the message's module, unless the
    message names none. The `escalated` or `priority_changed` event quotes the message and the
    code of its reason, so the log shows what the ticket is now about. The subject, the
    description and the reason the ticket was opened for stay those of the opening message,
    and the message itself is already in the transcript.
    """
    intent = Intent(state["intent"]["name"])
    target = Triage(
        tier=max(ticket.tier, plan.tier, key=TIER_ORDER.index),
        priority=max(ticket.priority, plan.priority, key=PRIORITY_ORDER.index),
        intent=intent,
        module=ticket.module if module == GENERAL_MODULE else module,
    )
    message = shorten_text(state["message"], MESSAGE_EXCERPT_CHARS)
    ticket_reason = state["action"]["reason_code"]
    params: dict[str, JsonValue] = {
        "intent": intent.value,
        "message": message,
        "ticket_reason": ticket_reason,
    }
    about = f"a later message of the conversation is {intent.value} ({ticket_reason})"
    if target.tier is not ticket.tier:
        code = ReasonCode.MESSAGE_NEEDS_TIER
        params["tier"] = plan.tier.value
        reason = f'{about}, which goes to {plan.tier.value}: "{message}"'
    else:
        code = ReasonCode.MESSAGE_NEEDS_PRIORITY
        params["priority"] = target.priority.value
        reason = f'{about}, which needs {target.priority.value} priority: "{message}"'
    return retriage_ticket(
        context.tickets,
        ticket,
        target,
        reason,
        context.roster,
        settings=context.settings,
        reason_code=code,
        reason_params=params,
    )


def _announcement(
    ticket: TicketRecord, plan: TicketPlan, language: Language, missing: list[str], timezone: str
) -> str:
    due_at = ticket.fix_plan_due_at or ticket.diagnosis_due_at or ticket.first_reply_due_at
    values = {
        "ticket_id": ticket.id,
        "team": ticket.team or "-",
        "tier": ticket.tier.value,
        "due": _format_due(due_at, timezone),
    }
    key = "bug_ticket_opened" if plan.reply_key == "bug" else plan.reply_key
    reply = translate(key, language, **values)
    if missing:
        items = join_items((translate(k, language) for k in missing), language)
        reply += "\n" + translate("bug_missing_details", language, missing=items)
    return reply


def _format_due(due_at: datetime | None, timezone: str) -> str:
    """Format a due time in the support timezone with its UTC offset, e.g. `13:00 GMT+8`.

    The offset, not the abbreviation: "CST" is China's time and also US Central Time. The web
    pages label times the same way.
    """
    if due_at is None:
        return "-"
    local = due_at.astimezone(ZoneInfo(timezone))
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return f"{local:%Y-%m-%d %H:%M} GMT"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    label = f"GMT{sign}{hours}"
    if rest:
        label += f":{rest:02d}"
    return f"{local:%Y-%m-%d %H:%M} {label}"


def _problem_and_description(state: State) -> tuple[str, str]:
    """Return the message stating the problem and the ticket description.

    When the ticket is opened because the previous answer did not help, the message that opened
    it ("that did not help, still no emails") does not say what the problem is: the problem is
    the user's earlier message that stated it, and the description holds both.
    """
    message = state["message"]
    action = state.get("action")
    if action is None or action.get("reason_code") != ActionReason.PREVIOUS_ANSWER_UNSOLVED:
        return message, message
    earlier = [turn["content"] for turn in state.get("transcript", []) if turn["role"] == "user"]
    if earlier and earlier[-1] == message:
        earlier = earlier[:-1]
    problem = stated_problem(earlier)
    if problem is None:
        return message, message
    return problem, f"{problem}\n\n{message}"


def _subject(message: str) -> str:
    first_line = message.strip().splitlines()[0] if message.strip() else message
    return first_line[:MAX_SUBJECT_CHARS] or "(empty message)"


def _role(user: UserContext) -> Role | None:
    role = user.get("role")
    return Role(role) if role in {r.value for r in Role} else None
