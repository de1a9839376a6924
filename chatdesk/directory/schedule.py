"""When a unit is open: office hours, weekends, holidays, closures, business time and the roster.

Everything here is a read.  The rules, in order:

* A whole-day holiday or closure for the organisation (``Holiday.unit`` null), for the unit, or for
  any unit above it closes the unit for that Tehran day (reason ``"holiday"`` for an official
  holiday, ``"closure"`` for a one-off closure).
* Otherwise the unit's weekend (Friday, or Thursday and Friday: ``Unit.weekend``) is closed, even
  if office-hours rows were entered for those days.
* Otherwise the unit is open during its ``OfficeHours`` spans of that Iranian weekday, minus any
  partial-day closures.  A unit with no ``OfficeHours`` rows at all has the default Iranian office
  hours, ``DEFAULT_HOURS``: Saturday to Wednesday 07:30–14:30, and Thursday 07:30–13:00 when
  only Friday is the weekend.

All times are Tehran wall-clock times; every function takes and returns aware datetimes.
Nothing is cached: a closure saved a moment ago counts on the next call.  Each call loads the
unit's hours and the holidays of the window it looks at once (two or three queries), and more
holidays in 60-day chunks only when it has to look further ahead.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from chatdesk.core import jalali
from chatdesk.core.persian import to_persian_digits

from .models import DutyShift, Holiday, OfficeHours, Unit

SEARCH_DAYS = 60  # how far ahead next_opening looks
_CHUNK_DAYS = 60
_MAX_DAYS = 3 * 366  # add_business_seconds gives up past this (a unit that never opens)

_WORKDAY = (dt.time(7, 30), dt.time(14, 30))
_THURSDAY = (dt.time(7, 30), dt.time(13, 0))
DEFAULT_HOURS = {0: [_WORKDAY], 1: [_WORKDAY], 2: [_WORKDAY], 3: [_WORKDAY], 4: [_WORKDAY], 5: [_THURSDAY]}
"""Weekday (0 = Saturday) → spans, for a unit with no OfficeHours rows.  Thursday only counts
when the unit's weekend is Friday alone (the weekend always wins)."""

REASONS = ("open", "outside_hours", "weekend", "holiday", "closure")


@dataclass(frozen=True)
class UnitState:
    open: bool
    reason: str  # one of REASONS
    holiday_name: str = ""  # the holiday's or closure's name when reason is "holiday" or "closure"
    next_opening: dt.datetime | None = None  # when closed: the next moment it opens (≤ 60 days)
    next_opening_display: str = ""  # "شنبه ۱ آذر ۱۴۰۵ ساعت ۰۷:۳۰"
    closes_at: dt.datetime | None = None  # when open: the end of the current span


@dataclass(frozen=True)
class Day:
    """One Tehran day of a unit's calendar."""

    date: dt.date
    spans: tuple  # ((start, end), ...) aware datetimes, sorted, merged, closures removed
    closed_reason: str = ""  # "holiday", "closure" or "weekend" for a day closed all day
    holiday_name: str = ""
    partial_closures: tuple = ()  # ((start, end, name), ...) inside this day
    hours: tuple = ()  # the office hours of the day before partial closures


def weekly_hours(unit):
    """The unit's week as {weekday: [(start, end), ...]} (0 = Saturday), weekend days left out."""
    rows = OfficeHours.objects.filter(unit=unit).order_by("weekday", "start").values_list("weekday", "start", "end")
    return _week(unit, list(rows))


def _week(unit, rows):
    week = {}
    if rows:
        for weekday, start, end in rows:
            week.setdefault(weekday, []).append((start, end))
    else:
        week = {day: list(spans) for day, spans in DEFAULT_HOURS.items()}
    return {day: spans for day, spans in week.items() if day not in unit.weekend_days}


def _unit_ids(unit):
    """The unit and every unit above it (their closures apply to it)."""
    if unit.parent_id is None:
        return [unit.pk]
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    ids, current = [], unit.pk
    while current is not None and current not in ids:
        ids.append(current)
        current = parents.get(current)
    return ids


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(spans, cut_start, cut_end):
    out = []
    for start, end in spans:
        if cut_end <= start or cut_start >= end:
            out.append((start, end))
            continue
        if start < cut_start:
            out.append((start, cut_start))
        if cut_end < end:
            out.append((cut_end, end))
    return out


