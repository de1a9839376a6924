"""Office-hours durations for many cases at once.

``schedule.business_seconds_between`` builds a calendar per call (two or three queries): right
for one SLA deadline, too slow for thousands of cases.  ``BusinessClock`` builds one unit's
calendar once for a range of days, keeps the office seconds before each day (a prefix sum), and
answers ``between(start, end)`` with arithmetic.  It reads the same ``schedule.Calendar``, so the
rules (weekends, holidays, closures, parent units, ``always_open``) are the same; the tests
compare both on the same cases.
"""

import datetime as dt

from chatdesk.core import jalali
from chatdesk.directory import schedule

ZERO = dt.timedelta()


class BusinessClock:
    def __init__(self, unit, first, last):
        self.unit = unit
        self.first = first
        self.last = last
        self._before = {}  # date -> office time before that day, since ``first``
        self._spans = {}
        if unit.always_open:
            return
        calendar = schedule.Calendar(unit, first, last)
        total = ZERO
        for day in calendar.days(first, last):
            self._before[day.date] = total
            self._spans[day.date] = day.spans
            for s, e in day.spans:
                total += e - s
        self._total = total

    def _until(self, moment):
        """Office time from the start of ``first`` to ``moment``."""
        date = jalali.local(moment).date()
        if date < self.first:
            return ZERO
        if date > self.last:
            return self._total
        done = self._before[date]
        for s, e in self._spans[date]:
            if moment >= e:
                done += e - s
            elif moment > s:
                done += moment - s
        return done

    def covers(self, moment):
        return self.first <= jalali.local(moment).date() <= self.last

    def between(self, start, end):
        """Whole office seconds from ``start`` to ``end`` (0 if ``end`` is not after it)."""
        if start is None or end is None or end <= start:
            return 0
        if self.unit.always_open:
            return int((end - start).total_seconds())
        if not (self.covers(start) and self.covers(end)):
            return schedule.business_seconds_between(self.unit, start, end)
        return int((self._until(end) - self._until(start)).total_seconds())


class Clocks:
    """One ``BusinessClock`` per unit, covering the dates of the moments they are asked about."""

    def __init__(self, units, moments):
        dates = [jalali.local(m).date() for m in moments if m is not None]
        self.first = min(dates) if dates else dt.date.today()
        self.last = max(dates) if dates else self.first
        self.units = units
        self._clocks = {}

    def between(self, unit_id, start, end):
        clock = self._clocks.get(unit_id)
        if clock is None:
            clock = self._clocks[unit_id] = BusinessClock(self.units[unit_id], self.first, self.last)
        return clock.between(start, end)
