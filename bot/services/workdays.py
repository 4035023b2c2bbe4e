"""Working days: weekends and public holidays, for time limits and reminders.

Uzbekistan's fixed public holidays are built in; holidays that move (Ramazon hayit, Qurbon
hayit) and extra days off are given per year in configuration (`HOLIDAYS`, ISO dates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

# (month, day): New Year, Women's Day, Navruz, Remembrance Day, Independence Day, Teachers' Day,
# Constitution Day.
FIXED_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (3, 8),
    (3, 21),
    (5, 9),
    (9, 1),
    (10, 1),
    (12, 8),
)


@dataclass(frozen=True)
class WorkCalendar:
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)

    @classmethod
    def from_dates(
        cls, holidays: Iterable[dt.date], weekend: Iterable[int] = (5, 6)
    ) -> WorkCalendar:
        return cls(weekend=frozenset(weekend), extra_holidays=frozenset(holidays))

    def is_holiday(self, day: dt.date) -> bool:
        return (day.month, day.day) in FIXED_HOLIDAYS or day in self.extra_holidays

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (start itself does not count)."""
        current = start
        remaining = days
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def deadline(self, created: dt.datetime, days: int, tz: dt.tzinfo) -> dt.datetime:
        """End of the working day `days` working days after `created` (local), as UTC."""
        local_day = created.astimezone(tz).date()
        due_day = self.add_working_days(local_day, days)
        end = dt.datetime.combine(due_day, dt.time(23, 59, 59), tzinfo=tz)
        return end.astimezone(dt.UTC)
