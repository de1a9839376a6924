"""The admin for units, holidays and the duty roster: Jalali dates in, Jalali dates out."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from chatdesk.core import clock, jalali
from chatdesk.directory import schedule, services
from chatdesk.directory.admin import HolidayForm
from chatdesk.directory.forms import DATE_ERROR, JalaliDateField
from chatdesk.directory.models import DutyShift, Holiday, OfficeHours, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", password="boss-pass-1405")
    client.force_login(user)
    return client


@pytest.mark.parametrize("text", ["۱۴۰۵/۰۹/۰۱", "1405/09/01", "١٤٠٥/٠٩/٠١", "1405/9/1", " ۱۴۰۵-۰۹-۰۱ "])
def test_jalali_date_field_accepts_persian_and_latin_digits(text):
    assert JalaliDateField().clean(text) == dt.date(2026, 11, 22)


@pytest.mark.parametrize("text", ["1405/13/01", "۱۴۰۵/۱۲/۳۰", "1405/07/31", "۲۲ بهمن", "2026-11-22x", "1405/09"])
def test_jalali_date_field_refuses_bad_dates_in_persian(text):
    with pytest.raises(Exception) as caught:
        JalaliDateField().clean(text)
    assert caught.value.messages == [DATE_ERROR]


def test_leap_year_30_esfand_is_a_date():
    assert JalaliDateField().clean("۱۴۰۳/۱۲/۳۰") == dt.date(2025, 3, 20)


def test_holiday_form_accepts_persian_digits_and_rejects_a_bad_date():
    form = HolidayForm(data={"date": "۱۴۰۵/۱۱/۲۲", "name": "پیروزی انقلاب اسلامی", "kind": "official"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == jalali.jalali_date(1405, 11, 22)
    bad = HolidayForm(data={"date": "۱۴۰۵/۱۱/۳۲", "name": "روز", "kind": "official"})
    assert not bad.is_valid()
    assert bad.errors["date"] == [DATE_ERROR]
    partial = HolidayForm(data={"date": "1405/09/02", "name": "رسمی نیمه‌روز", "kind": "official", "start": "10:00", "end": "12:00"})
    assert not partial.is_valid() and "فقط تعطیلی موردی" in partial.errors["start"][0]


def test_holiday_widget_is_the_jalali_picker():
    form = HolidayForm(instance=Holiday(date=dt.date(2027, 2, 11), name="x"))
    html = str(form["date"])
    assert "data-jdp" in html and 'value="۱۴۰۵/۱۱/۲۲"' in html
    media = str(form.media)
    assert "vendor/jalalidatepicker/jalalidatepicker.min.js" in media and "js/admin-jalali.js" in media
    assert "vendor/jalalidatepicker/jalalidatepicker.min.css" in media


def test_holiday_changelist_shows_jalali_dates(admin_client, unit):
    services.holidays_seed(jalali_years=[1405])
    services.closure_add(date=jalali.jalali_date(1405, 9, 2), name="قطع برق", unit=unit, start=dt.time(10), end=dt.time(12))
    page = admin_client.get("/admin/directory/holiday/").content.decode()
    assert "پنجشنبه ۲۲ بهمن ۱۴۰۵" in page and "پیروزی انقلاب اسلامی" in page
    assert "دوشنبه ۲ آذر ۱۴۰۵" in page and "۱۰:۰۰ تا ۱۲:۰۰" in page and "همه سازمان" in page
    filtered = admin_client.get("/admin/directory/holiday/?is_estimated__exact=1&kind__exact=official").content.decode()
    assert "تاسوعای حسینی" in filtered and "پیروزی انقلاب اسلامی" not in filtered
    year = admin_client.get("/admin/directory/holiday/?jalali_year=1405").content.decode()
    assert "۱۴۰۵" in year and "پیروزی انقلاب اسلامی" in year


def test_holiday_added_in_the_admin_with_persian_digits(admin_client, unit):
    page = admin_client.get("/admin/directory/holiday/add/").content.decode()
    assert "data-jdp" in page and "admin-jalali.js" in page
    response = admin_client.post(
        "/admin/directory/holiday/add/",
        {"date": "۱۴۰۵/۰۹/۰۲", "name": " آلودگی هوا ", "kind": "closure", "unit": unit.pk, "start": "", "end": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Holiday.objects.get()
    assert (row.date, row.name, row.kind, row.unit, row.source) == (jalali.jalali_date(1405, 9, 2), "آلودگی هوا", "closure", unit, "staff")
    # it closes the unit at once
    assert schedule.unit_state(unit, jalali.local_datetime(row.date, dt.time(10))).reason == "closure"


def test_bad_holiday_in_the_admin_changes_nothing(admin_client):
    response = admin_client.post("/admin/directory/holiday/add/", {"date": "۱۴۰۵/۱۳/۰۱", "name": "روز", "kind": "official"})
    assert response.status_code == 200
    assert DATE_ERROR in response.content.decode()
    services.holiday_save(date=jalali.jalali_date(1405, 9, 2), name="روز اول")
    response = admin_client.post("/admin/directory/holiday/add/", {"date": "1405/09/02", "name": "روز دوم", "kind": "official"})
    assert response.status_code == 200 and "قبلاً «روز اول» ثبت شده است" in response.content.decode()
    assert Holiday.objects.count() == 1


def test_editing_a_seeded_holiday_makes_it_staff_owned(admin_client):
    services.holidays_seed(jalali_years=[1405])
    tasua = Holiday.objects.get(name="تاسوعای حسینی")
    page = admin_client.get(f"/admin/directory/holiday/{tasua.pk}/change/").content.decode()
    assert f'value="{jalali.format_date(tasua.date)}"' in page  # Persian digits (the field accepts either)
    corrected = tasua.date - dt.timedelta(days=1)
    response = admin_client.post(
        f"/admin/directory/holiday/{tasua.pk}/change/",
        {"date": jalali.format_date(corrected), "name": "تاسوعای حسینی", "kind": "official", "is_estimated": ""},
    )
    assert response.status_code == 302
    tasua.refresh_from_db()
    assert (tasua.date, tasua.is_estimated, tasua.source) == (corrected, False, "staff")
    counts = services.holidays_seed(jalali_years=[1405])
    assert counts["created"] == 0 and counts["kept_staff"] == 1
    tasua.refresh_from_db()
    assert tasua.date == corrected


def test_duty_shift_admin(admin_client, unit, make_official):
    rezaei = make_official("rezaei", [unit], name="زهرا رضایی")
    karimi = make_official("karimi", [unit], name="علی کریمی")
    form = {"unit": unit.pk, "date": "۱۴۰۵/۰۹/۰۲", "start": "07:30", "end": "14:30", "official": rezaei.pk, "substitute": rezaei.pk, "note": ""}
    response = admin_client.post("/admin/directory/dutyshift/add/", form)
    assert response.status_code == 200 and "جانشین باید کسی غیر از خود کشیک باشد" in response.content.decode()
    response = admin_client.post("/admin/directory/dutyshift/add/", {**form, "date": "1405/9/41"})
    assert response.status_code == 200 and DATE_ERROR in response.content.decode()
    assert not DutyShift.objects.exists()
    response = admin_client.post("/admin/directory/dutyshift/add/", {**form, "substitute": karimi.pk})
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    assert (shift.date, shift.official, shift.substitute) == (jalali.jalali_date(1405, 9, 2), rezaei, karimi)
    page = admin_client.get("/admin/directory/dutyshift/").content.decode()
    assert "دوشنبه ۲ آذر ۱۴۰۵" in page and "۰۷:۳۰ تا ۱۴:۳۰" in page and "زهرا رضایی" in page


def _unit_form(unit, hours, **fields):
    data = {
        "name": unit.name, "code": unit.code, "kind": unit.kind, "parent": "", "manager": "", "description": "", "phone": "",
        "email": "", "menu_order": "0", "show_in_menu": "on", "chat_enabled": "on", "is_active": "on", "routing": "manual",
        "escalate_after_seconds": "180", "weekend": unit.weekend,
        "chat_greeting": "", "chat_waiting_message": "", "chat_waiting_after_minutes": "2",
        "office_hours-TOTAL_FORMS": str(len(hours)), "office_hours-INITIAL_FORMS": "0",
        "office_hours-MIN_NUM_FORMS": "0", "office_hours-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, start, end) in enumerate(hours):
        data.update({f"office_hours-{i}-weekday": str(weekday), f"office_hours-{i}-start": start, f"office_hours-{i}-end": end})
    data.update(fields)
    return data


def test_unit_admin_office_hours_inline(admin_client, unit):
    url = f"/admin/directory/unit/{unit.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "ساعت اداری پیش‌فرض" in page
    response = admin_client.post(url, _unit_form(unit, [(0, "08:00", "12:00"), (0, "11:00", "13:00")]))
    assert response.status_code == 200 and "هم‌پوشانی" in response.content.decode()
    response = admin_client.post(url, _unit_form(unit, [(5, "08:00", "12:00")]))  # Thursday is the weekend
    assert response.status_code == 200 and "تعطیل آخر هفته" in response.content.decode()
    assert not OfficeHours.objects.exists()
    # Friday-only weekend: Thursday hours are fine
    response = admin_client.post(url, _unit_form(unit, [(0, "08:00", "12:00"), (5, "08:00", "12:00")], weekend="fri", escalate_after_seconds="300"))
    assert response.status_code == 302, response.content.decode()[:3000]
    unit.refresh_from_db()
    assert unit.weekend == "fri" and unit.escalate_after_seconds == 300
    assert list(OfficeHours.objects.filter(unit=unit).values_list("weekday", "start", "end")) == [
        (0, dt.time(8), dt.time(12)), (5, dt.time(8), dt.time(12))
    ]


def test_unit_changelist_shows_the_state_now(admin_client, make_unit):
    make_unit("واحد نمونه", code="sample")
    with clock.frozen_at(jalali.local_datetime(jalali.jalali_date(1405, 9, 4), dt.time(18))):
        page = admin_client.get("/admin/directory/unit/").content.decode()
    assert "بسته (خارج از ساعت کاری)" in page and "بازگشایی: شنبه ۷ آذر ۰۷:۳۰" in page
    assert Unit.objects.count() == 1