class Calendar:
    """A unit's opening times, loading holidays for the days asked about (at most a few queries)."""

    def __init__(self, unit, first, last):
        self.unit = unit
        self.unit_ids = _unit_ids(unit)
        self.week = weekly_hours(unit)
        self.holidays = {}
        self.first = self.last = None
        self._load(first, last)

    def _load(self, first, last):
        rows = Holiday.objects.filter(date__range=(first, last)).filter(Q(unit__isnull=True) | Q(unit_id__in=self.unit_ids))
        for row in rows.order_by("date", "id"):
            self.holidays.setdefault(row.date, []).append(row)
        self.first = first if self.first is None else min(first, self.first)
        self.last = last if self.last is None else max(last, self.last)

    def ensure(self, date):
        if date < self.first:
            self._load(date, self.first - dt.timedelta(days=1))
        elif date > self.last:
            self._load(self.last + dt.timedelta(days=1), max(date, self.last + dt.timedelta(days=_CHUNK_DAYS)))

    def day(self, date):
        self.ensure(date)
        rows = self.holidays.get(date, [])
        whole = [h for h in rows if h.start is None]
        if whole:
            # An official holiday names the day before a closure does.
            pick = sorted(whole, key=lambda h: (h.kind != Holiday.Kind.OFFICIAL, h.unit_id is not None, h.pk))[0]
            reason = "holiday" if pick.kind == Holiday.Kind.OFFICIAL else "closure"
            return Day(date, (), reason, pick.name)
        if jalali.jalali_weekday(date) in self.unit.weekend_days:
            return Day(date, (), "weekend")
        hours = _merge(
            (jalali.local_datetime(date, start), jalali.local_datetime(date, end))
            for start, end in self.week.get(jalali.jalali_weekday(date), [])
        )
        spans, partial = hours, []
        for h in rows:
            cut = (jalali.local_datetime(date, h.start), jalali.local_datetime(date, h.end))
            partial.append((*cut, h.name))
            spans = _subtract(spans, *cut)
        return Day(date, tuple(spans), "", "", tuple(partial), tuple(hours))

    def days(self, first, last):
        date = first
        while date <= last:
            yield self.day(date)
            date += dt.timedelta(days=1)

    def next_opening(self, at, days=SEARCH_DAYS):
        """The first span start after ``at`` within ``days`` days, or None."""
        first = jalali.local(at).date()
        for day in self.days(first, first + dt.timedelta(days=days)):
            for start, _ in day.spans:
                if start > at:
                    return start
        return None


def _local_date(value):
    return jalali.local(value).date() if isinstance(value, dt.datetime) else value


def display_moment(moment):
    """``شنبه ۱ آذر ۱۴۰۵ ساعت ۰۷:۳۰`` (Tehran time, Persian digits)."""
    if moment is None:
        return ""
    return f"{jalali.format_date(moment, long=True)} ساعت {jalali.format_time(moment)}"


def _state_at(calendar, at):
    day = calendar.day(jalali.local(at).date())
    for start, end in day.spans:
        if start <= at < end:
            return day, None, end
    if day.closed_reason:
        return day, (day.closed_reason, day.holiday_name), None
    if any(s <= at < e for s, e in day.hours):  # within office hours, so a partial closure
        for start, end, name in day.partial_closures:
            if start <= at < end:
                return day, ("closure", name), None
    return day, ("outside_hours", ""), None


def is_open(unit, at):
    """Is ``unit`` open at the aware datetime ``at``?"""
    if unit.always_open:
        return True
    date = jalali.local(at).date()
    _, closed, _ = _state_at(Calendar(unit, date, date), at)
    return closed is None


def unit_state(unit, at):
    """Open or closed at ``at``, why, until when, and when it opens next (see UnitState).

    A unit marked ``always_open`` (a round-the-clock line) is open whatever the calendar says.
    """
    if unit.always_open:
        return UnitState(open=True, reason="open")
    date = jalali.local(at).date()
    calendar = Calendar(unit, date, date + dt.timedelta(days=SEARCH_DAYS))
    _, closed, closes_at = _state_at(calendar, at)
    if closed is None:
        return UnitState(open=True, reason="open", closes_at=closes_at)
    reason, name = closed
    nxt = calendar.next_opening(at)
    return UnitState(open=False, reason=reason, holiday_name=name, next_opening=nxt, next_opening_display=display_moment(nxt))


def business_seconds_between(unit, start, end):
    """Whole seconds of office time between two aware moments (0 if ``end`` is not after
    ``start``); weekends, holidays and closures do not count."""
    if end <= start:
        return 0
    if unit.always_open:
        return int((end - start).total_seconds())
    first, last = jalali.local(start).date(), jalali.local(end).date()
    calendar = Calendar(unit, first, last)
    total = dt.timedelta()
    for day in calendar.days(first, last):
        for s, e in day.spans:
            overlap = min(e, end) - max(s, start)
            if overlap > dt.timedelta():
                total += overlap
    return int(total.total_seconds())


def add_business_seconds(unit, start, seconds):
    """The moment at which ``seconds`` of office time have passed since ``start``.

    Zero gives ``start`` itself; a deadline that uses up a span exactly ends at that span's end
    (14:30, not the next morning).  ValueError for a negative amount or a unit that does not open
    in the next three years.
    """
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if seconds == 0 or unit.always_open:
        return start + dt.timedelta(seconds=seconds)
    remaining = dt.timedelta(seconds=seconds)
    date = jalali.local(start).date()
    calendar = Calendar(unit, date, date + dt.timedelta(days=_CHUNK_DAYS))
    for _ in range(_MAX_DAYS):
        for s, e in calendar.day(date).spans:
            s = max(s, start)
            if e <= s:
                continue
            if e - s >= remaining:
                return s + remaining
            remaining -= e - s
        date += dt.timedelta(days=1)
    raise ValueError("the unit has no office hours")


