"""Form pieces for Jalali dates: a text input with the vendored Jalali date picker.

The picker (static/vendor/jalalidatepicker) is started by static/js/admin-jalali.js (no inline
script) on every ``input[data-jdp]``; it submits ASCII ``1405/09/10``.  People may also type the
date, in Persian or Latin digits.
"""

import datetime as dt

import jdatetime
from django import forms

from chatdesk.core import jalali
from chatdesk.core.persian import to_persian_digits

DATE_ERROR = "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۹/۰۱ (سال/ماه/روز شمسی) وارد کنید."


class JalaliDateInput(forms.TextInput):
    class Media:
        css = {"all": ["vendor/jalalidatepicker/jalalidatepicker.min.css"]}
        js = ["vendor/jalalidatepicker/jalalidatepicker.min.js", "js/admin-jalali.js"]

    def __init__(self, attrs=None):
        base = {
            "data-jdp": "",
            "dir": "ltr",
            "autocomplete": "off",
            "placeholder": "۱۴۰۵/۰۹/۰۱",
            "size": "12",
            "inputmode": "numeric",
            "class": "jalali-date",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            # Latin digits: the picker reads the field's value to open on that day.
            j = jdatetime.date.fromgregorian(date=value, locale=jalali.LOCALE)
            return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
        return super().format_value(value)


class JalaliDateField(forms.Field):
    """A Gregorian ``date`` entered as a Jalali ``1405/09/01`` (Persian or Latin digits)."""

    widget = JalaliDateInput
    default_error_messages = {"invalid": DATE_ERROR, "required": "تاریخ را وارد کنید."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return jalali.local(value).date()
        if isinstance(value, dt.date):
            return value
        try:
            return jalali.parse_date(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def jalali_display(value):
    """``شنبه ۱ آذر ۱۴۰۵`` for change lists."""
    return jalali.format_date(value, long=True)


def time_display(value):
    return to_persian_digits(f"{value:%H:%M}") if value else ""
