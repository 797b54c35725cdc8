"""Translated messages for pydantic validation errors of HTTP requests (FastAPI's
`RequestValidationError`) and of eval dataset records.

Each pydantic error becomes one sentence from `assistant/messages.yaml`: the key is
`validation_<type>` for the error's `type`, filled with the field's name (its `loc` without the
leading `body`) and the limits or allowed values of the error's `ctx`. Validators of this API
raise `PydanticCustomError` with a type that has its own `validation_<type>` message. An error
type without a message falls back to `validation_other`, which quotes pydantic's English text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.domain import Language
from assistant.i18n import join_items, translate
from assistant.validation import shorten_for_message

logger = logging.getLogger(__name__)

_LOCATION_KEYS = {
    "query": "validation_query_parameter",
    "path": "validation_path_parameter",
    "header": "validation_header",
    "cookie": "validation_cookie",
}

TYPE_ALIASES: dict[str, str] = {
    "int_type": "int_parsing",
    "int_from_float": "int_parsing",
    "float_type": "float_parsing",
    "bool_type": "bool_parsing",
    "model_type": "model_attributes_type",
    "dict_type": "model_attributes_type",
    "datetime_type": "datetime_parsing",
    "datetime_from_date_parsing": "datetime_parsing",
    "missing_argument": "missing",
    "unexpected_keyword_argument": "extra_forbidden",
}
"""Error types that share the message of another type."""

MAPPED_TYPES: tuple[str, ...] = (
    "missing",
    "string_type",
    "string_too_short",
    "string_empty",
    "string_too_long",
    "string_pattern_mismatch",
    "int_parsing",
    "float_parsing",
    "bool_parsing",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "int_out_of_range",
    "enum",
    "literal_error",
    "json_invalid",
    "model_attributes_type",
    "list_type",
    "message_content_type",
    "too_short",
    "too_long",
    "extra_forbidden",
    "datetime_parsing",
    "timezone_aware",
    "value_error",
    "draft_text_required",
    "draft_text_not_allowed",
    "draft_reason_required",
    "survey_empty",
    "incident_update_empty",
    "text_nul",
    "text_surrogate",
)
"""Error types with a `validation_<type>` message, including this API's custom types."""

KNOWN_VALUE_ERRORS: dict[str, str] = {
    "pass at least one of status, message_en or message_zh": "incident_update_empty",
}
"""Plain `ValueError` texts of request models outside `api/` and the type whose message they get."""

_QUOTED_RE = re.compile(r"'((?:[^'\\]|\\.)*)'")


def describe_validation_errors(errors: Sequence[Mapping[str, Any]], language: Language) -> str:
    """Return one translated sentence per validation error, joined for the `detail` of a message."""
    separator = "；" if language is Language.ZH else "; "
    return separator.join(describe_validation_error(error, language) for error in errors)


def describe_validation_error(error: Mapping[str, Any], language: Language) -> str:
    """Return the translated sentence of one pydantic error, naming its field."""
    error_type = str(error.get("type", ""))
    loc = tuple(error.get("loc", ()))
    context: Mapping[str, Any] = error.get("ctx") or {}
    values: dict[str, object] = {
        key: _plain_number(value) for key, value in context.items() if key != "error"
    }

    if error_type == "json_invalid":
        # FastAPI puts the character offset of the JSON error after "body" in `loc`.
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        values.update(position=position + 1, error=context.get("error", ""))
        return translate("validation_json_invalid", language, **values)

    if error_type == "value_error":
        message = str(context.get("error", error.get("msg", "")))
        error_type = KNOWN_VALUE_ERRORS.get(message, error_type)
        values["detail"] = message
    error_type = TYPE_ALIASES.get(error_type, error_type)
    if error_type == "string_too_short" and context.get("min_length") == 1:
        error_type = "string_empty"
    if error_type in {"enum", "literal_error"}:
        values["expected"] = _format_choices(str(context.get("expected", "")), language)
    if error_type == "string_pattern_mismatch":
        values["pattern"] = context.get("pattern", "")

    values["field"] = field_label(loc, language)
    values["value"] = shorten_for_message(_json_text(error.get("input")), language)
    if error_type not in MAPPED_TYPES:
        logger.debug("no validation message for pydantic error type %s", error_type)
        values["detail"] = str(error.get("msg", ""))
        error_type = "other"
    return translate(f"validation_{error_type}", language, **values)


def field_label(loc: Iterable[object], language: Language) -> str:
    """Name the field of an error's `loc` as users read it, e.g. “field 'messages[1].role'”."""
    parts = list(loc)
    source = str(parts[0]) if parts else "body"
    path = field_path(parts[1:] if source in {"body", *_LOCATION_KEYS} else parts)
    if not path:
        return translate("validation_request_body", language)
    return translate(_LOCATION_KEYS.get(source, "validation_field"), language, name=path)


def field_path(parts: Iterable[object]) -> str:
    """Join the parts of a `loc` as OpenAI's `param` does: `messages[1].content[0].text`."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _format_choices(expected: str, language: Language) -> str:
    """Rewrite pydantic's "'a', 'b' or 'c'" as a list in the message's language."""
    choices = _QUOTED_RE.findall(expected)
    if not choices:
        return expected
    return join_items(choices, language)


def _plain_number(value: object) -> object:
    """Return a whole float limit as an int, so `le=2` on a float field reads "2", not "2.0"."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
