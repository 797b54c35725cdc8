"""The ticket that `assistant tickets show` prints without `--json`, in the reader's language.

Each event's kind, and the reason of an event whose reason the server wrote, are sentences in
the reader's language followed by their stable code, such as "分配（assigned）". `--json`
prints the stored codes instead.
"""

from __future__ import annotations

from typing import Any

from pydantic import JsonValue

from assistant.domain import MODULES, Intent, Language, Priority
from assistant.i18n import join_items, translate
from assistant.tickets.schemas import TicketEventRecord

EVENT_REASON_PREFIX = "event_reason_"
"""Prefix of the catalogue key of each reason code that the server writes into an event."""

REASON_CODE_FIELDS = frozenset({"reason_code", "reason_params"})
"""Event data fields that the translated `reason` replaces in the output."""

_INTENTS = frozenset(intent.value for intent in Intent)
_PRIORITIES = frozenset(priority.value for priority in Priority)
_LANGUAGES = frozenset(language.value for language in Language)


def readable_event(event: TicketEventRecord, language: Language) -> dict[str, Any]:
    """Return an event as `tickets show` prints it without `--json`: its kind and its reason
    in a language, each with its code.

    A reason without a code (typed by an agent, or logged before codes existed), or with a code
    that has no message, stays as written, and its data keeps its fields.
    """
    payload = event.model_dump(mode="json")
    kind = event.kind.value
    payload["kind"] = with_code(translate(f"event_kind_{kind}", language), kind, language)
    reason = describe_reason(event.data, language)
    if reason is not None:
        data = {name: value for name, value in event.data.items() if name not in REASON_CODE_FIELDS}
        data["reason"] = reason
        payload["data"] = data
    return payload


def describe_reason(data: dict[str, JsonValue], language: Language) -> str | None:
    """Return the reason of an event's data in a language, followed by its code.

    Returns None when the data has no reason code, or a code without a message or without the
    parameters that its message needs, such as an event of an older version.
    """
    code = data.get("reason_code")
    params = data.get("reason_params")
    if not isinstance(code, str) or not isinstance(params, dict):
        return None
    try:
        values = {name: _describe_param(name, value, language) for name, value in params.items()}
        sentence = translate(f"{EVENT_REASON_PREFIX}{code}", language, **values)
    except KeyError:
        # No message for the code, or a parameter or skill that the message does not know.
        return None
    return with_code(sentence, code, language)


def with_code(text: str, code: str, language: Language) -> str:
    """Return a translated text followed by the stable code it stands for."""
    return translate("event_reason_with_code", language, reason=text, code=code)


def _describe_param(name: str, value: JsonValue, language: Language) -> str:
    """Return a reason parameter in a language: codes become names, lists become phrases.

    Other parameters (team and agent ids, tiers, counts, the roster file) are shown as stored.

    Raises:
        KeyError: a load or a missing skill lacks the fields or the name that its message needs.
    """
    if isinstance(value, str):
        return _describe_code(name, value, language)
    if name == "on_shift" and isinstance(value, bool):
        return translate("event_param_on_shift" if value else "event_param_off_shift", language)
    if name == "loads" and isinstance(value, list):
        return join_items(_describe_loads(value, language), language)
    if name == "missing_skills" and isinstance(value, dict):
        skills = [
            translate(
                f"event_param_missing_{skill}",
                language,
                value=_describe_param(skill, needed, language),
            )
            for skill, needed in value.items()
        ]
        return join_items(skills, language)
    return str(value)


def _describe_code(name: str, value: str, language: Language) -> str:
    """Return a text parameter in a language when it is the code of a module, intent,
    priority, language or ticket reason, and as stored otherwise."""
    if name == "module" and value in MODULES:
        return translate(f"module_{value}", language)
    if name == "intent" and value in _INTENTS:
        return translate(f"intent_{value}", language)
    if name == "priority" and value in _PRIORITIES:
        return translate(f"priority_{value}", language)
    if name == "language" and value in _LANGUAGES:
        return translate(f"event_param_language_{value}", language)
    if name == "ticket_reason":
        return _ticket_reason(value, language)
    return value


def _describe_loads(loads: list[JsonValue], language: Language) -> list[str]:
    """Return each agent's load as "agent open/capacity", or as stored when it is no object."""
    return [
        translate("event_param_load", language, **load) if isinstance(load, dict) else str(load)
        for load in loads
    ]


def _ticket_reason(code: str, language: Language) -> str:
    """Return the label of the reason a message would open a ticket for, with its code."""
    from graphs.support.policy import ticket_reason_label

    label = ticket_reason_label(code, language)
    return code if label in {None, code} else with_code(str(label), code, language)
