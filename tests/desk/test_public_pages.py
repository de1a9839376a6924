"""The public site's journeys by link (issue #16): the header reaches every form, the
announcements page lists current and past notices in Jalali dates with Persian digits, a
service whose online form is the complaint form leads there, and each form's success page leads
to the tracking of what was filed."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.core import clock, jalali
from chatdesk.desk import announcements, catalogue
from chatdesk.desk.models import Announcement, Service

pytestmark = pytest.mark.django_db

NOW = jalali.local_datetime(jalali.jalali_date(1405, 9, 10), dt.time(12, 0))  # 10 Azar 1405, noon
LATIN_DIGIT = re.compile(r"[0-9]")


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    yield
    cache.clear()


def visible_text(html):
    """The page's text without tags, attributes, scripts or styles (machine values live there)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("url", ["/", "/services/", "/directory/", "/track/", "/announcements/", "/contact/", "/complaints/new/", "/meetings/new/"])
def test_every_public_page_links_to_every_journey(url, unit):
    page = Client().get(url).content.decode()
    for href in ("/services/", "/complaints/new/", "/meetings/new/", "/contact/", "/announcements/", "/track/", "/directory/"):
        assert f'href="{href}"' in page, (url, href)


def test_announcements_page_lists_current_and_past_in_jalali_with_persian_digits(unit):
    def at(day, hour):
        return jalali.local_datetime(jalali.jalali_date(1405, 9, day), dt.time(hour, 0))

    past = announcements.announcement_save(title="قطعی سامانه نوبت‌دهی", kind=Announcement.Kind.OUTAGE, starts_at=at(2, 9), ends_at=at(2, 11))
    older = announcements.announcement_save(title="تعمیرات شبکه", starts_at=at(1, 22), ends_at=at(1, 23))
    current = announcements.announcement_save(title="به‌روزرسانی پایگاه داده", starts_at=at(10, 11), ends_at=at(10, 15), units=[unit])
    ahead = announcements.announcement_save(title="تعمیرات برنامه‌ریزی‌شده سرور", starts_at=at(11, 22), ends_at=at(12, 2))
    hidden = announcements.announcement_save(title="پیش‌نویس منتشرنشده", starts_at=at(3, 9), ends_at=at(3, 10), is_published=False)
    with clock.frozen_at(NOW):
        response = Client().get("/announcements/")
    assert response.status_code == 200
    page = response.content.decode()
    current_part, past_part = page.split('data-role="past-announcements"')
    assert f'id="announcement-{current.pk}"' in current_part and f'id="announcement-{ahead.pk}"' in current_part
    assert f'id="announcement-{past.pk}"' in past_part and f'id="announcement-{older.pk}"' in past_part
    assert past_part.index(f"announcement-{past.pk}") < past_part.index(f"announcement-{older.pk}")  # latest ended first
    assert hidden.title not in page
    assert "۲ آذر ۱۴۰۵" in past_part
    assert "۱۰ آذر ۱۴۰۵" in current_part
    assert "اکنون:" in current_part and "پیش رو:" in current_part
    assert "پایان‌یافته:" in past_part and unit.name in current_part
    assert not LATIN_DIGIT.search(visible_text(page)), LATIN_DIGIT.search(visible_text(page))
    # the banners on every other page lead here
    with clock.frozen_at(NOW):
        home = Client().get("/").content.decode()
    assert f'href="/announcements/#announcement-{current.pk}"' in home


def test_the_announcements_page_with_nothing_announced(db):
    with clock.frozen_at(NOW):
        page = Client().get("/announcements/").content.decode()
    assert 'data-role="no-current"' in page and 'data-role="no-past"' in page


def test_the_complaints_service_leads_to_the_complaint_form(unit):
    service = catalogue.service_save(identifier="10040111001", name="رسیدگی به شکایات و درخواست‌های مردمی", slug="complaints",
                                     unit=unit, online_form=Service.OnlineForm.COMPLAINT)
    page = Client().get(f"/services/{service.identifier}/").content.decode()
    assert re.search(r'href="/complaints/new/"[^>]*data-role="request-online">ثبت شکایت آنلاین<', page)
    response = Client().get(f"/requests/new/?service={service.identifier}")
    assert response.status_code == 302 and response["Location"] == "/complaints/new/"
    other = catalogue.service_save(identifier="10040211001", name="توزیع پزشکان", slug="specialists", unit=unit)
    page = Client().get(f"/services/{other.identifier}/").content.decode()
    assert 'href="/requests/new/?service=10040211001" data-role="request-online"' in page
    assert f'href="/complaints/new/?unit={unit.pk}"' in page  # «شکایت از این خدمت»


