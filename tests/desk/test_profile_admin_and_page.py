"""The service profile in the admin (inlines for steps, documents, rules with Jalali dates, FAQ,
survey; Persian errors) and on the public service page (every part, in the order the rules
list them, Jalali dates and Persian digits)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chatdesk.core import jalali
from chatdesk.desk import catalogue
from chatdesk.desk.models import Service, ServiceRule


@pytest.fixture
def hr(make_unit):
    return make_unit("مدیریت منابع انسانی", code="hr")


@pytest.fixture
def admin_client(db):
    user = get_user_model().objects.create_superuser("boss", password="boss-pass")
    client = Client()
    client.force_login(user)
    return client


def formset(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def post_data(unit, hr, *, rule_date="۱۳۹۴/۰۵/۱۷", survey=1):
    return {
        "identifier": "۱۰۰۴۰۲۱۱۰۰۱", "name": "توزیع نیروی متخصص", "slug": "specialists", "unit": unit.pk, "recipient": "g2c",
        "cost_rials": "0", "in_person_visits": "1", "channels": ["online"], "online_form": "request", "is_active": "on", "order": "0",
        **formset("steps", [{"order": "1", "title": "بررسی مدارک", "unit": unit.pk}, {"order": "2", "title": "صدور حکم حقوقی", "unit": hr.pk}]),
        **formset("documents", [{"order": "1", "title": "حکم وزارتی", "note": ""}]),
        **formset("rules", [{"order": "1", "kind": "circular", "title": "ابلاغیه", "number": "۴۰۴-۱۰۰", "date": rule_date}]),
        **formset("faqs", [{"order": "1", "question": "مراجعه حضوری لازم است؟", "answer": "یک بار."}]),
        **formset("survey_questions", [{"order": str(i + 1), "text": f"پرسش {i + 1}"} for i in range(survey)]),
    }


def test_the_admin_edits_the_whole_profile(admin_client, unit, hr):
    page = admin_client.get("/admin/desk/service/add/").content.decode()
    for heading in ("مراحل گردش کار", "مدارک لازم", "قوانین و ابلاغیه‌ها", "پرسش‌های متداول", "پرسش‌های نظرسنجی پس از خدمت"):
        assert heading in page
    assert 'data-jdp' in page  # the Jalali date picker on the rules' dates
    response = admin_client.post("/admin/desk/service/add/", post_data(unit, hr))
    assert response.status_code == 302, response.content.decode()[:2000]
    service = Service.objects.get(identifier="10040211001")
    assert [(s.title, s.unit_id) for s in service.steps.all()] == [("بررسی مدارک", unit.pk), ("صدور حکم حقوقی", hr.pk)]
    assert service.rules.get().date == jalali.jalali_date(1394, 5, 17)
    assert service.faqs.get().answer == "یک بار." and service.survey_questions.count() == 1
    change = admin_client.get(f"/admin/desk/service/{service.pk}/change/").content.decode()
    assert 'value="۱۳۹۴/۰۵/۱۷"' in change


def test_a_bad_jalali_date_or_a_fourth_question_is_refused_in_persian(admin_client, unit, hr):
    response = admin_client.post("/admin/desk/service/add/", post_data(unit, hr, rule_date="۱۳۹۴/۱۳/۰۱"))
    assert response.status_code == 200
    assert "تاریخ نامعتبر است" in response.content.decode()
    response = admin_client.post("/admin/desk/service/add/", post_data(unit, hr, survey=4))
    assert response.status_code == 200
    assert "لطفاً حداکثر ۳ فرم بفرستید." in response.content.decode()
    assert not Service.objects.exists()


def test_the_public_page_shows_the_profile_in_order(client, unit, hr):
    service = catalogue.service_save(
        identifier="10040211001", name="توزیع نیروی متخصص", slug="specialists", unit=unit, cost_rials=0,
        delivery_time="۳۰ روز کاری", in_person_visits=1, channels=["online", "phone"], availability="همواره در دسترس",
        documents=[("حکم وزارتی", "")],
        rules=[{"kind": ServiceRule.Kind.CIRCULAR, "title": "ابلاغیه", "number": "404-100", "date": jalali.jalali_date(1394, 5, 17)}],
        steps=[("بررسی مدارک", unit), ("صدور حکم حقوقی", hr)],
        faqs=[("مراجعه حضوری لازم است؟", "یک بار.")],
    )
    page = client.get(f"/services/{service.identifier}/").content.decode()
    order = ["شناسه خدمت", "نوع خدمت", "واحد مسئول", "مراحل گردش کار", "مدارک لازم", "قوانین و مقررات", "پرسش‌های متداول",
             "زمان انجام خدمت", "تعداد مراجعه حضوری", "شیوه دسترسی", "زمان دسترسی", "هزینه"]
    profile = page[page.index("شناسنامه خدمت"):]
    positions = [profile.index(">" + label + "<") for label in order]
    assert positions == sorted(positions), list(zip(order, positions))
    assert "۱۰۰۴۰۲۱۱۰۰۱" in page and "شهروندان (G2C)" in page
    assert "صدور حکم حقوقی" in page and "مدیریت منابع انسانی" in page
    assert "۴۰۴-۱۰۰" in page and "۱۳۹۴/۰۵/۱۷" in page
    assert "مراجعه حضوری لازم است؟" in page and "رایگان" in page and "۱ بار" in page
