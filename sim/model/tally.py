"""The day-by-day record of everything the summary adds up.

Every count or sum the summary reports (hours by activity, messages, data entries, inspections, visits, ...) is
recorded on the day it happens, so the summary can leave out the warm-up by taking the measured days
(``scenario.warmup_days`` onwards) rather than by remembering to reset each counter when the warm-up ends.
"""

from __future__ import annotations

import numpy as np

# the compiled module itself, as ``workload`` takes it; ``compiled`` checks it against its source like the others
from . import scatter


class Tally:
    def __init__(self, days: int, warmup_days: int):
        self.days = days
        self.first_measured = warmup_days
        self.today = 0
        self._by_day: dict[str, np.ndarray] = {}
        # records of one number a day, kept as lists of floats: a day's addition to a list item costs a third of
        # one to a numpy array's (a baseline run makes some 11,000), and adds the same doubles in the same order
        self._numbers: dict[str, list[float]] = {}
        self._by_cadre: dict[str, np.ndarray] = {}

    @property
    def measured_days(self) -> int:
        return self.days - self.first_measured

    def add(self, name: str, value, day: int | None = None) -> None:
        """Add `value` (a number, or an array of a fixed shape) to `name` on `day` (today by default)."""
        d = self.today if day is None else day
        numbers = self._numbers.get(name)
        if numbers is None:
            record = self._by_day.get(name)
            if record is not None or np.ndim(value) > 0:   # a record of arrays
                if record is None:
                    record = self._by_day[name] = np.zeros((self.days, *np.shape(value)))
                if 0 <= d < self.days:
                    record[d] += value
                return
            numbers = self._numbers[name] = [0.0] * self.days
        if 0 <= d < self.days:
            numbers[d] += float(value)   # as a double, as numpy adds it into a float64 record

    def count(self, name: str, kind: int, kinds: int) -> None:
        """One more of `kind` (one of `kinds`) today: `name`'s record is by day and kind."""
        record = self._by_day.get(name)
        if record is None:
            record = self._by_day[name] = np.zeros((self.days, kinds))
        if 0 <= self.today < self.days:
            record[self.today, kind] += 1.0

    def by_day(self, name: str) -> np.ndarray:
        """The whole record, warm-up included (zeros if nothing was ever added)."""
        numbers = self._numbers.get(name)
        if numbers is not None:
            return np.array(numbers)
        return self._by_day.get(name, np.zeros(self.days))

    def on(self, name: str, day: int) -> float:
        """`name`'s number on `day` (0.0 if nothing was added): a day's figure, without the whole record."""
        numbers = self._numbers.get(name)
        return numbers[day] if numbers is not None else float(self.by_day(name)[day])

    def measured(self, name: str) -> np.ndarray:
        """The record over the measured days."""
        return self.by_day(name)[self.first_measured:]

    def total(self, name: str):
        """The sum over the measured days."""
        return self.measured(name).sum(axis=0)

    def add_per_cadre(self, name: str, values) -> None:
        """Add one figure per cadre (an array [cadres] or [cadres, k]) to `name`'s total over the measured days.

        What the summary reports per role (township, village, welfare-post cadres) is summed per cadre; a record
        by day and cadre would be too large for a county, so only the measured days' total is kept: the warm-up is
        left out here, as the daily records leave it out when the summary reads them."""
        if self.today < self.first_measured or self.today >= self.days:
            return
        record = self._by_cadre.get(name)
        if record is None:
            self._by_cadre[name] = np.array(values, dtype=np.float64)
        else:
            record += values

    def add_per_cadre_each(self, figures) -> None:
        """``add_per_cadre`` for each (name, values) of `figures`: where the records are there already, all added in
        one compiled pass (``scatter.add_into``, as ``+=`` adds: the same doubles), each ``+=`` having cost about a
        µs. Values of float64 or booleans, of the record's shape, as the day's figures are."""
        if self.today < self.first_measured or self.today >= self.days:
            return
        records, values = [], []
        for name, v in figures:
            record = self._by_cadre.get(name)
            if record is None:
                self._by_cadre[name] = np.array(v, dtype=np.float64)
            else:
                records.append(record)
                values.append(v)
        scatter.add_into(records, values)

    def per_cadre(self, name: str, n_cadres: int) -> np.ndarray:
        """The measured days' total per cadre (zeros if nothing was ever added)."""
        record = self._by_cadre.get(name)
        return record if record is not None else np.zeros(n_cadres)

