"""Office hours, weekends, holidays, closures, business time and the duty roster (schedule.py),
with time injected through chatdesk.core.clock."""

import datetime as dt

import pytest
from django.core.management import call_command

from chatdesk.core import clock, jalali
from chatdesk.core.errors import ValidationError
from chatdesk.directory import schedule, services
from chatdesk.directory.models import DutyShift, Holiday, OfficeHours, Unit

pytestmark = pytest.mark.django_db

T = dt.time


def at(y, m, d, hh, mm=0, ss=0):
    """An aware moment from a Jalali date and a Tehran wall-clock time."""
    return jalali.local_datetime(jalali.jalali_date(y, m, d), T(hh, mm, ss))


# The Jalali week of Saturday 1405/08/30 (2026-11-21) to Friday 1405/09/06.
WEEK = [(1405, 8, 30), (1405, 9, 1), (1405, 9, 2), (1405, 9, 3), (1405, 9, 4), (1405, 9, 5), (1405, 9, 6)]


def state_now(unit):
    return schedule.unit_state(unit, clock.now())


def test_the_week_is_iranian():
    assert [jalali.jalali_weekday(jalali.jalali_date(*d)) for d in WEEK] == list(range(7))


def test_default_hours_with_thursday_and_friday_weekend(make_unit):
    unit = make_unit()
    assert unit.weekend == Unit.Weekend.THU_FRI and unit.escalate_after_seconds == 180
    opened = []
    for y, m, d in WEEK:
        with clock.frozen_at(at(y, m, d, 10)):
            opened.append(schedule.is_open(unit, clock.now()))
            state = state_now(unit)
        assert state.open == opened[-1]
        if not state.open:
            assert state.reason == "weekend" and state.holiday_name == ""
    assert opened == [True, True, True, True, True, False, False]
    # the edges of a day: 07:30 opens, 14:30 closes
    with clock.frozen_at(at(1405, 9, 1, 7, 29, 59)):
        early = state_now(unit)
    assert not early.open and early.reason == "outside_hours" and early.next_opening == at(1405, 9, 1, 7, 30)
    assert early.next_opening_display == "یکشنبه ۱ آذر ۱۴۰۵ ساعت ۰۷:۳۰"
    assert schedule.is_open(unit, at(1405, 9, 1, 7, 30))
    assert schedule.unit_state(unit, at(1405, 9, 1, 14, 29, 59)).closes_at == at(1405, 9, 1, 14, 30)
    late = schedule.unit_state(unit, at(1405, 9, 1, 14, 30))
    assert not late.open and late.reason == "outside_hours" and late.next_opening == at(1405, 9, 2, 7, 30)
    # Wednesday afternoon: the next opening is after the weekend, on Saturday
    wednesday = schedule.unit_state(unit, at(1405, 9, 4, 18))
    assert wednesday.next_opening == at(1405, 9, 7, 7, 30)
    assert wednesday.next_opening_display == "شنبه ۷ آذر ۱۴۰۵ ساعت ۰۷:۳۰"
    # a moment in UTC means the same thing
    assert schedule.is_open(unit, at(1405, 9, 1, 7, 30).astimezone(dt.timezone.utc))


def test_default_hours_with_friday_only_weekend(make_unit):
    unit = make_unit(weekend=Unit.Weekend.FRI)
    assert [schedule.is_open(unit, at(*d, 10)) for d in WEEK] == [True, True, True, True, True, True, False]
    thursday = schedule.unit_state(unit, at(1405, 9, 5, 12))
    assert thursday.open and thursday.closes_at == at(1405, 9, 5, 13)
    after = schedule.unit_state(unit, at(1405, 9, 5, 13, 30))
    assert after.reason == "outside_hours" and after.next_opening == at(1405, 9, 7, 7, 30)
    friday = schedule.unit_state(unit, at(1405, 9, 6, 10))
    assert not friday.open and friday.reason == "weekend"


