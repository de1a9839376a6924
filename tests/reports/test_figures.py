"""Report figures against the hand-computed week in conftest.py (office hours and a holiday)."""

import datetime as dt
import random

import pytest

from chatdesk.core import clock, jalali
from chatdesk.directory import schedule
from chatdesk.directory.models import Holiday
from chatdesk.reports import periods, selectors, services
from chatdesk.reports.business import BusinessClock
from chatdesk.reports.models import CaseMetrics

from .conftest import MON, NOW, SAT, SUN, TUE, WED, at

pytestmark = pytest.mark.django_db


def week_scope(unit_ids, official_id=None):
    return selectors.Scope(periods.period_for("week", SAT + dt.timedelta(days=2)), tuple(unit_ids), official_id)


def test_the_week_is_a_saturday_first_jalali_week():
    period = periods.period_for("week", SAT + dt.timedelta(days=3))
    assert (period.first, period.last) == (SAT, SAT + dt.timedelta(days=6))
    assert period.label == "هفته ۱۴۰۵/۰۲/۱۲ تا ۱۴۰۵/۰۲/۱۸"
    assert period.start == jalali.local_datetime(SAT, dt.time(0, 0))


def test_metrics_are_computed_in_office_hours(week):
    with clock.frozen_at(NOW):
        assert services.metrics_sweep() == 9  # six chats and three tickets
        assert services.metrics_sweep() == 0  # nothing changed since
    m = {key: CaseMetrics.objects.get(conversation=c) for key, c in week.chats.items()}
    assert (m["c1"].wait_seconds, m["c1"].first_response_seconds) == (120, 300)
    assert (m["c2"].wait_seconds, m["c2"].first_response_seconds) == (120, 300)
    assert (m["c3"].wait_seconds, m["c3"].first_response_seconds) == (None, None)
    assert (m["c5"].wait_seconds, m["c5"].first_response_seconds) == (600, 3600)  # Thursday and Friday do not count
    assert (m["c6"].wait_seconds, m["c6"].first_response_seconds) == (77700, 600)  # Monday is a holiday
    t1 = CaseMetrics.objects.get(ticket=week.tickets["t1"])
    assert (t1.first_response_seconds, t1.resolution_seconds) == (1800, 19500)
    t2 = CaseMetrics.objects.get(ticket=week.tickets["t2"])
    assert (t2.first_response_seconds, t2.resolution_seconds) == (None, None)


def test_a_changed_ticket_is_computed_again(week):
    services.metrics_sweep(now=NOW)
    t2 = week.tickets["t2"]
    t2.first_response_at = at(0, "14:00")
    t2.updated_at = at(0, "14:00")
    t2.save()
    assert services.metrics_sweep(now=NOW) == 1
    assert CaseMetrics.objects.get(ticket=t2).first_response_seconds == 4 * 3600


def test_figures_of_the_unit(week):
    services.metrics_sweep(now=NOW)
    f = selectors.summary(week_scope([week.unit.pk]), NOW)[None]
    c, t, r = f["chats"], f["tickets"], f["ratings"]
    assert (c["started"], c["answered"], c["escalated"], c["abandoned"], c["open"]) == (6, 4, 1, 1, 0)
    assert c["answered_pct"] == pytest.approx(66.7)
    assert c["avg_wait"] == pytest.approx((120 + 120 + 600 + 77700) / 4)
    assert c["max_wait"] == 77700
    assert c["avg_first_response"] == pytest.approx((300 + 300 + 3600 + 600) / 4)
    assert (t["opened"], t["resolved"], t["still_open"], t["referred"], t["from_chat"]) == (2, 1, 1, 0, 1)
    assert (t["fr_met"], t["fr_missed"], t["res_met"], t["res_missed"]) == (1, 1, 0, 1)
    assert t["sla_pct"] == pytest.approx(33.3)
    assert t["avg_first_response"] == 1800 and t["avg_resolution"] == 19500
    assert (r["count"], r["average"], r["s1"], r["s2"], r["s4"], r["s5"]) == (3, 3.67, 0, 1, 1, 1)
    assert r["positive_pct"] == pytest.approx(66.7)


