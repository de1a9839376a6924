"""Form pieces for Jalali dates (the input and field live in chatdesk/core/forms.py).

The picker (static/vendor/jalalidatepicker) is started by static/js/admin-jalali.js (no inline
script) on every ``input[data-jdp]``; it submits ASCII ``1405/09/10``.  People may also type the
date, in Persian or Latin digits.
"""

from chatdesk.core import jalali
from chatdesk.core.forms import DATE_ERROR, JalaliDateField, JalaliDateInput  # noqa: F401  (their home is core/forms.py)
from chatdesk.core.persian import to_persian_digits


def jalali_display(value):
    """``شنبه ۱ آذر ۱۴۰۵`` for change lists."""
    return jalali.format_date(value, long=True)


def time_display(value):
    return to_persian_digits(f"{value:%H:%M}") if value else ""