def test_own_office_hours_replace_the_default(make_unit):
    unit = make_unit(weekend=Unit.Weekend.FRI)
    services.office_hours_replace(unit=unit, spans=[(0, T(8), T(12)), (0, T(16), T(19)), (5, T(9), T(11))])
    saturday = (1405, 8, 30)
    assert schedule.unit_state(unit, at(*saturday, 9)).closes_at == at(*saturday, 12)
    noon = schedule.unit_state(unit, at(*saturday, 13))
    assert noon.reason == "outside_hours" and noon.next_opening == at(*saturday, 16)
    assert schedule.is_open(unit, at(*saturday, 18, 59))
    # Sunday has no span now: closed, next opening is Thursday 09:00
    sunday = schedule.unit_state(unit, at(1405, 9, 1, 10))
    assert not sunday.open and sunday.reason == "outside_hours" and sunday.next_opening == at(1405, 9, 5, 9)
    assert schedule.weekly_hours(unit) == {0: [(T(8), T(12)), (T(16), T(19))], 5: [(T(9), T(11))]}
    # no rows again: back to the default hours
    services.office_hours_replace(unit=unit, spans=[])
    assert schedule.is_open(unit, at(1405, 9, 1, 10))


@pytest.mark.parametrize(
    "spans, code",
    [
        ([(0, T(8), T(12)), (0, T(11), T(13))], "overlapping_hours"),
        ([(1, T(12), T(12))], "end_before_start"),
        ([(2, T(14), T(8))], "end_before_start"),
        ([(5, T(8), T(12))], "weekend_hours"),  # Thursday for a Thursday-and-Friday unit
        ([(6, T(8), T(12))], "weekend_hours"),
        ([(7, T(8), T(12))], "invalid_weekday"),
    ],
)
def test_bad_office_hours_are_refused_and_change_nothing(make_unit, spans, code):
    unit = make_unit()
    services.office_hours_replace(unit=unit, spans=[(0, T(9), T(10))])
    with pytest.raises(ValidationError) as caught:
        services.office_hours_replace(unit=unit, spans=spans)
    assert caught.value.code == code and caught.value.message
    assert list(OfficeHours.objects.filter(unit=unit).values_list("weekday", "start", "end")) == [(0, T(9), T(10))]


def test_weekend_wins_over_hours_entered_for_it(make_unit):
    unit = make_unit()
    OfficeHours.objects.create(unit=unit, weekday=5, start=T(8), end=T(12))  # bypassing the service
    assert not schedule.is_open(unit, at(1405, 9, 5, 10))
    state = schedule.unit_state(unit, at(1405, 9, 5, 10))
    assert state.reason == "weekend" and state.next_opening is None and state.next_opening_display == ""
    with pytest.raises(ValueError):
        schedule.add_business_seconds(unit, at(1405, 9, 5, 10), 60)


def test_official_holiday_22_bahman(make_unit):
    unit = make_unit()
    # 22 Bahman 1404 is a Wednesday
    services.holiday_save(date=jalali.jalali_date(1404, 11, 22), name="پیروزی انقلاب اسلامی")
    with clock.frozen_at(at(1404, 11, 22, 10)):
        state = state_now(unit)
    assert not state.open and state.reason == "holiday" and state.holiday_name == "پیروزی انقلاب اسلامی"
    # Thursday and Friday are the weekend: next opening is Saturday 25 Bahman
    assert state.next_opening == at(1404, 11, 25, 7, 30)
    assert state.next_opening_display == "شنبه ۲۵ بهمن ۱۴۰۴ ساعت ۰۷:۳۰"
    assert schedule.is_open(unit, at(1404, 11, 21, 10))


