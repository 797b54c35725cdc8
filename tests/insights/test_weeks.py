"""ISO weeks of the reports: parsing, bounds in a time zone and shifts across years."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from insights.weeks import InvalidWeekError, IsoWeek, last_complete_week, parse_week, week_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_parse_week_reads_iso_form() -> None:
    assert parse_week(" 2026-W48 ") == IsoWeek(2026, 48)
    assert str(IsoWeek(2026, 5)) == "2026-W05"


@pytest.mark.parametrize(
    "text", ["2026-48", "2026-W4", "W48", "2026-W00", "2025-W53", ""], ids=repr
)
def test_parse_week_rejects_invalid_week(text: str) -> None:
    with pytest.raises(InvalidWeekError) as raised:
        parse_week(text)

    assert raised.value.code == "invalid_week"
    assert "YYYY-Www" in str(raised.value)


def test_week_bounds_are_local_mondays() -> None:
    week = IsoWeek(2026, 48)

    assert week.start(SHANGHAI) == datetime(2026, 11, 23, tzinfo=SHANGHAI)
    assert week.end(SHANGHAI) == datetime(2026, 11, 30, tzinfo=SHANGHAI)


def test_week_of_uses_the_local_date() -> None:
    # Sunday 20:00 UTC is already Monday 04:00 in Shanghai.
    sunday_evening = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)

    assert week_of(sunday_evening, SHANGHAI) == IsoWeek(2026, 49)
    assert week_of(sunday_evening, ZoneInfo("UTC")) == IsoWeek(2026, 48)


def test_shift_crosses_year_boundary() -> None:
    assert IsoWeek(2026, 1).shift(-1) == IsoWeek(2025, 52)
    assert IsoWeek(2026, 53).shift(1) == IsoWeek(2027, 1)


def test_last_complete_week_is_previous() -> None:
    wednesday = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)

    assert last_complete_week(wednesday, SHANGHAI) == IsoWeek(2026, 47)