def test_a_bad_online_form_is_refused(unit):
    from chatdesk.core.errors import ValidationError

    with pytest.raises(ValidationError):
        catalogue.service_save(identifier="10040111009", name="خدمت", slug="x", unit=unit, online_form="elsewhere")
    assert not Service.objects.exists()


def test_the_directory_leads_to_a_meeting_with_each_manager(unit, make_official):
    manager = make_official("manager", [unit], name="دکتر رضا احمدی")
    manager.position = "معاون درمان"
    manager.save()
    clerk = make_official("clerk", [unit], name="کارمند")
    clerk.position = "کارشناس"
    clerk.save()
    unit.manager = manager
    unit.save()
    page = Client().get("/directory/").content.decode()
    assert f'href="/meetings/new/?person={manager.pk}"' in page
    assert f"person={clerk.pk}" not in page
    form = Client().get(f"/meetings/new/?person={manager.pk}").content.decode()
    assert re.search(rf'<option value="{manager.pk}" selected>', form)


def test_the_contact_page_has_a_link_per_group(unit):
    from chatdesk.desk.models_forms import ContactGroup

    groups = [ContactGroup.objects.create(name=name, unit=unit, order=i) for i, name in enumerate(("پرسش‌های عمومی", "پیشنهاد و انتقاد"))]
    page = Client().get("/contact/").content.decode()
    for g in groups:
        assert f'href="/contact/?group={g.pk}"' in page
    chosen = Client().get(f"/contact/?group={groups[1].pk}").content.decode()
    assert re.search(rf'<option value="{groups[1].pk}" selected>', chosen)


def test_the_meeting_days_picker_offers_only_the_days_accepted_and_either_digits_are_taken(unit, make_official):
    from chatdesk.core.persian import to_persian_digits
    from chatdesk.tickets.models import Ticket

    manager = make_official("manager", [unit], name="دکتر رضا احمدی")
    manager.position = "معاون درمان"
    manager.save()
    unit.manager = manager
    unit.save()
    with clock.frozen_at(NOW):  # 10 Azar 1405: tomorrow is 11 Azar, the last day 90 days ahead
        page = Client().get("/meetings/new/").content.decode()
    for n in (1, 2, 3):
        field = re.search(rf'<input[^>]*name="day{n}"[^>]*>', page).group(0)
        assert 'data-jdp-min-date="1405/09/11"' in field and 'data-jdp-max-date="1405/12/10"' in field
    base = {"name": "حمید متقاضی", "mobile": "09121234567", "person": manager.pk, "subject": "طرح نیروی انسانی",
            "body": "درخواست ملاقات", "day_part": "any"}
    for i, (day1, day2) in enumerate((("1405/09/12", to_persian_digits("1405/09/13")), (to_persian_digits("۱۴۰۵/۹/۱۴"), ""))):
        client = Client()
        with clock.frozen_at(NOW):
            response = client.post("/meetings/new/", {**base, "form_id": f"{i}" * 32, "day1": day1, "day2": day2})
        assert response.status_code == 302, response.content.decode()[-3000:]
    assert Ticket.objects.filter(kind="meeting").count() == 2
    with clock.frozen_at(NOW):  # a past day is refused with a Persian message and files nothing
        refused = Client().post("/meetings/new/", {**base, "form_id": "p" * 32, "day1": to_persian_digits("1405/09/09")})
    assert refused.status_code == 400 and "از فردا به بعد" in refused.content.decode()
    assert Ticket.objects.filter(kind="meeting").count() == 2


def test_the_success_page_names_what_was_filed_shows_one_persian_code_and_opens_the_case(unit):
    from chatdesk.desk.models_forms import ContactGroup
    from chatdesk.tickets.models import Ticket

    group = ContactGroup.objects.create(name="پرسش‌های عمومی", unit=unit)
    client = Client()
    response = client.post("/contact/", {"form_id": "f" * 32, "name": "لیلا پرسشگر", "email": "leila@example.com", "group": group.pk,
                                         "subject": "ساعت کاری", "body": "ساعت کاری درمانگاه چیست؟"})
    assert response.status_code == 302 and response["Location"] == "/forms/filed/"
    page = client.get("/forms/filed/").content.decode()
    ticket = Ticket.objects.get(kind="contact")
    assert "پیام شما ثبت شد" in page and "تماس با ما شما ثبت شد" not in page
    main = page[page.index('data-role="filed"'):page.index("</article>")]
    assert not LATIN_DIGIT.search(visible_text(main)), visible_text(main)  # the code once, in Persian digits
    assert f'href="/track/{ticket.code}/" data-role="track-link"' in page
    assert client.get(f"/track/{ticket.code}/").status_code == 200  # this browser opens its case at once
