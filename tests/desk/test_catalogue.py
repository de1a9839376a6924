"""The catalogue of e-services: saving, the Persian search key, the public list and page, the
admin and the demo service from the seed."""

import re

import pytest
from django.contrib.auth import get_user_model

from chatdesk.core import jalali
from chatdesk.core.errors import ValidationError
from chatdesk.desk import catalogue, demo
from chatdesk.desk.models import Service, ServiceDocument, ServiceRule

pytestmark = pytest.mark.django_db

PERSIAN_DIGITS = re.compile(r"[۰-۹]")


@pytest.fixture
def make_service(unit):
    def make(identifier="10040211001", name="توزیع نیروی متخصص", slug=None, **fields):
        fields.setdefault("unit", unit)
        return catalogue.service_save(identifier=identifier, name=name, slug=slug or f"s-{identifier}", **fields)

    return make


@pytest.fixture
def specialists(make_service):
    return make_service(
        description="تعیین محل خدمت متخصصین و صدور گواهی پایان تعهدات",
        cost_rials=0,
        in_person_visits=1,
        channels=["phone", "online"],
        documents=[("حکم وزارتی", ""), ("کارت نظام پزشکی", ""), ("تصویر کارت پایان خدمت", "برای آقایان")],
        rules=[
            {"kind": "directive", "title": "دستورالعمل توزیع نیروی های متخصص"},
            {"title": "ابلاغیه", "number": "۴۰۴-۱۰۰", "date": jalali.jalali_date(1394, 5, 17)},
        ],
    )


# --- writes -------------------------------------------------------------------------------------


def test_service_save_folds_the_identifier_and_keeps_documents_and_rules_in_order(make_service, unit):
    service = make_service(identifier="۱۰۰۴۰۲۱۱۰۰۹", documents=[("ب", ""), ("الف", "یادداشت")], channels=["phone", "online"])
    service.refresh_from_db()
    assert service.identifier == "10040211009"
    assert [d.title for d in service.documents.all()] == ["ب", "الف"]
    assert service.channels == ["online", "phone"]  # the catalogue's order, not the caller's


@pytest.mark.parametrize("identifier", ["1234567", "1234567890123", "12345abc", ""])
def test_bad_identifier_is_refused_in_persian(make_service, identifier):
    with pytest.raises(ValidationError) as caught:
        make_service(identifier=identifier)
    assert caught.value.field == "identifier" and "۸ تا ۱۲ رقم" in caught.value.message
    assert not Service.objects.exists()


def test_duplicate_identifier_is_refused_and_changes_nothing(specialists, make_service):
    with pytest.raises(ValidationError) as caught:
        make_service(identifier="۱۰۰۴۰۲۱۱۰۰۱", name="دیگری", slug="other")
    assert "قبلاً" in caught.value.message
    assert Service.objects.count() == 1 and Service.objects.get().name == "توزیع نیروی متخصص"


def test_updating_replaces_documents_and_rewrites_the_search_key(specialists):
    catalogue.service_save(service=specialists, identifier="10040211001", name="توزیع متخصصین", slug="s", unit=specialists.unit,
                           documents=[("شناسنامه", "")])
    specialists.refresh_from_db()
    assert [d.title for d in specialists.documents.all()] == ["شناسنامه"]
    assert specialists.rules.count() == 2  # rules=None leaves them
    assert "شناسنامه" in specialists.search_key and "حکم" not in specialists.search_key


def test_reindex_follows_rows_written_elsewhere(specialists):
    ServiceDocument.objects.create(service=specialists, order=9, title="گواهی عدم سوء پیشینه")
    catalogue.service_reindex(service=specialists)
    assert [s.pk for s in catalogue.search_services("سوء پیشینه")] == [specialists.pk]


def test_cost_display_has_persian_digits_and_separators(make_service):
    assert catalogue.cost_display(Service(cost_rials=2_500_000)) == "۲٬۵۰۰٬۰۰۰ ریال"
    assert catalogue.cost_display(Service(cost_rials=0)) == "رایگان"
    assert catalogue.cost_display(Service(cost_rials=None, cost_note="طبق تعرفه")) == "طبق تعرفه"


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "توزیع",
        "توزيع",  # Arabic yeh
        "کارت نظام",
        "كارت نظام",  # Arabic kaf
        "نيروي متخصص",  # Arabic yeh twice
        "10040211001",
        "۱۰۰۴۰۲۱۱۰۰۱",  # Persian digits
        "١٠٠٤٠٢١١٠٠١",  # Arabic-Indic digits
        "۴۰۴-۱۰۰",  # a circular's number
        "پایانخدمت",  # typed without the space
        "پایان\u200cخدمت",  # typed with ZWNJ
        "  حکم   وزارتی ",
    ],
)
def test_search_finds_persian_whatever_the_keyboard(specialists, make_service, other_unit, query):
    make_service(identifier="10040311001", name="ثبت‌نام آموزش مداوم", slug="cme", description="دوره‌های آموزشی", unit=other_unit)
    assert [s.identifier for s in catalogue.search_services(query)] == ["10040211001"]


