"""Support roster: teams, the tiers and modules they serve, and their agents' skills.

The roster is a YAML file; `roster.yaml` next to this module is the shipped default, and
`ASSISTANT_ROSTER_PATH` points to another one. Its format::

    teams:
      - id: l2-integrations          # lowercase slug, stored on tickets
        name: L2 integrations
        tiers: [L2]
        modules: [integrations]      # from assistant.domain.MODULES
        intents: []                  # optional: intents routed here whatever the module
    agents:
      - id: chen-jie
        name: Chen Jie
        team: l2-integrations
        skills: {modules: [integrations], languages: [zh, en], tiers: [L2]}
        capacity: 6                  # max open tickets
        working_hours:               # optional; defaults to the ASSISTANT_WORK_* settings
          start_hour: 10
          end_hour: 19
          timezone: Asia/Kolkata     # optional; defaults to ASSISTANT_TIMEZONE
          weekdays: [mon, tue, wed, thu, fri]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, NoReturn, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.domain import MODULES, Intent, Language, Tier
from assistant.errors import ConfigurationError
from assistant.settings import Settings, get_settings
from assistant.tickets.working_hours import WorkingHours, parse_timezone

logger = logging.getLogger(__name__)

SHIPPED_ROSTER_PATH = Path(__file__).with_name("roster.yaml")
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
MAX_REPORTED_ERRORS = 5

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_NUMBERS: dict[str, int] = {
    name: number for number, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
}


def _check_modules(modules: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [module for module in modules if module not in MODULES]
    if unknown:
        raise ValueError(f"unknown modules {unknown}; use modules from: {', '.join(MODULES)}")
    return modules


class _RosterModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Team(_RosterModel):
    """A support team and the tickets it serves."""

    id: str = Field(pattern=SLUG_PATTERN)
    """Lowercase slug stored on tickets, e.g. `l2-integrations`."""

    name: str = Field(min_length=1)
    tiers: tuple[Tier, ...] = Field(min_length=1)
    modules: tuple[str, ...] = ()
    """Modules whose tickets the team serves."""

    intents: tuple[Intent, ...] = ()
    """Intents routed to this team whatever the module, e.g. `data_loss_security`."""

    @field_validator("modules")
    @classmethod
    def check_modules(cls, modules: tuple[str, ...]) -> tuple[str, ...]:
        """Reject modules that are not in `assistant.domain.MODULES`."""
        return _check_modules(modules)

    @model_validator(mode="after")
    def check_scope(self) -> Self:
        """Require at least one module or intent, or the team could never get a ticket."""
        if not self.modules and not self.intents:
            raise ValueError("a team needs at least one module or intent; add one of them")
        return self


class Skills(_RosterModel):
    """Modules, languages and tiers that an agent handles."""

    modules: tuple[str, ...] = Field(min_length=1)
    languages: tuple[Language, ...] = Field(min_length=1)
    tiers: tuple[Tier, ...] = Field(min_length=1)

    @field_validator("modules")
    @classmethod
    def check_modules(cls, modules: tuple[str, ...]) -> tuple[str, ...]:
        """Reject modules that are not in `assistant.domain.MODULES`."""
        return _check_modules(modules)


class WorkingHoursOverride(_RosterModel):
    """An agent's own working hours, replacing the team default."""

    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=1, le=24)
    timezone: str | None = None
    """IANA time zone; None uses ASSISTANT_TIMEZONE."""

    weekdays: tuple[Weekday, ...] = Field(default=("mon", "tue", "wed", "thu", "fri"), min_length=1)

    @field_validator("timezone")
    @classmethod
    def check_timezone(cls, timezone: str | None) -> str | None:
        """Reject a name that is not an IANA time zone."""
        if timezone is not None:
            parse_timezone(timezone)
        return timezone

    @model_validator(mode="after")
    def check_window(self) -> Self:
        """Require the start hour to come before the end hour."""
        if self.start_hour >= self.end_hour:
            raise ValueError(
                f"start_hour {self.start_hour} must be before end_hour {self.end_hour}; "
                "shifts that cross midnight are not supported"
            )
        return self


class Agent(_RosterModel):
    """A human support agent."""

    id: str = Field(pattern=SLUG_PATTERN)
    """Lowercase slug stored on tickets as the assignee."""

    name: str = Field(min_length=1)
    team: str
    """Id of the agent's team."""

    skills: Skills
    capacity: int = Field(ge=1)
    """Max open tickets (new, open, pending or escalated) assigned at once."""

    working_hours: WorkingHoursOverride | None = None