def test_a_closure_takes_effect_at_once_for_its_unit_and_the_units_under_it(make_unit):
    deputy = make_unit("معاونت درمان")
    office = make_unit("اداره بیمارستان‌ها", parent=deputy)
    other = make_unit("روابط عمومی")
    moment = at(1405, 9, 2, 10)
    with clock.frozen_at(moment):
        assert schedule.is_open(office, clock.now())
        services.closure_add(date=jalali.local(clock.now()).date(), name="آلودگی هوا", unit=deputy)
        assert not schedule.is_open(office, clock.now())  # no cache: the next call sees it
        state = state_now(office)
        assert state.reason == "closure" and state.holiday_name == "آلودگی هوا"
        assert state.next_opening == at(1405, 9, 3, 7, 30)
        assert state_now(deputy).reason == "closure"
        assert schedule.is_open(other, clock.now())
        # an organisation-wide closure reaches everyone, and deleting it reopens at once
        closure = services.closure_add(date=jalali.local(clock.now()).date(), name="برف سنگین")
        assert not schedule.is_open(other, clock.now())
        services.holiday_delete(holiday=closure)
        assert schedule.is_open(other, clock.now())


def test_an_official_holiday_names_the_day_before_a_unit_closure(make_unit):
    unit = make_unit()
    day = jalali.jalali_date(1405, 9, 2)
    services.closure_add(date=day, name="تعمیرات", unit=unit)
    services.holiday_save(date=day, name="روز ویژه")
    state = schedule.unit_state(unit, at(1405, 9, 2, 10))
    assert state.reason == "holiday" and state.holiday_name == "روز ویژه"


def test_a_partial_day_closure(make_unit):
    unit = make_unit()
    day = jalali.jalali_date(1405, 9, 2)
    services.closure_add(date=day, name="قطع برق", unit=unit, start=T(10), end=T(12))
    before = schedule.unit_state(unit, at(1405, 9, 2, 9))
    assert before.open and before.closes_at == at(1405, 9, 2, 10)
    during = schedule.unit_state(unit, at(1405, 9, 2, 11))
    assert not during.open and during.reason == "closure" and during.holiday_name == "قطع برق"
    assert during.next_opening == at(1405, 9, 2, 12)
    assert during.next_opening_display == "دوشنبه ۲ آذر ۱۴۰۵ ساعت ۱۲:۰۰"
    assert schedule.is_open(unit, at(1405, 9, 2, 12))
    assert schedule.unit_state(unit, at(1405, 9, 2, 16)).reason == "outside_hours"
    assert schedule.business_seconds_between(unit, at(1405, 9, 2, 0), at(1405, 9, 3, 0)) == 5 * 3600


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"kind": "closure", "start": T(10)}, "partial_span"),
        ({"kind": "closure", "start": T(12), "end": T(10)}, "end_before_start"),
        ({"kind": "official", "start": T(10), "end": T(12)}, "partial_official"),
        ({"kind": "closure", "name": "  "}, "missing_name"),
        ({"kind": "vacation"}, "invalid_kind"),
    ],
)
def test_bad_holidays_are_refused(fields, code):
    values = {"date": jalali.jalali_date(1405, 9, 2), "name": "تعطیلی", **fields}
    with pytest.raises(ValidationError) as caught:
        services.holiday_save(**values)
    assert caught.value.code == code
    assert not Holiday.objects.exists()


def test_one_holiday_per_day_and_unit(make_unit):
    unit = make_unit()
    day = jalali.jalali_date(1405, 9, 2)
    services.holiday_save(date=day, name="الف")
    services.holiday_save(date=day, name="ب", unit=unit)  # the unit's own row is another row
    for kwargs in ({}, {"unit": unit}):
        with pytest.raises(ValidationError) as caught:
            services.holiday_save(date=day, name="ج", **kwargs)
        assert caught.value.code == "duplicate_holiday" and "۱۴۰۵/۰۹/۰۲" in caught.value.message
    assert Holiday.objects.count() == 2


def test_next_opening_across_a_weekend_and_a_holiday(make_unit):
    unit = make_unit()
    services.holiday_save(date=jalali.jalali_date(1405, 9, 7), name="تعطیل رسمی")  # Saturday
    state = schedule.unit_state(unit, at(1405, 9, 4, 15))  # Wednesday afternoon
    assert state.reason == "outside_hours"
    assert state.next_opening == at(1405, 9, 8, 7, 30)
    assert state.next_opening_display == "یکشنبه ۸ آذر ۱۴۰۵ ساعت ۰۷:۳۰"
    friday = schedule.unit_state(unit, at(1405, 9, 6, 10))
    assert friday.reason == "weekend" and friday.next_opening == at(1405, 9, 8, 7, 30)