def test_search_by_the_unit_name(specialists, make_service, other_unit):
    make_service(identifier="10040311001", name="آموزش مداوم", slug="cme", unit=other_unit)
    assert [s.identifier for s in catalogue.search_services("روابط عمومي")] == ["10040311001"]


def test_zwnj_in_the_stored_text_is_found_with_a_space_or_nothing(make_service):
    service = make_service(name="پیگیری درخواست‌ها")
    for query in ("درخواست‌ها", "درخواست ها", "درخواستها", "درخواست"):
        assert [s.pk for s in catalogue.search_services(query)] == [service.pk], query


def test_search_needs_every_word_and_skips_inactive(specialists, make_service, make_unit):
    assert list(catalogue.search_services("توزیع واکسن")) == []
    make_service(identifier="10040211005", name="توزیع واکسن", slug="v", is_active=False)
    closed = make_unit("واحد بسته", is_active=False)
    make_service(identifier="10040211006", name="توزیع بسته", slug="c", unit=closed)
    assert [s.pk for s in catalogue.search_services("توزیع")] == [specialists.pk]
    assert [s.pk for s in catalogue.search_services("")] == [specialists.pk]


# --- public pages -------------------------------------------------------------------------------


def assert_public_page(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), "inline script"
    assert " style=" not in html and not re.search(r"\son[a-z]+=", html), "inline style or handler (CSP)"
    assert "cdn" not in html.lower()
    return html


def test_catalogue_lists_services_by_unit_with_persian_identifiers(client, specialists, make_service, other_unit):
    make_service(identifier="10040111001", name="رسیدگی به شکایات", slug="complaints", unit=other_unit)
    html = assert_public_page(client.get("/services/"))
    assert html.index("معاونت درمان") < html.index("توزیع نیروی متخصص") < html.index("روابط عمومی") < html.index("رسیدگی به شکایات")
    assert "۱۰۰۴۰۲۱۱۰۰۱" in html and ">10040211001<" not in html
    assert 'href="/services/10040211001/"' in html


def test_catalogue_search_with_arabic_letters_and_persian_digits(client, specialists, make_service):
    make_service(identifier="10040311001", name="آموزش مداوم", slug="cme")
    html = assert_public_page(client.get("/services/", {"q": "كارت نظام"}))
    assert "توزیع نیروی متخصص" in html and "آموزش مداوم" not in html
    assert "۱ خدمت برای «كارت نظام» یافت شد" in html
    html = assert_public_page(client.get("/services/", {"q": "۱۰۰۴۰۳۱۱۰۰۱"}))
    assert "آموزش مداوم" in html and "توزیع نیروی متخصص" not in html
    html = assert_public_page(client.get("/services/", {"q": "چیزی نیست"}))
    assert "خدمتی با این عبارت یافت نشد" in html


def test_service_page_shows_everything_a_citizen_needs(client, specialists):
    html = assert_public_page(client.get("/services/10040211001/"))
    for text in ("توزیع نیروی متخصص", "شناسه خدمت", "۱۰۰۴۰۲۱۱۰۰۱", "رایگان", "۱ بار", "درگاه اینترنتی، تلفن", "حکم وزارتی",
                 "تصویر کارت پایان خدمت", "برای آقایان", "دستورالعمل توزیع نیروی های متخصص", "۴۰۴-۱۰۰", "۱۳۹۴/۰۵/۱۷"):
        assert text in html, text
    docs = re.findall(r"<li>([^<(]+)", html.split('data-role="documents"')[1].split("</ol>")[0])
    assert [d.strip() for d in docs] == ["حکم وزارتی", "کارت نظام پزشکی", "تصویر کارت پایان خدمت"]
    assert 'href="/requests/new/?service=10040211001"' in html and "ثبت درخواست آنلاین" in html
    assert f'href="/?unit={specialists.unit_id}#chat"' in html and "گفتگو با کارشناس" in html


