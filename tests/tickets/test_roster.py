"""Roster loading: the shipped file, and the errors a broken file produces."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.domain import MODULES, Intent, Language, Tier
from assistant.errors import ConfigurationError
from assistant.i18n import translate
from assistant.settings import Settings
from assistant.tickets.assignment import TicketNeeds, choose_assignment
from assistant.tickets.roster import SHIPPED_ROSTER_PATH, RosterError, load_roster
from tests.tickets.factories import make_agent, make_roster_data, make_settings


def write_roster(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_roster_loads(settings: Settings) -> None:
    roster = load_roster(settings=settings)

    languages = {agent.skills.languages for agent in roster.agents}
    assert roster.source == str(SHIPPED_ROSTER_PATH)
    assert len(roster.teams) == 6
    assert 10 <= len(roster.agents) <= 14
    assert (Language.ZH,) in languages
    assert (Language.EN,) in languages
    assert any(len(skills) == 2 for skills in languages)
    assert len({agent.capacity for agent in roster.agents}) > 1
    assert any(agent.working_hours is not None for agent in roster.agents)


@pytest.mark.parametrize("tier", list(Tier))
@pytest.mark.parametrize("language", list(Language))
def test_shipped_roster_covers_every_module(
    settings: Settings, tier: Tier, language: Language
) -> None:
    roster = load_roster(settings=settings)
    now = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)

    for module in MODULES:
        needs = TicketNeeds(tier=tier, module=module, language=language, intent=Intent.HOW_TO)
        assignment = choose_assignment(roster, needs, open_load={}, now=now)
        assert assignment.assignee is not None, assignment.reason


def test_shipped_roster_routes_security_to_security_team(settings: Settings) -> None:
    roster = load_roster(settings=settings)
    needs = TicketNeeds(
        tier=Tier.L3, module="tasks", language=Language.ZH, intent=Intent.DATA_LOSS_SECURITY
    )

    assignment = choose_assignment(
        roster, needs, open_load={}, now=datetime(2025, 3, 3, 3, tzinfo=UTC)
    )

    assert assignment.team == "security-response"


def test_agent_hours_default_to_settings(tmp_path: Path) -> None:
    agents = [
        make_agent("on-default"),
        make_agent(
            "in-london",
            working_hours={"start_hour": 9, "end_hour": 17, "timezone": "Europe/London"},
        ),
        make_agent(
            "saturdays", working_hours={"start_hour": 10, "end_hour": 14, "weekdays": ["sat"]}
        ),
    ]
    path = write_roster(tmp_path / "roster.yaml", make_roster_data(agents))

    roster = load_roster(path, make_settings(timezone="Asia/Tokyo", work_start_hour=8))

    default = roster.working_hours("on-default")
    london = roster.working_hours("in-london")
    saturdays = roster.working_hours("saturdays")
    assert (default.timezone.key, default.start_hour, default.end_hour) == ("Asia/Tokyo", 8, 18)
    assert (london.timezone.key, london.start_hour, london.end_hour) == ("Europe/London", 9, 17)
    assert saturdays.timezone.key == "Asia/Tokyo"
    assert saturdays.weekdays == frozenset({5})


def test_roster_path_setting_is_used(tmp_path: Path) -> None:
    path = write_roster(tmp_path / "custom.yaml", make_roster_data([make_agent("only-one")]))

    roster = load_roster(settings=make_settings(roster_path=path))

    assert [agent.id for agent in roster.agents] == ["only-one"]


def test_missing_file_names_path_and_setting(tmp_path: Path, settings: Settings) -> None:
    missing = tmp_path / "absent.yaml"

    with pytest.raises(ConfigurationError, match="absent.yaml.*ASSISTANT_ROSTER_PATH"):
        load_roster(missing, settings)


def test_invalid_yaml_names_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("teams: [\n  - id: x\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="broken.yaml is not valid YAML"):
        load_roster(path, settings)


def test_invalid_custom_roster_names_the_setting(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="passwd is invalid.*ASSISTANT_ROSTER_PATH"):
        load_roster(path, settings)


def test_top_level_list_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = write_roster(tmp_path / "list.yaml", [make_agent("a")])

    with pytest.raises(ConfigurationError, match="top level must be a mapping"):
        load_roster(path, settings)


def test_bad_language_names_entry_and_values(tmp_path: Path, settings: Settings) -> None:
    agent = make_agent("wang-fang", languages=("zh", "fr"))
    path = write_roster(tmp_path / "roster.yaml", make_roster_data([agent]))

    with pytest.raises(ConfigurationError) as caught:
        load_roster(path, settings)

    message = str(caught.value)
    assert str(path) in message
    assert "agents[0] (id 'wang-fang') field skills.languages.1" in message
    assert "'zh' or 'en'" in message


def test_unknown_module_in_team_is_rejected(tmp_path: Path, settings: Settings) -> None:
    data = make_roster_data([make_agent("a")])
    data["teams"][1]["modules"] = ["gantt", "kanban"]
    path = write_roster(tmp_path / "roster.yaml", data)

    with pytest.raises(ConfigurationError, match=r"teams\[1\] \(id 'l2-product'\).*'kanban'"):
        load_roster(path, settings)


def test_team_without_scope_is_rejected(tmp_path: Path, settings: Settings) -> None:
    data = make_roster_data([make_agent("a")])
    data["teams"][0]["modules"] = []
    path = write_roster(tmp_path / "roster.yaml", data)

    with pytest.raises(ConfigurationError, match="needs at least one module or intent"):
        load_roster(path, settings)


def test_unknown_team_reference_lists_teams(tmp_path: Path, settings: Settings) -> None:
    path = write_roster(tmp_path / "roster.yaml", make_roster_data([make_agent("a", team="l4")]))

    with pytest.raises(
        ConfigurationError, match="agent 'a' names team 'l4'.*l1-general, l2-product"
    ):
        load_roster(path, settings)


def test_duplicate_agent_id_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = write_roster(
        tmp_path / "roster.yaml", make_roster_data([make_agent("a"), make_agent("a")])
    )

    with pytest.raises(ConfigurationError, match="agent 'a' appears twice"):
        load_roster(path, settings)


def test_duplicate_team_id_is_rejected(tmp_path: Path, settings: Settings) -> None:
    data = make_roster_data([make_agent("a")])
    data["teams"].append(dict(data["teams"][0]))
    path = write_roster(tmp_path / "roster.yaml", data)

    with pytest.raises(ConfigurationError, match="team id 'l1-general' appears twice"):
        load_roster(path, settings)


def test_agent_tier_outside_team_is_rejected(tmp_path: Path, settings: Settings) -> None:
    agent = make_agent("a", tiers=("L2", "L3"))
    path = write_roster(tmp_path / "roster.yaml", make_roster_data([agent]))

    with pytest.raises(ConfigurationError, match=r"agent 'a' lists tiers \['L3'\]"):
        load_roster(path, settings)


def test_bad_timezone_names_entry(tmp_path: Path, settings: Settings) -> None:
    hours = {"start_hour": 9, "end_hour": 17, "timezone": "Europe/Atlantis"}
    path = write_roster(
        tmp_path / "roster.yaml", make_roster_data([make_agent("a", working_hours=hours)])
    )

    with pytest.raises(ConfigurationError, match=r"agents\[0\] \(id 'a'\).*'Europe/Atlantis'"):
        load_roster(path, settings)


def test_reversed_shift_is_rejected(tmp_path: Path, settings: Settings) -> None:
    hours = {"start_hour": 22, "end_hour": 6}
    path = write_roster(
        tmp_path / "roster.yaml", make_roster_data([make_agent("a", working_hours=hours)])
    )

    with pytest.raises(ConfigurationError, match="start_hour 22 must be before end_hour 6"):
        load_roster(path, settings)


def test_zero_capacity_is_rejected(tmp_path: Path, settings: Settings) -> None:
    path = write_roster(tmp_path / "roster.yaml", make_roster_data([make_agent("a", capacity=0)]))

    with pytest.raises(ConfigurationError, match=r"agents\[0\] \(id 'a'\) field capacity"):
        load_roster(path, settings)


def test_unknown_field_is_rejected(tmp_path: Path, settings: Settings) -> None:
    agent = make_agent("a") | {"seniority": "senior"}
    path = write_roster(tmp_path / "roster.yaml", make_roster_data([agent]))

    with pytest.raises(ConfigurationError, match="field seniority: Extra inputs are not permitted"):
        load_roster(path, settings)


def test_many_errors_are_summarised(tmp_path: Path, settings: Settings) -> None:
    agents = [make_agent(f"agent-{n}", capacity=0) for n in range(8)]
    path = write_roster(tmp_path / "roster.yaml", make_roster_data(agents))

    with pytest.raises(ConfigurationError) as caught:
        load_roster(path, settings)

    message = str(caught.value)
    assert message.count("field capacity") == 5
    assert "more). Fix those entries" in message


def _broken_roster(folder: Path, case: str) -> Path:
    path = folder / f"{case}.yaml"
    if case == "not-yaml":
        path.write_text("teams: [\n  - id: x\n", encoding="utf-8")
    elif case == "invalid":
        write_roster(path, make_roster_data([make_agent("a", team="l4")]))
    return path


@pytest.mark.parametrize(
    ("case", "code", "problem"),
    [
        ("missing", "roster_unreadable", "No such file or directory"),
        ("not-yaml", "roster_not_yaml", "line 2, column 3: expected the node content"),
        ("invalid", "roster_invalid", "agent 'a' names team 'l4', which is not defined"),
    ],
)
def test_custom_roster_error_is_translated(
    tmp_path: Path, settings: Settings, case: str, code: str, problem: str
) -> None:
    path = _broken_roster(tmp_path, case)

    with pytest.raises(RosterError) as caught:
        load_roster(path, settings)

    error = caught.value
    assert error.code == code
    assert error.path == str(path)
    assert error.problem.startswith(problem)
    for language in Language:
        message = translate(f"error_{code}", language, **error.params)
        assert str(path) in message
        assert error.problem in message, "the problem is quoted whole, however long"
        assert "ASSISTANT_ROSTER_PATH" in message
    assert "\n" not in str(error)


def test_roster_not_utf8_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("teams: [{id: équipe}]\n".encode("latin-1"))

    with pytest.raises(RosterError) as caught:
        load_roster(path, settings)

    assert caught.value.code == "roster_unreadable"
    assert "is not UTF-8 text" in str(caught.value)
    assert "ASSISTANT_ROSTER_PATH" in str(caught.value)