def test_figures_by_unit_and_by_official(week):
    services.metrics_sweep(now=NOW)
    scope = week_scope([week.unit.pk, week.other.pk])
    by_unit = selectors.summary(scope, NOW, by="unit")
    assert by_unit[week.unit.pk]["tickets"]["opened"] == 2
    assert by_unit[week.other.pk]["tickets"]["opened"] == 1
    assert by_unit[week.other.pk]["tickets"]["referred"] == 1
    assert by_unit[week.other.pk]["tickets"]["fr_met"] == 1
    assert by_unit[week.other.pk]["chats"]["started"] == 0
    by_official = selectors.summary(scope, NOW, by="official")
    o1, o2 = by_official[week.o1.pk], by_official[week.o2.pk]
    assert (o1["chats"]["started"], o1["chats"]["answered"], o1["chats"]["avg_first_response"]) == (3, 3, pytest.approx(400))
    assert (o2["chats"]["started"], o2["chats"]["avg_first_response"]) == (1, 3600)
    assert o1["tickets"]["opened"] == 1 and o1["ratings"]["count"] == 2 and o2["ratings"]["average"] == 4
    assert by_official[None]["chats"]["started"] == 2  # c3 and c4: no official took them
    mine = selectors.summary(week_scope([week.unit.pk], official_id=week.o1.pk), NOW)[None]
    assert mine["chats"]["started"] == 3 and mine["ratings"]["count"] == 2


def test_tickets_by_kind_status_and_referrals(week):
    scope = week_scope([week.unit.pk])
    kinds = {value: n for value, _label, n in selectors.tickets_by(scope, "kind")}
    assert kinds["chat"] == 1 and kinds["complaint"] == 1 and kinds["request"] == 0
    statuses = {value: n for value, _label, n in selectors.tickets_by(scope, "status")}
    assert statuses["resolved"] == 1 and statuses["new"] == 1
    assert selectors.referrals(scope) == {"out": 1, "in": 0, "events": 1}
    assert selectors.referrals(week_scope([week.other.pk])) == {"out": 0, "in": 1, "events": 1}


def test_series_counts_by_tehran_day(week):
    rows = selectors.series(week_scope([week.unit.pk]))
    assert [r["bucket"].first for r in rows] == [SAT + dt.timedelta(days=i) for i in range(7)]
    assert [r["started"] for r in rows] == [1, 3, 1, 0, 1, 0, 0]
    assert [r["opened"] for r in rows] == [1, 1, 0, 0, 0, 0, 0]
    assert rows[0]["average"] == 5 and rows[3]["average"] == 2
    assert rows[0]["bucket"].label == "۲/۱۲"


def test_a_case_just_before_tehran_midnight_counts_on_that_day(unit):
    from .conftest import make_chat

    make_chat(unit, created=jalali.local_datetime(SAT, dt.time(23, 59)))  # 20:29 UTC
    make_chat(unit, created=jalali.local_datetime(SAT + dt.timedelta(days=1), dt.time(0, 1)))
    day = selectors.Scope(periods.period_for("day", SAT), (unit.pk,))
    assert selectors.summary(day, NOW)[None]["chats"]["started"] == 1
    assert [r["started"] for r in selectors.series(week_scope([unit.pk]))][:2] == [1, 1]


def test_month_and_year_buckets():
    month = periods.period_for("month", SAT)
    assert (month.first, month.last) == (dt.date(2026, 4, 21), dt.date(2026, 5, 21))  # اردیبهشت ۱۴۰۵: 31 days
    assert len(periods.buckets(month)) == 31
    year = periods.period_for("year", SAT)
    assert (year.first, year.last) == (dt.date(2026, 3, 21), dt.date(2027, 3, 20))
    labels = [b.label for b in periods.buckets(year)]
    assert len(labels) == 12 and labels[0] == "فروردین ۰۵" and labels[-1] == "اسفند ۰۵"
    assert year.shifted(-1).label == "سال ۱۴۰۴"
    assert month.shifted(1).label == "خرداد ۱۴۰۵"


