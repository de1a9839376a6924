"""Report periods in the Jalali calendar: a day, a Saturday-first week, a month, a year, or a
custom range of days.  A period is a range of whole Tehran days, ``first`` to ``last``
inclusive (Gregorian ``date`` objects); ``start``/``end`` are the aware moments bounding it
(``end`` exclusive)."""

import datetime as dt
from dataclasses import dataclass

import jdatetime

from chatdesk.core import jalali
from chatdesk.core.persian import to_persian_digits

KINDS = {"day": "روز", "week": "هفته", "month": "ماه", "year": "سال", "custom": "بازه دلخواه"}
MAX_DAYS = 3 * 366  # a custom range longer than this is refused


def _j(date):
    return jdatetime.date.fromgregorian(date=date, locale=jalali.LOCALE)


def _g(jdate):
    return jdate.togregorian()


def month_bounds(jdate):
    first = jdatetime.date(jdate.year, jdate.month, 1, locale=jalali.LOCALE)
    nxt = jdatetime.date(jdate.year + (jdate.month == 12), jdate.month % 12 + 1, 1, locale=jalali.LOCALE)
    return _g(first), _g(nxt) - dt.timedelta(days=1)


def year_bounds(jdate):
    first = jdatetime.date(jdate.year, 1, 1, locale=jalali.LOCALE)
    nxt = jdatetime.date(jdate.year + 1, 1, 1, locale=jalali.LOCALE)
    return _g(first), _g(nxt) - dt.timedelta(days=1)


def week_bounds(date):
    first = date - dt.timedelta(days=jalali.jalali_weekday(date))
    return first, first + dt.timedelta(days=6)


def iso_jalali(date):
    """``1405/01/15`` in Latin digits (form values, file names, API)."""
    j = _j(date)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def month_label(date):
    j = _j(date)
    return to_persian_digits(f"{jalali.MONTHS[j.month - 1]} {j.year}")


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date
    last: dt.date

    @property
    def start(self):
        return jalali.local_datetime(self.first, dt.time(0, 0))

    @property
    def end(self):
        return jalali.local_datetime(self.last + dt.timedelta(days=1), dt.time(0, 0))

    @property
    def days(self):
        return (self.last - self.first).days + 1

    @property
    def label(self):
        j = _j(self.first)
        if self.kind == "day":
            return jalali.format_date(self.first, long=True)
        if self.kind == "month":
            return month_label(self.first)
        if self.kind == "year":
            return f"سال {to_persian_digits(j.year)}"
        prefix = "هفته " if self.kind == "week" else ""
        return f"{prefix}{jalali.format_date(self.first)} تا {jalali.format_date(self.last)}"

    def shifted(self, step):
        """The same kind of period before (-1) or after (+1) this one."""
        if self.kind == "day":
            d = self.first + dt.timedelta(days=step)
            return Period("day", d, d)
        if self.kind == "week":
            return Period("week", *week_bounds(self.first + dt.timedelta(days=7 * step)))
        if self.kind == "month":
            anchor = self.first - dt.timedelta(days=1) if step < 0 else self.last + dt.timedelta(days=1)
            return Period("month", *month_bounds(_j(anchor)))
        if self.kind == "year":
            anchor = self.first - dt.timedelta(days=1) if step < 0 else self.last + dt.timedelta(days=1)
            return Period("year", *year_bounds(_j(anchor)))
        length = dt.timedelta(days=self.days * step)
        return Period("custom", self.first + length, self.last + length)

    def query(self):
        """Query-string parameters that give this period back."""
        if self.kind == "custom":
            return {"period": "custom", "from": iso_jalali(self.first), "to": iso_jalali(self.last)}
        return {"period": self.kind, "date": iso_jalali(self.first)}


def period_for(kind, anchor):
    """The period of ``kind`` containing the Gregorian date ``anchor``."""
    if kind == "day":
        return Period("day", anchor, anchor)
    if kind == "week":
        return Period("week", *week_bounds(anchor))
    if kind == "year":
        return Period("year", *year_bounds(_j(anchor)))
    return Period("month", *month_bounds(_j(anchor)))


def parse_period(params, today):
    """(Period, errors) from ``period``, ``date``, ``from``, ``to`` (Jalali dates, Persian or
    Latin digits).  Bad input falls back to this month with a Persian error."""
    errors = []
    kind = params.get("period") or ""
    if kind not in KINDS:
        kind = "custom" if (params.get("from") or params.get("to")) else "month"
    if kind == "custom":
        try:
            first = jalali.parse_date(params.get("from") or "")
            last = jalali.parse_date(params.get("to") or "")
        except ValueError:
            errors.append("«از تاریخ» و «تا تاریخ» را به شکل ۱۴۰۵/۰۱/۰۱ وارد کنید.")
            return period_for("month", today), errors
        if last < first:
            errors.append("«تا تاریخ» پیش از «از تاریخ» است.")
            return period_for("month", today), errors
        if (last - first).days + 1 > MAX_DAYS:
            errors.append("بازه گزارش حداکثر سه سال است.")
            return period_for("month", today), errors
        return Period("custom", first, last), errors
    anchor = today
    raw = (params.get("date") or "").strip()
    if raw:
        try:
            anchor = jalali.parse_date(raw)
        except ValueError:
            errors.append("تاریخ را به شکل ۱۴۰۵/۰۱/۰۱ وارد کنید.")
    return period_for(kind, anchor), errors


# --- buckets for the charts -----------------------------------------------------------------
@dataclass(frozen=True)
class Bucket:
    first: dt.date
    last: dt.date
    label: str  # short, Persian digits


def buckets(period):
    """Chart buckets: days up to a month, Saturday-first weeks up to ~4 months, else months."""
    out = []
    if period.days <= 31:
        d = period.first
        while d <= period.last:
            j = _j(d)
            out.append(Bucket(d, d, to_persian_digits(f"{j.month}/{j.day}")))
            d += dt.timedelta(days=1)
    elif period.days <= 126:
        d = period.first
        while d <= period.last:
            last = min(week_bounds(d)[1], period.last)
            j = _j(d)
            out.append(Bucket(d, last, to_persian_digits(f"{j.month}/{j.day}")))
            d = last + dt.timedelta(days=1)
    else:
        d = period.first
        while d <= period.last:
            last = min(month_bounds(_j(d))[1], period.last)
            j = _j(d)
            out.append(Bucket(d, last, to_persian_digits(f"{jalali.MONTHS[j.month - 1]} {str(j.year)[2:]}")))
            d = last + dt.timedelta(days=1)
    return out
