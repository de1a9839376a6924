import datetime as dt

import pytest

from chatdesk.core import jalali


def at(y, m, d, hh=10, mm=0, ss=0):
    return jalali.local_datetime(jalali.jalali_date(y, m, d), dt.time(hh, mm, ss))


MONDAY_10 = at(1405, 9, 2, 10)  # 2 Azar 1405, a Monday, office hours


@pytest.fixture
def officials(unit, other_unit, make_official):
    return {
        "a": make_official("a", [unit], name="زهرا کارشناس"),
        "b": make_official("b", [unit], name="علی کارشناس"),
        "other": make_official("other", [other_unit], name="کارشناس دیگر"),
    }
