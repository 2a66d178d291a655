"""The calendar: working days, weekends, deadlines, and the rest days that rest rights protect."""

from __future__ import annotations

from datetime import date, timedelta


class Calendar:
    """``day`` is today's index while a day is simulated (0 = the first simulated day), and the days done after it;
    simulated day ``d`` is ``first_day + d`` days from ``start_date`` (a warm-up runs before the start date)."""

    MONDAY, WEDNESDAY = 0, 2

    def __init__(self, start_date: str, days: int, first_day: int = 0, protected_days_per_week: int = 0):
        self.start = date.fromisoformat(str(start_date)) + timedelta(days=first_day)  # the first simulated day
        self.days = days
        self.start_weekday = self.start.weekday()
        self.workdays_per_year = 5 * 52
        # rest rights protect the last `protected_days_per_week` days of the weekend (Sunday first)
        self.protected_days_per_week = protected_days_per_week
        self.day = 0

    @property
    def day(self) -> int:
        return self._day

    @day.setter
    def day(self, day: int) -> None:
        # what kind of day it is, asked some twenty times a simulated day: worked out once, when the day is set
        self._day = day
        w = self.weekday(day)
        self.is_workday = w < 5
        self.is_monday = w == self.MONDAY
        # a rest day that rest rights protect (no routine duty, no non-urgent messages)
        self.is_protected = w >= 7 - self.protected_days_per_week

    def weekday(self, day: int) -> int:
        return (self.start_weekday + day) % 7

    def is_work(self, day: int) -> bool:
        return self.weekday(day) < 5

    @property
    def date(self) -> date:
        return self.start + timedelta(days=self.day)

    # the three below are asked some thirty times a simulated day (every request's deadline): weekday arithmetic,
    # not a walk day by day (tests/test_speed.py holds them to the walk)
    def next_workday(self, day: int) -> int:
        """The day itself if it is a working day, else the Monday after."""
        w = self.weekday(day)
        return day if w < 5 else day + 7 - w

    def deadline(self, day: int) -> int:
        """A deadline falls on a working day: one that lands on a weekend moves back to the Friday (never before
        the first simulated day)."""
        w = self.weekday(day)
        return day if w < 5 or day <= 0 else max(day - (w - 4), 0)

    def next_weekday(self, day: int, weekday: int) -> int:
        return day + (weekday - self.weekday(day)) % 7

    def days_until_next_workday(self, day: int) -> int:
        """How many days ahead the next working day is (1 on Monday-Thursday, 3 on Friday)."""
        return self.next_workday(day + 1) - day