def add_working_days(unit, start, days):
    """The end of the ``days``-th working day after the day of ``start`` (Tehran dates): the
    statutory deadline «ظرف N روز کاری».  A working day is one on which the unit opens at all
    (weekends, official holidays and whole-day closures do not count; a day with a partial
    closure does).  A round-the-clock unit counts calendar days, to the end of the day.
    ValueError for a negative count or a unit that does not open in the next three years."""
    if days < 0:
        raise ValueError("days must not be negative")
    date = jalali.local(start).date()
    if unit.always_open:
        return jalali.local_datetime(date + dt.timedelta(days=days), dt.time(23, 59))
    calendar = Calendar(unit, date, date + dt.timedelta(days=_CHUNK_DAYS))
    left = days
    for _ in range(_MAX_DAYS):
        if left == 0:
            spans = calendar.day(date).spans
            if date == jalali.local(start).date() and days == 0:
                return start
            return spans[-1][1]
        date += dt.timedelta(days=1)
        if calendar.day(date).spans:
            left -= 1
    raise ValueError("the unit has no office hours")


def _shifts(unit, date):
    return DutyShift.objects.filter(unit=unit, date=date).select_related("official__user", "substitute__user").order_by("start", "end", "id")


def roster_for_day(unit, date):
    """The unit's duty shifts (کشیک) of a Tehran day, by start time.  ``date`` may be a date or an
    aware datetime.  Each shift's ``on_duty`` is who actually answers (see DutyShift.on_duty)."""
    return list(_shifts(unit, _local_date(date)))


def rostered_officials(unit, at):
    """Who is on the unit's duty roster at ``at`` (one query): for each shift covering that
    moment the official, or the substitute when the official's account is not active.  The roster
    is its own plan: it does not look at office hours or holidays, nor at presence status."""
    local = jalali.local(at)
    t = local.time()
    people = []
    for shift in _shifts(unit, local.date()).filter(start__lte=t, end__gt=t):
        person = shift.on_duty
        if person is not None and person not in people:
            people.append(person)
    return people


# --- the roster as it drives the desk ---------------------------------------------------------
# Who is rostered now is who citizens are told to expect (chats.selectors.chat_availability),
# whom routing prefers (chats.selectors.least_loaded_official), whom a rostered official's
# console offers to put on duty, and what the supervisor's view flags when nobody of a shift
# is online (docs/architecture.md, "The duty roster").


@dataclass(frozen=True)
class Duty:
    """One shift that covers a moment, and who of it answers now."""

    shift: DutyShift
    answering: object = None  # the official if on duty («آماده پاسخ‌گویی»), else the substitute if on duty, else None

    @property
    def expected(self):
        """Whom citizens are told to expect: who answers now, else who is planned to
        (``DutyShift.on_duty``: the official, or the substitute when the official's account is off)."""
        return self.answering or self.shift.on_duty

    @property
    def uncovered(self):
        """Nobody of this shift (official or substitute) is on duty now."""
        return self.answering is None

    @property
    def span_display(self):
        return to_persian_digits(f"{self.shift.start:%H:%M} تا {self.shift.end:%H:%M}")


def _answering(shift):
    for person in (shift.official, shift.substitute):
        if person is not None and person.is_active and person.status == person.Status.AVAILABLE:
            return person
    return None


def duty_at(unit_ids, at):
    """The shifts covering ``at`` (a Tehran wall-clock moment) in these units, as
    {unit_id: [Duty, ...]} by start time (one query).  Status is read as it is now: call with
    the present moment."""
    local = jalali.local(at)
    t = local.time()
    shifts = (
        DutyShift.objects.filter(unit_id__in=list(unit_ids), date=local.date(), start__lte=t, end__gt=t)
        .select_related("official__user", "substitute__user", "unit")
        .order_by("start", "end", "id")
    )
    out = {}
    for shift in shifts:
        out.setdefault(shift.unit_id, []).append(Duty(shift, _answering(shift)))
    return out


def duty_of_official_at(official, at):
    """The shifts covering ``at`` in which ``official`` is rostered: as the official, or as the
    substitute of an official who is not on duty now (one query)."""
    local = jalali.local(at)
    t = local.time()
    shifts = (
        DutyShift.objects.filter(date=local.date(), start__lte=t, end__gt=t)
        .filter(Q(official=official) | Q(substitute=official))
        .select_related("official__user", "substitute__user", "unit")
        .order_by("start", "end", "id")
    )
    out = []
    for shift in shifts:
        if shift.official_id == official.pk:
            out.append(Duty(shift, _answering(shift)))
        elif not (shift.official.is_active and shift.official.status == shift.official.Status.AVAILABLE):
            out.append(Duty(shift, _answering(shift)))
    return out