def test_business_time_across_a_weekend_and_a_holiday(make_unit):
    unit = make_unit()
    services.holiday_save(date=jalali.jalali_date(1405, 9, 7), name="تعطیل رسمی")  # Saturday
    wednesday_noon = at(1405, 9, 4, 12)
    sunday_nine = at(1405, 9, 8, 9)
    # Wednesday 12:00–14:30, Thursday–Friday weekend, Saturday holiday, Sunday 07:30–09:00
    assert schedule.business_seconds_between(unit, wednesday_noon, sunday_nine) == 4 * 3600
    assert schedule.add_business_seconds(unit, wednesday_noon, 4 * 3600) == sunday_nine
    # using up a span exactly ends at the span's end, not the next morning
    assert schedule.add_business_seconds(unit, wednesday_noon, 9000) == at(1405, 9, 4, 14, 30)
    assert schedule.add_business_seconds(unit, wednesday_noon, 9001) == at(1405, 9, 8, 7, 30, 1)
    assert schedule.add_business_seconds(unit, wednesday_noon, 0) == wednesday_noon
    # from outside hours the clock starts at the next opening
    assert schedule.add_business_seconds(unit, at(1405, 9, 4, 20), 60) == at(1405, 9, 8, 7, 31)
    assert schedule.business_seconds_between(unit, sunday_nine, wednesday_noon) == 0
    assert schedule.business_seconds_between(unit, at(1405, 9, 5, 8), at(1405, 9, 7, 23)) == 0
    # a full working week is five days of seven hours
    assert schedule.business_seconds_between(unit, at(1405, 9, 8, 0), at(1405, 9, 15, 0)) == 5 * 7 * 3600
    # the two agree with each other over many amounts
    for seconds in (1, 59, 3600, 7 * 3600, 7 * 3600 + 1, 40 * 3600, 100 * 3600):
        end = schedule.add_business_seconds(unit, wednesday_noon, seconds)
        assert schedule.business_seconds_between(unit, wednesday_noon, end) == seconds
    with pytest.raises(ValueError):
        schedule.add_business_seconds(unit, wednesday_noon, -1)


def test_a_long_deadline_loads_holidays_beyond_the_first_window(make_unit):
    unit = make_unit()
    start = at(1405, 9, 8, 7, 30)
    plain = schedule.add_business_seconds(unit, start, 400 * 3600)
    assert plain - start > dt.timedelta(days=schedule.SEARCH_DAYS + 10)
    services.holiday_save(date=jalali.local(plain).date(), name="تعطیل دور")
    later = schedule.add_business_seconds(unit, start, 400 * 3600)
    assert later == plain + dt.timedelta(days=1)  # the next workday, same office time
    assert schedule.business_seconds_between(unit, start, later) == 400 * 3600


def test_calls_use_a_few_queries(make_unit, django_assert_max_num_queries):
    parent = make_unit("معاونت")
    unit = make_unit("اداره", parent=parent)
    services.holiday_save(date=jalali.jalali_date(1405, 9, 7), name="تعطیل رسمی")
    with django_assert_max_num_queries(3):
        schedule.unit_state(unit, at(1405, 9, 4, 15))
    with django_assert_max_num_queries(3):
        schedule.is_open(unit, at(1405, 9, 4, 15))
    with django_assert_max_num_queries(3):
        schedule.business_seconds_between(unit, at(1405, 1, 1, 0), at(1405, 12, 29, 0))
    with django_assert_max_num_queries(1):
        schedule.rostered_officials(unit, at(1405, 9, 4, 10))


