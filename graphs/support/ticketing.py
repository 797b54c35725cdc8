"""Turn an agent decision into a committed ticket and the reply that announces it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.domain import ActionType, Intent, Language, Role, Tier
from assistant.i18n import translate
from assistant.incidents import known_issue_notice
from assistant.tickets.schemas import (
    ANONYMOUS_REQUESTER,
    ASSISTANT_ACTOR,
    Channel,
    EventKind,
    ReasonCode,
    TicketDetails,
    TicketDraft,
    TicketRecord,
    TranscriptMessage,
)
from graphs.support.bug_details import extract_bug_details
from graphs.support.context import AgentContext
from graphs.support.policy import ActionReason, TicketPlan, stated_problem
from graphs.support.state import State, UserContext
from tools.escalate_ticket import escalate_ticket
from tools.open_ticket import open_ticket

MAX_SUBJECT_CHARS = 80


def open_ticket_for(
    context: AgentContext, state: State, plan: TicketPlan, module: str, language: Language
) -> tuple[TicketRecord, str, list[str]]:
    """Open (and for escalations, escalate) the ticket a plan calls for.

    Returns:
        The committed ticket, the reply announcing it, and the keys of bug details still missing.
    """
    user = state.get("user", {})
    intent = Intent(state["intent"]["name"])
    problem, description = _problem_and_description(state)
    bug = extract_bug_details(description, user.get("product_version") or None)
    missing = bug.missing() if intent is Intent.BUG_REPORT else []
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
    # logging it lets the SLA check see the target met.
    ticket = context.tickets.add_event(
        ticket.id,
        EventKind.COMMENTED,
        tenant=context.tenant,
        actor=ASSISTANT_ACTOR,
        data={"text": reply},
    )
    return ticket, reply, missing


def add_details_to_ticket(
    context: AgentContext, ticket_id: str, message: str, user: UserContext
) -> TicketRecord:
    """Append the user's follow-up message to a ticket of the agent's tenant as a comment."""
    return context.tickets.add_event(
        ticket_id,
        EventKind.COMMENTED,
        tenant=context.tenant,
        actor=user.get("id") or ANONYMOUS_REQUESTER,
        data={"text": message},
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
        items = ("、" if language is Language.ZH else ", ").join(
            translate(k, language) for k in missing
        )
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
