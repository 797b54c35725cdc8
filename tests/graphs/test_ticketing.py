"""How ticket replies state a due time: in the support timezone, with its UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graphs.support.ticketing import _format_due

DUE = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("Asia/Shanghai", "2026-12-07 13:00 GMT+8"),
        ("Asia/Kolkata", "2026-12-07 10:30 GMT+5:30"),
        ("UTC", "2026-12-07 05:00 GMT"),
        ("America/Chicago", "2026-12-06 23:00 GMT-6"),
    ],
)
def test_due_time_names_the_utc_offset(timezone: str, expected: str) -> None:
    assert _format_due(DUE, timezone) == expected


def test_missing_due_time_is_a_dash() -> None:
    assert _format_due(None, "Asia/Shanghai") == "-"
