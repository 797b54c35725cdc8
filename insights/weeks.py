"""ISO weeks (`2026-W48`) in the support team's time zone, the unit of the weekly reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assistant.errors import InputError

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
WEEK_FORM = "YYYY-Www"


class InvalidWeekError(InputError):
    """Raised when a week is not an ISO week such as `2026-W48`."""

    def __init__(self, week: str) -> None:
        super().__init__(
            f"invalid week {week!r}: expected an ISO week of the form {WEEK_FORM}, e.g. 2026-W48",
            code="invalid_week",
            week=week,
        )


@dataclass(frozen=True, order=True)
class IsoWeek:
    """One ISO 8601 week: Monday 00:00 to the next Monday 00:00 in a time zone."""

    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    def start(self, timezone: ZoneInfo) -> datetime:
        """Return Monday 00:00 of the week in `timezone`."""
        monday = date.fromisocalendar(self.year, self.week, 1)
        return datetime.combine(monday, time(), tzinfo=timezone)

    def end(self, timezone: ZoneInfo) -> datetime:
        """Return Monday 00:00 of the next week in `timezone`, the end of this one (excluded)."""
        return self.shift(1).start(timezone)

    def shift(self, weeks: int) -> IsoWeek:
        """Return the week `weeks` weeks later (earlier when negative)."""
        monday = date.fromisocalendar(self.year, self.week, 1) + timedelta(weeks=weeks)
        return week_of_date(monday)


def week_of_date(day: date) -> IsoWeek:
    """Return the ISO week that contains a day."""
    year, week, _ = day.isocalendar()
    return IsoWeek(year, week)


def week_of(moment: datetime, timezone: ZoneInfo) -> IsoWeek:
    """Return the ISO week that contains an aware moment, in `timezone`."""
    return week_of_date(moment.astimezone(timezone).date())


MIN_YEAR = 1970
MAX_YEAR = 9998


def parse_week(text: str) -> IsoWeek:
    """Parse an ISO week such as `2026-W48`.

    Raises:
        InvalidWeekError: the text is not of the form YYYY-Www, or the year has no such week.
    """
    match = _WEEK_RE.match(text.strip())
    if match is None:
        raise InvalidWeekError(text)
    year, week = int(match.group(1)), int(match.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        # The week before and after must exist as dates for the week-over-week trend.
        raise InvalidWeekError(text)
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise InvalidWeekError(text) from error
    return IsoWeek(year, week)


def last_complete_week(now: datetime, timezone: ZoneInfo) -> IsoWeek:
    """Return the week before the one that contains `now`: the latest week that has ended."""
    return week_of(now, timezone).shift(-1)