def test_the_roster_with_a_substitute(unit, other_unit, make_official):
    rezaei = make_official("rezaei", [unit], name="زهرا رضایی")
    karimi = make_official("karimi", [unit], name="علی کریمی")
    moradi = make_official("moradi", [unit], name="فاطمه مرادی")
    outsider = make_official("ahmadi", [other_unit], name="مریم احمدی")
    day = jalali.jalali_date(1405, 9, 2)
    morning = services.duty_shift_save(unit=unit, date=day, start=T(7, 30), end=T(11), official=rezaei, substitute=karimi)
    services.duty_shift_save(unit=unit, date=day, start=T(10), end=T(14, 30), official=karimi, substitute=moradi, note="  پاسخ‌گوی تلفن  ")
    services.duty_shift_save(unit=other_unit, date=day, start=T(7, 30), end=T(14, 30), official=outsider)

    with clock.frozen_at(at(1405, 9, 2, 8)):
        assert schedule.rostered_officials(unit, clock.now()) == [rezaei]
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 10, 30)) == [rezaei, karimi]
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 11)) == [karimi]
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 14, 30)) == []
    assert schedule.rostered_officials(unit, at(1405, 9, 3, 10)) == []
    shifts = schedule.roster_for_day(unit, day)
    assert [(s.official, s.start) for s in shifts] == [(rezaei, T(7, 30)), (karimi, T(10))]
    assert shifts[1].note == "پاسخ‌گوی تلفن"
    assert schedule.roster_for_day(unit, at(1405, 9, 2, 23)) == shifts  # a moment means its Tehran day

    # the official's account is disabled: the substitute is listed instead, once
    rezaei.user.is_active = False
    rezaei.user.save()
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 8)) == [karimi]
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 10, 30)) == [karimi]
    assert schedule.roster_for_day(unit, day)[0].on_duty == karimi
    # neither active: nobody for that shift
    karimi.user.is_active = False
    karimi.user.save()
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 8)) == []
    assert schedule.rostered_officials(unit, at(1405, 9, 2, 10, 30)) == [moradi]

    # editing a shift keeps it one row
    services.duty_shift_save(shift=morning, unit=unit, date=day, start=T(7, 30), end=T(9), official=rezaei, substitute=moradi)
    assert DutyShift.objects.filter(unit=unit).count() == 2


@pytest.mark.parametrize(
    "change, code",
    [
        ({"official": "outsider"}, "official_not_in_unit"),
        ({"substitute": "outsider"}, "substitute_not_in_unit"),
        ({"substitute": "rezaei"}, "substitute_is_official"),
        ({"start": T(12), "end": T(9)}, "end_before_start"),
        ({"start": T(13), "end": T(15)}, "overlapping_shift"),
    ],
)
def test_bad_shifts_are_refused(unit, other_unit, make_official, change, code):
    people = {
        "rezaei": make_official("rezaei", [unit]),
        "karimi": make_official("karimi", [unit]),
        "outsider": make_official("outsider", [other_unit]),
    }
    day = jalali.jalali_date(1405, 9, 2)
    services.duty_shift_save(unit=unit, date=day, start=T(12), end=T(14), official=people["rezaei"])
    values = {"unit": unit, "date": day, "start": T(7, 30), "end": T(11), "official": people["rezaei"], "substitute": people["karimi"]}
    values.update({k: people[v] if isinstance(v, str) else v for k, v in change.items()})
    with pytest.raises(ValidationError) as caught:
        services.duty_shift_save(**values)
    assert caught.value.code == code and caught.value.message
    assert DutyShift.objects.count() == 1


# --- seeding the official holidays -------------------------------------------------------------


def _row(y, m, d):
    return Holiday.objects.get(unit=None, date=jalali.jalali_date(y, m, d))


