"""Weekly working hours in a time zone: whether a moment is on shift, and adding working time.

Public holidays are not modelled, so every listed weekday counts as a working day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import ConfigurationError
from assistant.settings import Settings

MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))
"""Weekday numbers as in `date.weekday()`: Monday is 0."""

DAYS_PER_WEEK = 7
HOURS_PER_DAY = 24


def parse_timezone(name: str) -> ZoneInfo:
    """Return the IANA time zone with this name.

    Raises:
        ValueError: the name is not a known IANA time zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai"
        ) from exc


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone; pass UTC")


@dataclass(frozen=True)
class WorkingHours:
    """Daily window `[start_hour, end_hour)` on the given weekdays, in local time.

    Raises:
        ValueError: the hours or weekdays are out of range, or the window is empty.
    """

    timezone: ZoneInfo
    start_hour: int
    end_hour: int
    weekdays: frozenset[int] = field(default=MONDAY_TO_FRIDAY)

    def __post_init__(self) -> None:
        if not 0 <= self.start_hour < self.end_hour <= HOURS_PER_DAY:
            raise ValueError(
                f"working hours {self.start_hour}-{self.end_hour} are invalid; the start hour "
                f"must be before the end hour, both within 0-{HOURS_PER_DAY}"
            )
        if not self.weekdays or not self.weekdays <= frozenset(range(DAYS_PER_WEEK)):
            raise ValueError(
                f"weekdays {sorted(self.weekdays)} are invalid; list at least one of 0-6 "
                "(Monday is 0)"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkingHours:
        """Build the support team's default hours, Monday to Friday.

        Raises:
            ConfigurationError: ASSISTANT_TIMEZONE or the working hours are invalid.
        """
        try:
            timezone = parse_timezone(settings.timezone)
        except ValueError as exc:
            raise ConfigurationError(f"ASSISTANT_TIMEZONE is invalid: {exc}") from exc
        try:
            return cls(timezone, settings.work_start_hour, settings.work_end_hour)
        except ValueError as exc:
            raise ConfigurationError(
                f"ASSISTANT_WORK_START_HOUR and ASSISTANT_WORK_END_HOUR are invalid: {exc}"
            ) from exc

    @property
    def hours_per_day(self) -> int:
        """Length of one working day in hours."""
        return self.end_hour - self.start_hour

    def contains(self, moment: datetime) -> bool:
        """Return whether an aware moment falls inside the working hours."""
        _require_aware(moment)
        local = moment.astimezone(self.timezone)
        return local.weekday() in self.weekdays and self.start_hour <= local.hour < self.end_hour

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the UTC moment when `duration` of working time has passed since `start`.

        Time outside the working hours does not count, so a start outside them begins at
        the next window. A result that lands exactly on the end of a window stays there.
        """
        _require_aware(start)
        remaining = duration
        cursor = start.astimezone(UTC)
        while True:
            window_start, window_end = self._window_ending_after(cursor)
            cursor = max(cursor, window_start)
            available = window_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
            cursor = window_end

    def _window_ending_after(self, moment: datetime) -> tuple[datetime, datetime]:
        # The first window that ends after `moment`; it may contain `moment` or follow it.
        first_day = moment.astimezone(self.timezone).date()
        for offset in range(DAYS_PER_WEEK + 1):
            day = first_day + timedelta(days=offset)
            if day.weekday() not in self.weekdays:
                continue
            window_start, window_end = self._window_on(day)
            if window_end > moment:
                return window_start, window_end
        raise AssertionError("unreachable: __post_init__ requires at least one weekday")

    def _window_on(self, day: date) -> tuple[datetime, datetime]:
        midnight = datetime.combine(day, time(0), tzinfo=self.timezone)
        # Local wall-clock arithmetic, then UTC, so that DST shifts land on the right hour.
        window_start = midnight + timedelta(hours=self.start_hour)
        window_end = midnight + timedelta(hours=self.end_hour)
        return window_start.astimezone(UTC), window_end.astimezone(UTC)
