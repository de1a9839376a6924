"""The admin speaks Persian where Django 5.2's catalogue is silent (locale/fa), and the compiled
catalogue committed next to its source is in step with it."""

import gettext
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "fa" / "LC_MESSAGES"


def test_an_admin_form_error_is_in_persian(db):
    admin_user = get_user_model().objects.create_superuser("boss", password="boss-pass")
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/directory/holiday/add/", {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "لطفاً خطای زیر را برطرف کنید." in page or "لطفاً خطاهای زیر را برطرف کنید." in page
    assert "Please correct" not in page


def _catalogue(domain):
    source = (LOCALE / f"{domain}.po").read_text(encoding="utf-8")
    with open(LOCALE / f"{domain}.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)._catalog
    keys = {k[0] if isinstance(k, tuple) else k for k in catalogue}
    msgids = [m.replace('\\"', '"') for m in re.findall(r'^msgid "(.+)"$', source, flags=re.M)]
    assert msgids and all(m in keys for m in msgids), [m for m in msgids if m not in keys]
    return catalogue


def test_the_compiled_catalogue_matches_its_source():
    catalogue = _catalogue("django")
    assert catalogue[("Please correct the error below.", 0)] == "لطفاً خطای زیر را برطرف کنید."
    scripts = _catalogue("djangojs")
    assert scripts["Choose all %s"] == "انتخاب همه %s"


# --- issue #16: the admin speaks of the desk, in Persian, with Jalali dates ----------------------
import datetime as dt  # noqa: E402

import pytest  # noqa: E402
from django.apps import apps  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402

from chatdesk.core import clock  # noqa: E402
from chatdesk.core.admin_locale import persian_digits_in_text  # noqa: E402
from chatdesk.tickets import services as ticket_services  # noqa: E402
from chatdesk.tickets.models import Ticket  # noqa: E402
from tests.security.crawl import problems, visible_text  # noqa: E402

PERSIAN = re.compile(r"[\u0600-\u06FF]")
NOW = dt.datetime(2026, 12, 6, 18, 53, tzinfo=dt.timezone.utc)  # ۱۴۰۵/۰۹/۱۵ ۲۲:۲۳ in Tehran


def _admin_client():
    user = get_user_model().objects.create_superuser("boss", password="boss-pass")
    client = Client()
    client.force_login(user)
    return client


def test_every_model_and_field_of_the_desk_has_a_persian_name():
    missing = []
    for model in apps.get_models(include_auto_created=True):
        if not model.__module__.startswith("chatdesk.") and not model._meta.auto_created:
            continue
        opts = model._meta
        if opts.auto_created and opts.app_label not in {c.label for c in apps.get_app_configs() if c.name.startswith("chatdesk.")}:
            continue
        for name in (opts.verbose_name, opts.verbose_name_plural):
            if not PERSIAN.search(str(name)):
                missing.append(f"{opts.label}: {name}")
        for field in opts.get_fields(include_hidden=False):
            if field.auto_created or not getattr(field, "verbose_name", None):
                continue
            if not PERSIAN.search(str(field.verbose_name)):
                missing.append(f"{opts.label}.{field.name}: {field.verbose_name}")
    assert not missing, missing


def test_every_model_of_the_desk_names_its_rows_in_persian():
    """No «Entry object (9)»: every model says what a row is."""
    from django.db import models as dj_models

    plain = [m._meta.label for m in apps.get_models() if m.__module__.startswith("chatdesk.") and m.__str__ is dj_models.Model.__str__]
    assert not plain, plain


def test_permission_names_are_persian(db):
    assert Permission.objects.get(codename="add_note").name == "افزودن یادداشت داخلی"
    assert Permission.objects.get(codename="change_ticket").name == "ویرایش پرونده"
    english = list(Permission.objects.filter(name__startswith="Can ").values_list("codename", flat=True))
    assert not english, english


def test_the_admin_names_the_desk_and_never_django(db):
    page = _admin_client().get("/admin/").content.decode()
    assert "مدیریت میز خدمت" in page
    assert "Django" not in visible_text(page)
    login = Client().get("/admin/login/").content.decode()
    assert "مدیریت میز خدمت" in login and "Django" not in visible_text(login)


def test_a_ticket_shows_jalali_dates_persian_digits_and_readable_json(db, unit):
    with clock.frozen_at(NOW):
        ticket = ticket_services.ticket_open(
            kind=Ticket.Kind.REQUEST, unit=unit, subject="درخواست گواهی", body="متن", name="مریم احمدی",
            mobile="09121234567", data={"service": "گواهی پایان تعهد"}, rate_limit=False,
        ).ticket
    client = _admin_client()
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "۱۴۰۵/۰۹/۱۵ ۲۲:۲۳" in page  # created_at, read-only, Tehran time
    assert "دسامبر" not in page and "2026" not in visible_text(page)
    assert '<pre class="json" dir="ltr">' in page and "گواهی پایان تعهد" in page  # not \u0645 escapes
    assert "Escalate at" not in page and "First response due" not in page and "مهلت نخستین پاسخ" in page
    listing = client.get("/admin/tickets/ticket/").content.decode()
    assert "۱۴۰۵/۰۹/۱۵ ۲۲:۲۳" in listing
    assert problems(visible_text(listing)) == []


def test_no_django_clock_or_calendar_anywhere_in_the_admin(db):
    client = _admin_client()
    for path in ("/admin/desk/announcement/add/", "/admin/directory/dutyshift/add/", "/admin/directory/holiday/add/",
                 "/admin/auth/user/1/change/", "/admin/reports/agencytoken/add/", "/admin/directory/unit/add/"):
        page = client.get(path).content.decode()
        assert "DateTimeShortcuts.js" not in page and "admin/js/calendar.js" not in page, path
        assert 'class="vDateField"' not in page, path


def test_admin_scripts_write_persian_digits(db):
    """«0 از 26 انتخاب شده‌اند» is written by the admin's actions.js through interpolate(): the
    catalogue the admin loads replaces it with one that writes Persian digits (the browser pass,
    tests/e2e/test_crawler_browser.py, reads the counter itself)."""
    script = _admin_client().get("/admin/jsi18n/").content.decode()
    catalogue_end = script.index("django.interpolate = function (fmt, obj, named) {\n    return String(latin(")
    assert catalogue_end > script.index("django.catalog")


def test_persian_digits_in_text_leaves_machine_values_alone():
    html = (
        '<p title="اولویت 2">0 از 26 انتخاب شده‌اند &#39;x&#x27;</p><span dir="ltr">09121234567</span>'
        '<a href="/admin/x/12/">12</a> a1@example.ir https://x.ir/3 <script>var n = 5;</script><input value="7">'
    )
    out = persian_digits_in_text(html)
    assert '<p title="اولویت ۲">۰ از ۲۶ انتخاب شده‌اند &#39;x&#x27;</p>' in out
    assert '<span dir="ltr">09121234567</span>' in out and '<a href="/admin/x/12/">۱۲</a>' in out
    assert "a1@example.ir https://x.ir/3" in out and "var n = 5;" in out and 'value="7"' in out


@pytest.fixture
def unit(db):
    from chatdesk.directory.models import Unit

    return Unit.objects.create(name="معاونت درمان", code="treatment", always_open=True)


def _form_data(html, form_id):
    """What a browser would post back from the form, unchanged."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data, self.inside, self.select, self.textarea = {}, False, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and a.get("id") == form_id:
                self.inside = True
            if not self.inside:
                return
            if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.data.setdefault(a["name"], []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
            elif tag == "select" and a.get("name"):
                self.select = a["name"]
                self.data.setdefault(a["name"], [])
            elif tag == "option" and self.select and "selected" in a:
                self.data[self.select].append(a.get("value", ""))
            elif tag == "textarea" and a.get("name"):
                self.textarea = a["name"]
                self.data[a["name"]] = [""]

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea] = [data.lstrip("\n")]

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None
            elif tag == "form":
                self.inside = False

    parser = Form()
    parser.feed(html)
    return parser.data


@pytest.mark.parametrize("path", ["/admin/auth/user/{user}/change/", "/admin/reports/agencytoken/{token}/change/"])
def test_a_form_with_jalali_datetimes_saves_back_unchanged(db, path):
    """The Jalali date-and-time fields (Persian digits) post back what they show."""
    from chatdesk.reports.models import AgencyToken

    client = _admin_client()
    user = get_user_model().objects.get(username="boss")
    user.date_joined = NOW  # Django stamps it with the real clock; the page must not depend on the hour
    user.save(update_fields=["date_joined"])
    with clock.frozen_at(NOW):
        token = AgencyToken.objects.create(name="دستگاه", token_digest="d" * 64, prefix="abcd1234", expires_at=NOW)
    joined = user.date_joined
    url = path.format(user=user.pk, token=token.pk)
    page = client.get(url).content.decode()
    assert "۱۴۰۵/۰۹/۱۵" in page
    form_id = "user_form" if "user" in url else "agencytoken_form"
    response = client.post(url, _form_data(page, form_id))
    assert response.status_code == 302, response.content.decode()[:3000]
    token.refresh_from_db()
    user.refresh_from_db()
    assert token.expires_at == NOW.replace(second=0)
    assert abs((user.date_joined - joined).total_seconds()) < 60  # kept (to the minute the form shows)