class _RosterFile(_RosterModel):
    teams: tuple[Team, ...] = Field(min_length=1)
    agents: tuple[Agent, ...] = Field(min_length=1)


class Roster:
    """Validated teams and agents, with each agent's resolved working hours."""

    def __init__(
        self,
        teams: Sequence[Team],
        agents: Sequence[Agent],
        default_hours: WorkingHours,
        *,
        source: str = "<memory>",
    ) -> None:
        self.teams = tuple(teams)
        self.agents = tuple(agents)
        self.default_hours = default_hours
        self.source = source
        self._teams_by_id = {team.id: team for team in self.teams}
        self._agents_by_id = {agent.id: agent for agent in self.agents}
        self._hours_by_agent = {
            agent.id: _resolve_hours(agent.working_hours, default_hours) for agent in self.agents
        }

    def team(self, team_id: str) -> Team | None:
        """Return the team with this id, or None."""
        return self._teams_by_id.get(team_id)

    def agent(self, agent_id: str) -> Agent | None:
        """Return the agent with this id, or None."""
        return self._agents_by_id.get(agent_id)

    def members(self, team_id: str) -> tuple[Agent, ...]:
        """Return the agents of a team in roster order."""
        return tuple(agent for agent in self.agents if agent.team == team_id)

    def working_hours(self, agent_id: str) -> WorkingHours:
        """Return an agent's working hours: their override, or the default hours.

        Raises:
            KeyError: no agent has this id.
        """
        return self._hours_by_agent[agent_id]


def _resolve_hours(override: WorkingHoursOverride | None, default: WorkingHours) -> WorkingHours:
    if override is None:
        return default
    timezone = default.timezone
    if override.timezone is not None:
        timezone = parse_timezone(override.timezone)
    weekdays = frozenset(WEEKDAY_NUMBERS[day] for day in override.weekdays)
    return WorkingHours(timezone, override.start_hour, override.end_hour, weekdays)


class RosterError(ConfigurationError):
    """Raised when a roster file cannot be read, is not valid YAML, or has an invalid entry.

    A roster chosen by ASSISTANT_ROSTER_PATH gets a code (`roster_unreadable`,
    `roster_not_yaml` or `roster_invalid`), so front ends show it in the user's language. Its
    path and problem are passed as functions of the language, so that front ends quote them
    whole instead of shortening long values.
    """

    def __init__(self, message: str, *, path: str, problem: str, code: str | None = None) -> None:
        super().__init__(
            message,
            code=code,
            path=lambda _language: path,
            problem=lambda _language: problem,
        )
        self.path = path
        self.problem = problem
        """What is wrong, without the file name and the fix."""


UNREADABLE_ROSTER_FIX = (
    "; point ASSISTANT_ROSTER_PATH at a readable YAML file, or unset it to use the roster "
    "shipped with the package"
)
INVALID_ROSTER_FIX = (
    "; fix the file, or unset ASSISTANT_ROSTER_PATH to use the roster shipped with the package"
)


def check_roster(settings: Settings) -> Roster:
    """Load the roster of the settings, so that a command fails before it does any work.

    Commands and services that may open tickets call it at start, because an invalid roster
    would otherwise show only when the first ticket is assigned.

    Raises:
        RosterError: the roster file cannot be read, is not valid YAML, or is invalid.
    """
    return load_roster(settings.roster_path, settings)


def load_roster(path: Path | None = None, settings: Settings | None = None) -> Roster:
    """Load and validate a roster file.

    Args:
        path: YAML file; None uses `settings.roster_path`, then the shipped roster.
        settings: Source of the default time zone and working hours; None uses
            `get_settings()`.

    Raises:
        RosterError: the file is missing, is not valid YAML, or an entry is invalid. The
            message names the file, the entry and the fix.
    """
    settings = settings or get_settings()
    path = path or settings.roster_path or SHIPPED_ROSTER_PATH
    # A roster of the user's own names the setting that chose it, so the fix is clear.
    custom = path != SHIPPED_ROSTER_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = _read_failure(exc)
        message = f"cannot read roster file {path}: {reason}"
        raise _roster_error("roster_unreadable", message, path, reason, custom) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = _describe_yaml_error(exc)
        message = f"roster file {path} is not valid YAML: {problem}"
        raise _roster_error("roster_not_yaml", message, path, problem, custom) from exc
    try:
        roster = parse_roster(
            data, default_hours=WorkingHours.from_settings(settings), source=str(path)
        )
    except RosterError as exc:
        raise _roster_error("roster_invalid", str(exc), path, exc.problem, custom) from exc
    logger.info(
        "loaded roster %s: %d teams, %d agents", path, len(roster.teams), len(roster.agents)
    )
    return roster