def test_service_page_by_persian_digits_and_404s(client, specialists, make_service):
    assert client.get("/services/۱۰۰۴۰۲۱۱۰۰۱/").status_code == 200
    assert client.get("/services/99999999/").status_code == 404
    assert client.get("/services/abc/").status_code == 404
    make_service(identifier="10040211007", name="غیرفعال", slug="off", is_active=False)
    assert client.get("/services/10040211007/").status_code == 404


def test_no_chat_button_for_a_unit_without_live_chat(client, make_service, make_unit):
    hidden = make_unit("دبیرخانه", chat_enabled=False)
    make_service(identifier="10040211008", name="نامه‌های اداری", slug="letters", unit=hidden)
    html = assert_public_page(client.get("/services/10040211008/"))
    assert "گفتگو با کارشناس" not in html and "ثبت درخواست آنلاین" in html


# --- admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password="boss-pass-1405"))
    return client


def test_admin_adds_a_service_with_persian_digits_documents_and_a_jalali_circular(admin_client, unit):
    data = {
        "identifier": "۱۰۰۴۰۲۱۱۰۲۰", "name": "خدمت آزمایشی", "slug": "test", "unit": unit.pk, "recipient": "g2c",
        "summary": "", "description": "", "cost_rials": "", "cost_note": "طبق تعرفه", "delivery_time": "۷ روز",
        "in_person_visits": "0", "channels": ["online", "chat"], "availability": "", "access_url": "", "is_active": "on", "order": "0",
        "documents-TOTAL_FORMS": "1", "documents-INITIAL_FORMS": "0", "documents-0-order": "1", "documents-0-title": "تصویر كارت ملي",
        "documents-0-note": "",
        "rules-TOTAL_FORMS": "1", "rules-INITIAL_FORMS": "0", "rules-0-order": "1", "rules-0-kind": "circular",
        "rules-0-title": "ابلاغیه", "rules-0-number": "۳۷۶/۱۰۰", "rules-0-date": "۱۳۹۵/۰۵/۰۶", "rules-0-url": "", "rules-0-text": "",
        # the profile's other inlines (#18), left empty
        "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0", "faqs-TOTAL_FORMS": "0", "faqs-INITIAL_FORMS": "0",
        "survey_questions-TOTAL_FORMS": "0", "survey_questions-INITIAL_FORMS": "0",
    }
    response = admin_client.post("/admin/desk/service/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get()
    assert (service.identifier, service.channels) == ("10040211020", ["online", "chat"])
    assert ServiceRule.objects.get().date == jalali.jalali_date(1395, 5, 6)
    # The search key was written after the inline rows: the Arabic-typed document is found.
    assert [s.pk for s in catalogue.search_services("کارت ملی")] == [service.pk]
    listing = admin_client.get("/admin/desk/service/", {"q": "كارت"}).content.decode()
    assert "خدمت آزمایشی" in listing and "۱۰۰۴۰۲۱۱۰۲۰" in listing
    page = admin_client.get(f"/admin/desk/service/{service.pk}/change/").content.decode()
    assert 'value="۱۳۹۵/۰۵/۰۶"' in page and "شناسه خدمت" in page


# --- demo ---------------------------------------------------------------------------------------


def test_demo_seeds_the_seed_service_with_its_documents_and_circulars_idempotently():
    from chatdesk.directory import demo as directory_demo

    units, _ = directory_demo.seed()
    demo.seed(units)
    demo.seed(units)
    service = Service.objects.get(slug="specialist-distribution")
    assert service.unit.code == "treatment"
    assert [d.title for d in service.documents.all()] == [
        "حکم وزارتی", "تعهد محضری", "تصویر کارت ملی", "پایان طرح پزشکی عمومی", "کارت نظام پزشکی", "تصاویر شناسنامه",
        "تصویر کارت پایان خدمت",
    ]
    rules = [(r.title, r.number, r.date and jalali.format_date(r.date)) for r in service.rules.all()]
    assert rules == [
        ("دستورالعمل توزیع نیروی های متخصص", "", None),
        ("ابلاغیه", "۴۰۴-۱۰۰", "۱۳۹۴/۰۵/۱۷"),
        ("ابلاغیه", "۳۷۶/۱۰۰", "۱۳۹۵/۰۵/۰۶"),
    ]
    assert 4 <= Service.objects.count() - 1 <= 6
    assert ServiceDocument.objects.filter(service=service).count() == 7
    from chatdesk.desk.models import Announcement

    assert Announcement.objects.filter(kind="maintenance").count() == 1
