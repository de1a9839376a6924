"""The desk's Jalali date field is django-jalali's jDateField with the desk's rules on top."""

import datetime as dt

import jdatetime
import pytest
from django import forms

from chatdesk.core.forms import DATE_ERROR, JalaliDateField


def test_jdatetime_values_are_taken_as_they_are():
    """django-jalali's part: a jdatetime date or datetime given as data or initial is a date."""
    assert JalaliDateField().clean(jdatetime.date(1405, 9, 1)) == dt.date(2026, 11, 22)
    assert JalaliDateField().clean(jdatetime.datetime(1405, 9, 1, 23, 59)) == dt.date(2026, 11, 22)


@pytest.mark.parametrize("text", ["1405-09-01x", "x1405-09-01", "1405-09-01 10:00", "14050-09-01"])
def test_only_a_whole_date_is_a_date(text):
    """The desk's part: django-jalali alone finds a date inside such text."""
    with pytest.raises(forms.ValidationError) as caught:
        JalaliDateField().clean(text)
    assert caught.value.messages == [DATE_ERROR]
