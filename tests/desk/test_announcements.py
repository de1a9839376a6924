"""Announcements of outages and planned maintenance: shown from their Jalali ``show_from`` (48 hours
ahead for planned work), in effect from the start, gone at the end; on the home page, in the
widget's unit state, and as a badge in the catalogue."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from chatdesk.core import clock, jalali
from chatdesk.core.errors import ValidationError
from chatdesk.desk import announcements, catalogue
from chatdesk.desk.admin import AnnouncementForm
from chatdesk.desk.models import Announcement

pytestmark = pytest.mark.django_db

# Tuesday 3 Azar 1405, 22:00 to Wednesday 4 Azar 1405, 02:00 (Tehran): night maintenance.
START = jalali.local_datetime(jalali.jalali_date(1405, 9, 3), dt.time(22, 0))
END = jalali.local_datetime(jalali.jalali_date(1405, 9, 4), dt.time(2, 0))
SHOW = jalali.local_datetime(jalali.jalali_date(1405, 9, 1), dt.time(22, 0))  # 48 hours ahead
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def service(unit):
    return catalogue.service_save(identifier="10040311001", name="ثبت‌نام آموزش مداوم", slug="cme", unit=unit)


def maintenance(**fields):
    fields.setdefault("title", "به‌روزرسانی سامانه")
    fields.setdefault("kind", Announcement.Kind.MAINTENANCE)
    fields.setdefault("starts_at", START)
    fields.setdefault("ends_at", END)
    return announcements.announcement_save(**fields)


def visible_ids(at):
    return [a["id"] for a in announcements.banners(at)]


# --- writes -------------------------------------------------------------------------------------


def test_planned_maintenance_is_shown_48_hours_ahead_by_default_and_an_outage_from_its_start():
    planned = maintenance()
    assert planned.show_from == SHOW
    outage = maintenance(kind=Announcement.Kind.OUTAGE, title="قطعی")
    assert outage.show_from == START
    chosen = maintenance(show_from=START - dt.timedelta(days=7), title="هفته پیش")
    assert chosen.show_from == START - dt.timedelta(days=7)


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": "  "}, "title"),
        ({"ends_at": START}, "ends_at"),
        ({"ends_at": START - dt.timedelta(hours=1)}, "ends_at"),
        ({"show_from": START + SECOND}, "show_from"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_announcements_are_refused_in_persian_and_change_nothing(fields, field):
    with pytest.raises(ValidationError) as caught:
        maintenance(**fields)
    assert caught.value.field == field and caught.value.message
    assert not Announcement.objects.exists()


# --- Jalali times -------------------------------------------------------------------------------


def test_appears_at_show_from_takes_effect_at_start_and_disappears_at_end():
    a = maintenance()
    assert visible_ids(SHOW - SECOND) == []
    assert visible_ids(SHOW) == [a.pk]
    [before] = announcements.banners(START - SECOND)
    assert before["in_effect"] is False
    [during] = announcements.banners(START)
    assert during["in_effect"] is True
    assert visible_ids(END - SECOND) == [a.pk]
    assert visible_ids(END) == []


def test_open_ended_outage_stays_until_it_is_given_an_end():
    a = maintenance(kind=Announcement.Kind.OUTAGE, ends_at=None)
    assert visible_ids(START + dt.timedelta(days=30)) == [a.pk]
    assert "تا اطلاع ثانوی" in announcements.banners(START)[0]["period_display"]
    maintenance(announcement=a, kind=Announcement.Kind.OUTAGE, ends_at=START + dt.timedelta(hours=3))
    assert visible_ids(START + dt.timedelta(hours=3)) == []


def test_unpublished_is_never_shown():
    maintenance(is_published=False)
    assert visible_ids(START) == []


def test_period_is_jalali_with_persian_digits():
    a = maintenance()
    assert announcements.period_display(a) == "از سه‌شنبه ۳ آذر ۱۴۰۵ ساعت ۲۲:۰۰ تا چهارشنبه ۴ آذر ۱۴۰۵ ساعت ۰۲:۰۰"
    same_day = maintenance(title="کوتاه", ends_at=START + dt.timedelta(minutes=90))
    assert announcements.period_display(same_day) == "سه‌شنبه ۳ آذر ۱۴۰۵ از ساعت ۲۲:۰۰ تا ۲۳:۳۰"


def test_home_page_banner_appears_and_expires_on_its_jalali_times(client):
    maintenance(body="ثبت‌نام ممکن نیست.")
    with clock.frozen_at(SHOW - SECOND):
        assert "به‌روزرسانی سامانه" not in client.get("/").content.decode()
    with clock.frozen_at(SHOW + dt.timedelta(hours=1)):
        html = client.get("/").content.decode()
    assert "به‌روزرسانی سامانه" in html and "اطلاع‌رسانی پیشاپیش" in html
    assert "از سه‌شنبه ۳ آذر ۱۴۰۵ ساعت ۲۲:۰۰" in html and "ثبت‌نام ممکن نیست." in html
    with clock.frozen_at(START + SECOND):
        html = client.get("/").content.decode()
    assert "به‌روزرسانی سامانه" in html and "اطلاع‌رسانی پیشاپیش" not in html
    with clock.frozen_at(END):
        assert "به‌روزرسانی سامانه" not in client.get("/").content.decode()


def test_banner_is_on_the_catalogue_and_directory_too(client):
    maintenance()
    with clock.frozen_at(START):
        for path in ("/services/", "/directory/"):
            assert "به‌روزرسانی سامانه" in client.get(path).content.decode(), path


# --- who is concerned ---------------------------------------------------------------------------


def titles_for(unit, at=START):
    return sorted(a["title"] for a in announcements.announcements_for_unit(unit, at))


def test_unit_concerns(unit, other_unit, make_unit, service):
    child = make_unit("بیمارستان", parent=unit)
    maintenance(title="همه")
    maintenance(title="درمان", units=[unit])
    maintenance(title="خدمت", services=[service])
    maintenance(title="روابط", units=[other_unit])
    assert titles_for(unit) == ["خدمت", "درمان", "همه"]
    assert titles_for(child) == ["درمان", "همه"]  # a unit's notice covers the units under it
    assert titles_for(other_unit) == ["روابط", "همه"]


def test_service_notices_mark_maintenance_in_effect_and_ahead(unit, other_unit, service):
    other = catalogue.service_save(identifier="10040111001", name="شکایات", slug="c", unit=other_unit)
    a = maintenance(services=[service])
    maintenance(title="خبر", kind=Announcement.Kind.INFO, units=[other_unit])  # news marks nothing
    ahead = announcements.service_notices([service, other], SHOW)
    assert set(ahead) == {service.pk}
    assert (ahead[service.pk].in_effect, ahead[service.pk].badge) == (False, "تعمیرات برنامه‌ریزی‌شده")
    now = announcements.service_notices([service, other], START)
    assert now[service.pk].badge == "در حال تعمیر و نگهداری" and now[service.pk].announcement_id == a.pk
    assert announcements.services_under_maintenance([service, other], START) == {service.pk}
    assert announcements.services_under_maintenance([service, other], SHOW) == set()
    assert announcements.service_notices([service, other], END) == {}


def test_a_unit_outage_marks_its_services(unit, service):
    maintenance(kind=Announcement.Kind.OUTAGE, title="قطعی سامانه درمان", units=[unit])
    notice = announcements.service_notices([service], START)[service.pk]
    assert notice.badge == "اختلال در ارائه خدمت"


def test_catalogue_list_and_page_show_the_badge(client, service):
    maintenance(services=[service])
    with clock.frozen_at(SHOW + SECOND):
        assert "تعمیرات برنامه‌ریزی‌شده" in client.get("/services/").content.decode()
    with clock.frozen_at(START + SECOND):
        listing = client.get("/services/").content.decode()
        page = client.get("/services/10040311001/").content.decode()
    assert 'data-role="maintenance-badge"' in listing and "در حال تعمیر و نگهداری" in listing
    assert 'data-role="service-notice"' in page and "در حال تعمیر و نگهداری" in page
    with clock.frozen_at(END):
        assert 'data-role="maintenance-badge"' not in client.get("/services/").content.decode()


# --- the widget's unit state --------------------------------------------------------------------


def test_unit_state_carries_the_announcements_of_the_unit_and_its_services(client, unit, other_unit, service, make_official):
    make_official("a", [unit])
    a = maintenance(services=[service], body="ثبت‌نام ممکن نیست.")
    with clock.frozen_at(SHOW + SECOND):
        info = client.get(f"/api/units/{unit.pk}/state/").json()
        other = client.get(f"/api/units/{other_unit.pk}/state/").json()
    [notice] = info["announcements"]
    assert notice == {
        "id": a.pk, "kind": "maintenance", "kind_display": "تعمیر و نگهداری برنامه‌ریزی‌شده", "title": "به‌روزرسانی سامانه",
        "body": "ثبت‌نام ممکن نیست.", "starts_at": START.isoformat(), "ends_at": END.isoformat(), "in_effect": False,
        "period_display": "از سه‌شنبه ۳ آذر ۱۴۰۵ ساعت ۲۲:۰۰ تا چهارشنبه ۴ آذر ۱۴۰۵ ساعت ۰۲:۰۰", "units": [],
        "services": ["ثبت‌نام آموزش مداوم"],
    }
    assert other["announcements"] == []
    with clock.frozen_at(END):
        assert client.get(f"/api/units/{unit.pk}/state/").json()["announcements"] == []


# --- admin --------------------------------------------------------------------------------------


def test_admin_form_takes_jalali_date_and_time_and_defaults_the_notice(unit):
    form = AnnouncementForm(data={
        "title": "به‌روزرسانی", "kind": "maintenance", "body": "",
        "starts_at_0": "۱۴۰۵/۰۹/۰۳", "starts_at_1": "۲۲:۰۰", "ends_at_0": "1405/09/04", "ends_at_1": "02:00",
        "show_from_0": "", "show_from_1": "", "units": [unit.pk], "is_published": "on",
    })
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["starts_at"], form.cleaned_data["ends_at"]) == (START, END)
    assert form.cleaned_data["show_from"] == SHOW
    bad = AnnouncementForm(data={
        "title": "x", "kind": "outage", "starts_at_0": "1405/09/03", "starts_at_1": "22:00", "ends_at_0": "1405/09/03",
        "ends_at_1": "21:00", "is_published": "on",
    })
    assert not bad.is_valid() and "بعد از زمان شروع" in bad.errors["ends_at"][0]
    half = AnnouncementForm(data={"title": "x", "kind": "outage", "starts_at_0": "1405/09/03", "starts_at_1": ""})
    assert not half.is_valid() and "هر دو" in half.errors["starts_at"][0]


def test_admin_saves_through_the_service_and_shows_jalali(client, unit):
    client.force_login(get_user_model().objects.create_superuser("boss", password="boss-pass-1405"))
    response = client.post("/admin/desk/announcement/add/", {
        "title": "قطعی برق ساختمان", "kind": "outage", "body": "", "starts_at_0": "۱۴۰۵/۰۹/۰۳", "starts_at_1": "۲۲:۰۰",
        "ends_at_0": "", "ends_at_1": "", "show_from_0": "", "show_from_1": "", "units": [unit.pk], "is_published": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    a = Announcement.objects.get()
    assert (a.starts_at, a.ends_at, a.show_from, list(a.units.all())) == (START, None, START, [unit])
    with clock.frozen_at(START):
        listing = client.get("/admin/desk/announcement/").content.decode()
    assert "تا اطلاع ثانوی" in listing and "در جریان" in listing
    page = client.get(f"/admin/desk/announcement/{a.pk}/change/").content.decode()
    assert 'value="۱۴۰۵/۰۹/۰۳"' in page and 'value="۲۲:۰۰"' in page  # Persian digits; either kind is accepted back
