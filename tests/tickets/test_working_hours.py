"""Working-hours calendar: on-shift checks and adding working time across nights and weekends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from assistant.errors import ConfigurationError
from assistant.tickets.working_hours import WorkingHours
from tests.tickets.factories import SHANGHAI, make_settings, shanghai

OFFICE = WorkingHours(SHANGHAI, 9, 18)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (shanghai(3, 9, 0), True),
        (shanghai(3, 17, 59), True),
        (shanghai(3, 18, 0), False),
        (shanghai(3, 8, 59), False),
        (shanghai(8, 11, 0), False),
        (shanghai(9, 11, 0), False),
    ],
    ids=["monday-start", "monday-last-minute", "monday-end", "before-start", "saturday", "sunday"],
)
def test_contains_checks_day_and_hour(moment: datetime, expected: bool) -> None:
    assert OFFICE.contains(moment) is expected


def test_contains_converts_from_utc() -> None:
    # 02:00 UTC on Monday is 10:00 in Shanghai.
    assert OFFICE.contains(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))


def test_contains_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        OFFICE.contains(datetime(2025, 3, 3, 10, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (shanghai(3, 10), 4, shanghai(3, 14)),
        (shanghai(3, 16), 4, shanghai(4, 11)),
        (shanghai(7, 16), 4, shanghai(10, 11)),
        (shanghai(8, 11), 4, shanghai(10, 13)),
        (shanghai(3, 7), 4, shanghai(3, 13)),
        (shanghai(3, 20), 4, shanghai(4, 13)),
        (shanghai(3, 14), 4, shanghai(3, 18)),
        (shanghai(7, 15), 27, shanghai(12, 15)),
    ],
    ids=[
        "same-day",
        "across-night",
        "across-weekend",
        "start-on-saturday",
        "start-before-hours",
        "start-after-hours",
        "ends-on-closing-time",
        "three-days-from-friday",
    ],
)
def test_add_counts_only_working_time(start: datetime, hours: int, expected: datetime) -> None:
    assert OFFICE.add(start, timedelta(hours=hours)) == expected


def test_add_returns_utc() -> None:
    result = OFFICE.add(shanghai(3, 10), timedelta(hours=1))

    assert result.tzinfo is UTC


def test_add_handles_day_ending_at_midnight() -> None:
    late_shift = WorkingHours(SHANGHAI, 14, 24)

    assert late_shift.add(shanghai(3, 22), timedelta(hours=3)) == shanghai(4, 15)


def test_add_respects_custom_weekdays() -> None:
    weekend_only = WorkingHours(SHANGHAI, 9, 18, frozenset({5, 6}))

    assert weekend_only.add(shanghai(3, 10), timedelta(hours=10)) == shanghai(9, 10)


def test_add_across_dst_change_uses_local_hours() -> None:
    # Berlin moves clocks forward on 2025-03-30; the window still opens at 09:00 local time.
    berlin = ZoneInfo("Europe/Berlin")
    office = WorkingHours(berlin, 9, 17)
    friday = datetime(2025, 3, 28, 16, 0, tzinfo=berlin)

    due = office.add(friday, timedelta(hours=2))

    assert due == datetime(2025, 3, 31, 10, 0, tzinfo=berlin)


@pytest.mark.parametrize(
    ("start_hour", "end_hour"), [(18, 9), (9, 9), (0, 25)], ids=["reversed", "empty", "past-24"]
)
def test_invalid_hours_raise(start_hour: int, end_hour: int) -> None:
    with pytest.raises(ValueError, match="working hours .* are invalid"):
        WorkingHours(SHANGHAI, start_hour, end_hour)


def test_empty_weekdays_raise() -> None:
    with pytest.raises(ValueError, match="weekdays"):
        WorkingHours(SHANGHAI, 9, 18, frozenset())


def test_from_settings_rejects_unknown_timezone() -> None:
    settings = make_settings(timezone="Mars/Olympus")

    with pytest.raises(ConfigurationError, match="ASSISTANT_TIMEZONE.*'Mars/Olympus'"):
        WorkingHours.from_settings(settings)


def test_from_settings_rejects_reversed_hours() -> None:
    settings = make_settings(work_start_hour=18, work_end_hour=9)

    with pytest.raises(ConfigurationError, match="ASSISTANT_WORK_START_HOUR"):
        WorkingHours.from_settings(settings)