def test_parse_period_from_persian_digits_and_bad_input():
    today = dt.date(2026, 5, 20)
    period, errors = periods.parse_period({"period": "custom", "from": "۱۴۰۵/۰۱/۰۱", "to": "1405/06/31"}, today)
    assert not errors and (period.first, period.last) == (dt.date(2026, 3, 21), dt.date(2026, 9, 22))
    period, errors = periods.parse_period({"period": "custom", "from": "1405/13/01", "to": "1405/01/01"}, today)
    assert errors and period.kind == "month"
    period, errors = periods.parse_period({"period": "custom", "from": "1405/02/01", "to": "1405/01/01"}, today)
    assert errors == ["«تا تاریخ» پیش از «از تاریخ» است."]


def test_business_clock_agrees_with_the_schedule(unit, other_unit):
    """The fast clock gives exactly schedule.business_seconds_between on random moments around
    weekends, a whole-day holiday and a partial closure."""
    Holiday.objects.create(date=SAT + dt.timedelta(days=MON), name="تعطیل", kind=Holiday.Kind.OFFICIAL)
    Holiday.objects.create(date=SAT + dt.timedelta(days=TUE), name="جلسه", kind=Holiday.Kind.CLOSURE, unit=unit,
                           start=dt.time(10, 0), end=dt.time(11, 30))
    first, last = SAT - dt.timedelta(days=3), SAT + dt.timedelta(days=12)
    clock_ = BusinessClock(unit, first, last)
    rng = random.Random(6)
    base = jalali.local_datetime(first, dt.time(0, 0))
    span = int((jalali.local_datetime(last, dt.time(23, 59)) - base).total_seconds())
    for _ in range(150):
        a = base + dt.timedelta(seconds=rng.randrange(span))
        b = a + dt.timedelta(seconds=rng.randrange(span // 2))
        assert clock_.between(a, b) == schedule.business_seconds_between(unit, a, b), (a, b)
    # outside its range it falls back to the schedule
    far = jalali.local_datetime(last + dt.timedelta(days=40), dt.time(9, 0))
    assert clock_.between(at(0, "09:00"), far) == schedule.business_seconds_between(unit, at(0, "09:00"), far)


def test_always_open_unit_counts_wall_time(make_unit):
    unit = make_unit("اورژانس", code="er", always_open=True)
    assert BusinessClock(unit, SAT, SAT).between(at(SUN, "23:00"), at(TUE, "01:00")) == 26 * 3600


def test_metrics_rebuild_after_a_holiday_is_added(week):
    services.metrics_sweep(now=NOW)
    Holiday.objects.create(date=SAT + dt.timedelta(days=TUE), name="تعطیلی تازه", kind=Holiday.Kind.CLOSURE)
    assert services.metrics_sweep(now=NOW) == 0  # a calendar edit changes no case: a rebuild is needed
    services.metrics_rebuild()
    assert CaseMetrics.objects.get(conversation=week.chats["c6"]).first_response_seconds == 0
    assert CaseMetrics.objects.get(ticket=week.tickets["t1"]).resolution_seconds == 12300
    assert CaseMetrics.objects.get(conversation=week.chats["c5"]).first_response_seconds == 3600
    _ = WED


def test_the_sweep_looks_back_thirty_days_and_the_command_fills_the_rest(week):
    from django.core.management import call_command

    later = NOW + dt.timedelta(days=60)  # every case of the week is older than the look-back
    assert services.metrics_sweep(now=later) == 0
    assert CaseMetrics.objects.count() == 0
    assert selectors.metrics_pending(week_scope([week.unit.pk])) == 8  # 6 chats and 2 tickets of unit A
    call_command("reports_metrics", stdout=open("/dev/null", "w"))
    assert CaseMetrics.objects.count() == 9
    assert selectors.metrics_pending(week_scope([week.unit.pk])) == 0
    call_command("reports_metrics", "--rebuild", "--since", "1405/02/15", stdout=open("/dev/null", "w"))
