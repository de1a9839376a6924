"""Form pieces for Jalali dates and Tehran times, shown with Persian digits and accepting Persian
or Latin digits: used by the admin (as the default field of every date, time and datetime column:
chatdesk/core/admin.py) and by the desk's own forms.

The date field is django-jalali's ``jDateField`` (its parsing of a Jalali year-month-day into a
``jdatetime.date``, and its handling of ``jdatetime`` values given as initial data), with three
things it does not do itself: Persian and Arabic-Indic digits and the ``/`` separator folded
first, the whole text required to be a date (its own search accepts ``1405-09-01x``), and the
Gregorian ``date`` a model ``DateField`` stores handed back.  Its widgets, its datetime field and
its admin pieces are not used (docs/architecture.md, "Jalali dates").

The date input carries ``data-jdp`` for the vendored Jalali date picker (static/js/admin-jalali.js).
The time input is a plain text box: no Django clock shortcut (its English-digit menu and its
"you are N hours behind the server" note are not used anywhere in the desk).
"""

import datetime as dt
import re

import jdatetime
from django import forms
from django.utils.dateparse import parse_datetime
from django_jalali import forms as jforms

from . import jalali
from .persian import to_latin_digits, to_persian_digits

DATE_ERROR = "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۹/۰۱ (سال/ماه/روز شمسی) وارد کنید."
TIME_ERROR = "ساعت را به شکل ۲۲:۰۰ وارد کنید."


class JalaliDateInput(forms.TextInput):
    class Media:
        css = {"all": ["vendor/jalalidatepicker/jalalidatepicker.min.css", "css/datepicker.css"]}
        js = ["js/jalali-digits.js", "vendor/jalalidatepicker/jalalidatepicker.min.js", "js/admin-jalali.js"]

    def __init__(self, attrs=None):
        base = {
            "data-jdp": "",
            "autocomplete": "off",
            "placeholder": "۱۴۰۵/۰۹/۰۱",
            "size": "12",
            "inputmode": "numeric",
            "class": "jalali-date",
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            value = jalali.local(value).date() if value.tzinfo else value.date()
        if isinstance(value, dt.date):
            j = jdatetime.date.fromgregorian(date=value, locale=jalali.LOCALE)
            return to_persian_digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}")
        return super().format_value(value)


# A whole Jalali date: year, month, day, separated by / - or . (digits already folded to Latin).
JALALI_DATE_TEXT = re.compile(r"\s*(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})\s*", re.ASCII)


class JalaliDateField(jforms.jDateField):
    """A Gregorian ``date`` entered as a Jalali ``1405/09/01`` (Persian or Latin digits)."""

    widget = JalaliDateInput
    default_error_messages = {"invalid": DATE_ERROR, "required": "تاریخ را وارد کنید."}

    def __init__(self, *, input_formats=None, **kwargs):  # model DateFields pass no formats; accept and ignore
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return jalali.local(value).date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (jdatetime.date, jdatetime.datetime)):
            return super().to_python(value).togregorian()
        match = JALALI_DATE_TEXT.fullmatch(to_latin_digits(str(value)))
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # django-jalali reads ``Y-M-D``; it raises its "invalid" (ours, above) for a day that is not.
        return super().to_python("-".join(match.groups())).togregorian()


class PersianTimeInput(forms.TextInput):
    """``۲۲:۰۰`` in a plain text box."""

    def __init__(self, attrs=None):
        base = {"size": "6", "placeholder": "۰۸:۰۰", "inputmode": "numeric", "autocomplete": "off", "class": "vTimeField"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.time):
            return to_persian_digits(f"{value:%H:%M}")
        return super().format_value(value)


class PersianTimeField(forms.TimeField):
    """HH:MM in Persian or Latin digits."""

    widget = PersianTimeInput
    default_error_messages = {"invalid": TIME_ERROR}

    def __init__(self, *, input_formats=None, **kwargs):
        super().__init__(input_formats=input_formats or ["%H:%M", "%H:%M:%S"], **kwargs)

    def to_python(self, value):
        return super().to_python(to_latin_digits(value) if isinstance(value, str) else value)


class JalaliDateTimeWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        super().__init__([JalaliDateInput(), PersianTimeInput()], attrs)

    def decompress(self, value):
        if isinstance(value, str):  # the hidden initial of a field with a callable default
            value = parse_datetime(value) if value else None
            if value is not None and value.tzinfo is None:
                value = value.replace(tzinfo=jalali.TEHRAN)
        if value is None:
            return [None, None]
        local = jalali.local(value)
        return [local.date(), local.time().replace(second=0, microsecond=0)]


class JalaliDateTimeField(forms.MultiValueField):
    """An aware datetime typed as a Jalali date (``۱۴۰۵/۰۹/۰۱``) and a Tehran time (``۲۲:۰۰``)."""

    widget = JalaliDateTimeWidget
    default_error_messages = {"required": "تاریخ و ساعت را وارد کنید.", "incomplete": "تاریخ و ساعت را هر دو وارد کنید."}

    def __init__(self, *, input_formats=None, **kwargs):
        fields = (JalaliDateField(required=False), PersianTimeField(required=False))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        date, time = data_list
        if date is None or time is None:
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        return jalali.local_datetime(date, time)
