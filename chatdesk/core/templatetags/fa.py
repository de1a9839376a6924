"""Template filters for Persian pages: Jalali dates in Tehran time and Persian digits.

These, not django-jalali's ``jformat``: it builds its jdatetime value without a locale (month and
weekday names then follow jdatetime's per-thread global locale) and writes Latin digits
(docs/architecture.md, "Jalali dates")."""

from django import template

from chatdesk.core import jalali
from chatdesk.core.persian import strip_controls, to_persian_digits

register = template.Library()


@register.filter
def jdatetime(value):
    return jalali.format_datetime(value)


@register.filter
def jdate(value, style=""):
    return jalali.format_date(value, long=(style == "long"))


@register.filter
def fa_digits(value):
    return to_persian_digits("" if value is None else value)


@register.filter
def plain(value):
    """Someone else's text for display: bidi controls and zero-width characters removed (keeps
    ZWNJ).  Put it inside <bdi> so it is isolated too (docs/security.md)."""
    return strip_controls("" if value is None else str(value))