def test_seed_holidays_is_idempotent_and_marks_lunar_dates_estimated(capsys):
    call_command("seed_holidays", "1405")
    count = Holiday.objects.count()
    assert count > 20
    assert Holiday.objects.filter(source=Holiday.Source.PACKAGE, kind=Holiday.Kind.OFFICIAL, unit=None).count() == count
    bahman = _row(1405, 11, 22)
    assert bahman.name == "پیروزی انقلاب اسلامی" and not bahman.is_estimated
    for solar in [(1405, 1, 1), (1405, 1, 2), (1405, 1, 3), (1405, 1, 4), (1405, 1, 12), (1405, 1, 13), (1405, 3, 14), (1405, 3, 15), (1405, 12, 29)]:
        assert not _row(*solar).is_estimated
    assert _row(1405, 3, 15).name == "قیام ۱۵ خرداد"  # digits in Persian
    tasua = Holiday.objects.get(name="تاسوعای حسینی")
    assert tasua.is_estimated and jalali.format_date(tasua.date).startswith("۱۴۰۵/")
    assert Holiday.objects.filter(is_estimated=True).count() >= 10
    # all inside Jalali 1405
    assert min(Holiday.objects.values_list("date", flat=True)) >= jalali.jalali_date(1405, 1, 1)
    assert max(Holiday.objects.values_list("date", flat=True)) <= jalali.jalali_date(1405, 12, 29)
    before = list(Holiday.objects.order_by("pk").values_list("pk", "date", "name", "is_estimated", "updated_at"))
    capsys.readouterr()
    call_command("seed_holidays", "۱۴۰۵")  # Persian digits too
    assert "۰ ردیف تازه" in capsys.readouterr().out
    assert list(Holiday.objects.order_by("pk").values_list("pk", "date", "name", "is_estimated", "updated_at")) == before


def test_seed_holidays_never_overwrites_staff_edits():
    services.holidays_seed(jalali_years=[1405])
    count = Holiday.objects.count()
    tasua = Holiday.objects.get(name="تاسوعای حسینی")
    seeded_day = tasua.date
    # staff move the lunar estimate a day (Ashura follows it, so earlier), confirm it and rename it
    corrected = seeded_day - dt.timedelta(days=1)
    assert not Holiday.objects.filter(date=corrected).exists()
    moved = services.holiday_save(holiday=tasua, date=corrected, name="تاسوعا (اعلام رسمی)", is_estimated=False)
    assert moved.source == Holiday.Source.STAFF
    # staff also add their own day and a package row goes stale (the package moved an estimate)
    own = services.holiday_save(date=jalali.jalali_date(1405, 9, 2), name="روز دانشگاه")
    stale = Holiday.objects.create(
        date=jalali.jalali_date(1405, 9, 3), name="برآورد قدیمی", source=Holiday.Source.PACKAGE, seeded_date=jalali.jalali_date(1405, 9, 3), is_estimated=True
    )
    counts = services.holidays_seed(jalali_years=[1405])
    assert counts["created"] == 0 and counts["removed"] == 1 and counts["kept_staff"] == 1
    moved.refresh_from_db()
    assert (moved.name, moved.is_estimated, moved.source) == ("تاسوعا (اعلام رسمی)", False, Holiday.Source.STAFF)
    assert not Holiday.objects.filter(date=seeded_day).exists()  # not recreated on the package's day
    assert Holiday.objects.filter(pk=own.pk, name="روز دانشگاه").exists()
    assert not Holiday.objects.filter(pk=stale.pk).exists()
    assert Holiday.objects.count() == count + 1


def test_seed_holidays_handles_leap_year_30_esfand():
    services.holidays_seed(jalali_years=[1403, 1404])
    last_of_1403 = _row(1403, 12, 30)  # 1403 is a leap year
    assert last_of_1403.date == dt.date(2025, 3, 20) and not last_of_1403.is_estimated
    assert _row(1403, 12, 29).name == "روز ملی شدن صنعت نفت ایران"
    assert _row(1404, 12, 29).date == dt.date(2026, 3, 20)  # 1404 has no 30 Esfand
    assert _row(1404, 1, 1).date == dt.date(2025, 3, 21)


