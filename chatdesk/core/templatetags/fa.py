from django import template

from chatdesk.core import jalali
from chatdesk.core.persian import to_persian_digits

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
