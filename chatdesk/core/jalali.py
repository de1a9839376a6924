"""Dates in and out in the Jalali calendar (Asia/Tehran), with Persian digits.

Stored values are always UTC ``DateTimeField``s (design rule 7).  jdatetime's locale is passed on
every call: its global locale is per thread and async code shares threads (stack notes).
"""

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

import jdatetime

from .persian import to_latin_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
LOCALE = "fa_IR"
MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
WEEKDAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"]  # Saturday first


def local(moment):
    """An aware datetime in Tehran time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(TEHRAN)


def to_jalali(moment):
    return jdatetime.datetime.fromgregorian(datetime=local(moment), locale=LOCALE)


def format_datetime(moment, with_seconds=False):
    """``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰`` (Persian digits, Tehran time)."""
    if moment is None:
        return ""
    if not with_seconds:
        # Every chat message's frame shows its minute (chats/wire.py): the messages of one minute
        # share one conversion (#22).
        return _minute_text(local(moment).replace(second=0, microsecond=0))
    return _format(moment, with_seconds)


@functools.lru_cache(maxsize=512)
def _minute_text(minute):
    return _format(minute, False)


def _format(moment, with_seconds):
    j = to_jalali(moment)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d} {j.hour:02d}:{j.minute:02d}"
    if with_seconds:
        text += f":{j.second:02d}"
    return to_persian_digits(text)


def format_date(value, long=False):
    """A date or datetime as ``۱۴۰۵/۰۹/۰۱`` or, with ``long``, ``شنبه ۱ آذر ۱۴۰۵``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    j = jdatetime.date.fromgregorian(date=value, locale=LOCALE)
    if long:
        return to_persian_digits(f"{WEEKDAYS[j.weekday()]} {j.day} {MONTHS[j.month - 1]} {j.year}")
    return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")


def format_time(moment):
    if moment is None:
        return ""
    t = local(moment)
    return to_persian_digits(f"{t.hour:02d}:{t.minute:02d}")


_DATE_RE = re.compile(r"\s*(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})\s*")


def parse_date(text):
    """Parse ``1405/09/01`` (Persian or Latin digits) into a Gregorian ``date``; ValueError if bad."""
    match = _DATE_RE.fullmatch(to_latin_digits(text or ""))
    if not match:
        raise ValueError("jalali_date")
    year, month, day = (int(g) for g in match.groups())
    try:
        return jdatetime.date(year, month, day, locale=LOCALE).togregorian()
    except ValueError as exc:
        raise ValueError("jalali_date") from exc


def jalali_date(year, month, day):
    """The Gregorian date of a Jalali day."""
    return jdatetime.date(year, month, day, locale=LOCALE).togregorian()


def local_datetime(date, time):
    """An aware datetime for a Tehran wall-clock date and time."""
    return dt.datetime.combine(date, time, tzinfo=TEHRAN)


def jalali_weekday(date):
    """0 = Saturday … 6 = Friday (the Iranian week)."""
    return (date.weekday() + 2) % 7