def test_seed_holidays_defaults_to_this_and_next_jalali_year():
    with clock.frozen_at(at(1405, 9, 1, 10)):
        call_command("seed_holidays")
    assert Holiday.objects.filter(date=jalali.jalali_date(1405, 11, 22)).exists()
    assert Holiday.objects.filter(date=jalali.jalali_date(1406, 1, 1)).exists()
    assert not Holiday.objects.filter(date__lt=jalali.jalali_date(1405, 1, 1)).exists()
    assert not Holiday.objects.filter(date__gte=jalali.jalali_date(1407, 1, 1)).exists()


def test_seeded_holidays_close_the_units(make_unit):
    unit = make_unit()
    services.holidays_seed(jalali_years=[1404, 1405])
    state = schedule.unit_state(unit, at(1404, 11, 22, 10))  # a Wednesday
    assert state.reason == "holiday" and state.holiday_name == "پیروزی انقلاب اسلامی"
    # from 29 Esfand 1404 (a Friday) through Nowruz: holidays and weekends until 5 Farvardin
    nowruz = schedule.unit_state(unit, at(1405, 1, 1, 10))
    assert nowruz.reason == "holiday" and nowruz.holiday_name.startswith("جشن نوروز")
    assert nowruz.next_opening == at(1405, 1, 5, 7, 30)


def test_a_round_the_clock_unit_is_open_at_night_on_fridays_and_holidays(make_unit):
    from chatdesk.core import jalali as j

    unit = make_unit("فوریت‌ها", code="emergency", always_open=True)
    friday_night = j.local_datetime(j.jalali_date(1405, 9, 6), dt.time(23, 30))  # a Friday
    assert j.jalali_weekday(friday_night.date()) == 6
    Holiday.objects.create(date=j.jalali_date(1405, 11, 22), name="پیروزی انقلاب اسلامی", kind="official")
    holiday_noon = j.local_datetime(j.jalali_date(1405, 11, 22), dt.time(12, 0))
    for moment in (friday_night, holiday_noon):
        assert schedule.is_open(unit, moment)
        assert schedule.unit_state(unit, moment).open
    assert schedule.business_seconds_between(unit, friday_night, friday_night + dt.timedelta(hours=2)) == 7200
    assert schedule.add_business_seconds(unit, friday_night, 600) == friday_night + dt.timedelta(minutes=10)
    unit.always_open = False
    assert not schedule.is_open(unit, friday_night)


def test_who_of_a_shift_answers_now(unit, make_official, django_assert_max_num_queries):
    """schedule.duty_at: the official if on duty («آماده پاسخ‌گویی»), else the substitute if on
    duty, else nobody (an uncovered shift); duty_of_official_at: a substitute is rostered only
    while the official is not on duty."""
    rezaei = make_official("rezaei", [unit], name="زهرا رضایی", status="offline")
    karimi = make_official("karimi", [unit], name="علی کریمی", status="offline")
    day = jalali.jalali_date(1405, 9, 2)
    services.duty_shift_save(unit=unit, date=day, start=T(7, 30), end=T(14, 30), official=rezaei, substitute=karimi)
    ten = at(1405, 9, 2, 10)

    def duty():
        with django_assert_max_num_queries(1):
            (only,) = schedule.duty_at([unit.pk], ten)[unit.pk]
        return only

    d = duty()
    assert (d.answering, d.expected, d.uncovered, d.span_display) == (None, rezaei, True, "۰۷:۳۰ تا ۱۴:۳۰")
    assert [x.shift.official for x in schedule.duty_of_official_at(karimi, ten)] == [rezaei]  # substitutes the absent official
    services.official_set_status(official=karimi, status="available")
    assert (duty().answering, duty().uncovered) == (karimi, False)
    services.official_set_status(official=rezaei, status="available")
    assert duty().answering == rezaei
    assert schedule.duty_of_official_at(karimi, ten) == []  # the official is here: the substitute is not rostered
    assert len(schedule.duty_of_official_at(rezaei, ten)) == 1
    assert schedule.duty_at([unit.pk], at(1405, 9, 2, 15)) == {}  # after the shift
