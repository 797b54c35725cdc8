"""Messages for invalid `ASSISTANT_*` settings: one line per environment variable.

pydantic's `ValidationError` names the field (`answer_min_confidence`) and the parser's view
of the problem. An operator sets `ASSISTANT_ANSWER_MIN_CONFIDENCE`, so the message names that
variable, its value and the values it accepts, in English or Simplified Chinese.
"""

from __future__ import annotations

import difflib
import enum
import os
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import annotated_types
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from assistant.domain import Language
from assistant.errors import ConfigurationError
from assistant.i18n import translate

HIDDEN_VALUE = "***"
"""Shown in place of the value of a secret setting, such as an API key."""
CUSTOM_REQUIREMENT_PREFIX = "setting_"
"""Prefix of the error types that are message keys in `messages.yaml`."""


@dataclass(frozen=True)
class SettingProblem:
    """One invalid environment variable: its name, its value and what it must be."""

    variable: str
    value: str
    requirement_key: str
    """Key in `messages.yaml` of the sentence that lists the valid values."""
    requirement_values: Mapping[str, object]

    def describe(self, language: Language) -> str:
        """Return the one-line message about this variable in a language."""
        requirement = translate(self.requirement_key, language, **self.requirement_values)
        return translate(
            "error_invalid_setting",
            language,
            variable=self.variable,
            value=self.value,
            requirement=requirement,
        )


class InvalidSettingsError(ConfigurationError):
    """Raised when one or more `ASSISTANT_*` environment variables have invalid values."""

    def __init__(self, problems: list[SettingProblem]) -> None:
        self.problems = problems
        super().__init__(self.message_in(Language.EN), code="invalid_settings")

    def message_in(self, language: Language) -> str:
        """Return one line per invalid variable, in a language."""
        return "\n".join(problem.describe(language) for problem in self.problems)


def settings_error(
    exc: ValidationError, fields: Mapping[str, FieldInfo], env_prefix: str
) -> InvalidSettingsError:
    """Turn the validation error of a settings class into one problem per variable.

    Args:
        exc: The error that building the settings from the environment raised.
        fields: The settings class's `model_fields`.
        env_prefix: Prefix of its environment variables, e.g. `ASSISTANT_`.
    """
    problems: dict[str, SettingProblem] = {}
    for error in exc.errors():
        # pydantic reports a field with an alias under the alias, not under its name.
        name = str(error["loc"][0]) if error["loc"] else ""
        field = fields.get(name) or _field_with_alias(fields, name)
        variable = env_var_name(name, field, env_prefix)
        if variable in problems:
            # A list setting reports each bad item; one line for the variable is enough.
            continue
        key, values = _requirement(field, error)
        problems[variable] = SettingProblem(
            variable=variable,
            value=_shown_value(variable, field, error),
            requirement_key=key,
            requirement_values=values,
        )
    return InvalidSettingsError(list(problems.values()))


def _field_with_alias(fields: Mapping[str, FieldInfo], alias: str) -> FieldInfo | None:
    for field in fields.values():
        if alias in (field.validation_alias, field.alias):
            return field
    return None


def unknown_settings(
    fields: Mapping[str, FieldInfo], env_prefix: str, environ: Mapping[str, str]
) -> list[SettingProblem]:
    """Return a problem for each `ASSISTANT_*` variable that names no setting.

    pydantic-settings ignores such a variable, so a misspelt one
    (`ASSISTANT_ANSWER_MIN_CONFIDENCES`) would leave the setting at its default without a word.
    The problem names the closest setting when one is close.
    """
    known = {env_var_name(name, field, env_prefix) for name, field in fields.items()}
    problems: list[SettingProblem] = []
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(env_prefix.upper()) or upper in known:
            continue
        close = difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.8)
        key, values = (
            ("setting_unknown_close", {"setting": close[0]}) if close else ("setting_unknown", {})
        )
        problems.append(SettingProblem(variable, repr(environ[variable]), key, values))
    return problems


def env_var_name(name: str, field: FieldInfo | None, env_prefix: str) -> str:
    """Return the environment variable of a field: its alias, else the prefix plus its name.

    pydantic-settings reads a field with an alias from the alias alone, without the prefix.
    """
    if field is not None:
        alias = field.validation_alias or field.alias
        if isinstance(alias, str):
            return alias.upper()
    return f"{env_prefix}{name}".upper()


def _shown_value(variable: str, field: FieldInfo | None, error: ErrorDetails) -> str:
    if field is not None and field.annotation is SecretStr:
        return repr(HIDDEN_VALUE)
    # Environment variables are matched without regard to case, as pydantic-settings does.
    for key, value in os.environ.items():
        if key.upper() == variable:
            return repr(value)
    return repr(error.get("input"))


def _requirement(field: FieldInfo | None, error: ErrorDetails) -> tuple[str, Mapping[str, object]]:
    """Return the message key and values of the sentence that lists the valid values.

    A validator that raises `PydanticCustomError` with a type named `setting_*` names its own
    message key, so its sentence is translated too.
    """
    if error["type"].startswith(CUSTOM_REQUIREMENT_PREFIX):
        return error["type"], error.get("ctx") or {}
    annotation = field.annotation if field is not None else None
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return _choices_requirement("setting_one_of", typing.get_args(annotation))
    if origin is tuple:
        item_type = typing.get_args(annotation)[0]
        if isinstance(item_type, type) and issubclass(item_type, enum.Enum):
            # An empty value is an empty tuple, which every tuple setting accepts.
            valid = ", ".join(str(item.value) for item in item_type)
            return "setting_list_of_or_empty", {"valid": valid}
    if annotation is bool:
        return "setting_boolean", {}
    if (annotation is int or annotation is float) and field is not None:
        return _number_requirement(field.metadata, integer=annotation is int)
    detail = error["msg"].removeprefix("Value error, ")
    return "setting_detail", {"detail": detail}


def _choices_requirement(key: str, choices: Sequence[object]) -> tuple[str, dict[str, str]]:
    named = [str(choice) for choice in choices if choice != ""]
    empty_allowed = "" in [str(choice) for choice in choices]
    valid = ", ".join(named)
    return (f"{key}_or_empty" if empty_allowed else key), {"valid": valid}


def _number_requirement(metadata: list[object], *, integer: bool) -> tuple[str, dict[str, object]]:
    # NOTE: only the bounds the settings use (ge, gt, le) are described; an `lt` bound
    # would be left out of the message.
    kind = "integer" if integer else "number"
    low: tuple[str, float] | None = None
    high: float | None = None
    for constraint in metadata:
        if isinstance(constraint, annotated_types.Ge):
            low = ("at_least", typing.cast(float, constraint.ge))
        elif isinstance(constraint, annotated_types.Gt):
            low = ("above", typing.cast(float, constraint.gt))
        elif isinstance(constraint, annotated_types.Le):
            high = typing.cast(float, constraint.le)
    values: dict[str, object] = {}
    if low is not None:
        values["low"] = _number_text(low[1])
    if high is not None:
        values["high"] = _number_text(high)
    if low is None:
        bound = "" if high is None else "_at_most"
    elif high is None:
        bound = f"_{low[0]}"
    else:
        bound = "_range" if low[0] == "at_least" else "_above_at_most"
    return f"setting_{kind}{bound}", values


def _number_text(value: float) -> str:
    return f"{value:g}"