def _read_failure(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"it is not UTF-8 text (invalid byte at position {exc.start})"
    return exc.strerror or type(exc).__name__


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    """Describe a YAML error on one line, with its line and column when the parser gives them."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or problem is None:
        return " ".join(str(exc).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _roster_error(code: str, message: str, path: Path, problem: str, custom: bool) -> RosterError:
    """Return the error of a roster file; one of ASSISTANT_ROSTER_PATH gets the code and fix."""
    if not custom:
        return RosterError(message, path=str(path), problem=problem)
    fix = UNREADABLE_ROSTER_FIX if code == "roster_unreadable" else INVALID_ROSTER_FIX
    return RosterError(f"{message}{fix}", path=str(path), problem=problem, code=code)


def parse_roster(data: object, *, default_hours: WorkingHours, source: str) -> Roster:
    """Validate roster data already read from YAML.

    Args:
        data: The parsed YAML document.
        default_hours: Working hours of agents without an override.
        source: File name used in error messages.

    Raises:
        RosterError: an entry is invalid; the message names the entry and the fix.
    """
    if not isinstance(data, Mapping):
        _reject(source, "the top level must be a mapping with `teams` and `agents` lists")
    try:
        parsed = _RosterFile.model_validate(data)
    except ValidationError as exc:
        _reject(source, _describe_validation_error(exc, data))

    _check_references(parsed, source)
    return Roster(parsed.teams, parsed.agents, default_hours, source=source)


def _reject(source: str, problem: str) -> NoReturn:
    raise RosterError(f"roster file {source} is invalid: {problem}", path=source, problem=problem)


def _check_references(parsed: _RosterFile, source: str) -> None:
    teams: dict[str, Team] = {}
    for team in parsed.teams:
        if team.id in teams:
            _reject(source, f"team id {team.id!r} appears twice; give each team its own id")
        teams[team.id] = team

    agent_ids: set[str] = set()
    for agent in parsed.agents:
        entry = f"agent {agent.id!r}"
        if agent.id in agent_ids:
            _reject(source, f"{entry} appears twice; give each agent its own id")
        agent_ids.add(agent.id)
        agent_team = teams.get(agent.team)
        if agent_team is None:
            _reject(
                source,
                f"{entry} names team {agent.team!r}, which is not defined; "
                f"use one of: {', '.join(teams)}",
            )
        foreign_tiers = [tier.value for tier in agent.skills.tiers if tier not in agent_team.tiers]
        if foreign_tiers:
            _reject(
                source,
                f"{entry} lists tiers {foreign_tiers} that team {agent_team.id!r} does not serve; "
                "remove those tiers from the agent's skills or add them to the team",
            )


def _describe_validation_error(exc: ValidationError, data: Mapping[object, object]) -> str:
    problems = []
    for error in exc.errors()[:MAX_REPORTED_ERRORS]:
        location = _describe_location(error["loc"], data)
        problems.append(f"{location}: {error['msg']}")
    more = exc.error_count() - len(problems)
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"{'; '.join(problems)}{suffix}. Fix those entries in the file"


def _describe_location(location: tuple[int | str, ...], data: Mapping[object, object]) -> str:
    # ("agents", 3, "skills", "languages", 0)
    #     -> "agents[3] (id 'wang-fang') field skills.languages.0"
    dotted = ".".join(str(part) for part in location) or "top level"
    if len(location) < 2:
        return dotted
    section, index, *field = location
    if not isinstance(index, int):
        return dotted

    entry = f"{section}[{index}]"
    entries = data.get(section)
    if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], Mapping):
        entry_id = entries[index].get("id")
        if entry_id is not None:
            entry = f"{entry} (id {entry_id!r})"
    if not field:
        return entry
    return f"{entry} field {'.'.join(str(part) for part in field)}"
