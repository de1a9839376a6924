"""``manage.py export_services`` / ``import_services``: the service profiles round-trip through
a spreadsheet; a file with any error is refused whole, with Persian errors naming the sheet, row
and column, and changes nothing."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from chatdesk.core import jalali
from chatdesk.desk import catalogue, spreadsheet
from chatdesk.desk.models import Service, ServiceRule


@pytest.fixture
def hr(make_unit):
    return make_unit("مدیریت منابع انسانی", code="hr")


@pytest.fixture
def service(unit, hr):
    return catalogue.service_save(
        identifier="10040211001", name="توزیع نیروی متخصص", slug="specialists", unit=unit, cost_rials=0,
        delivery_time="۳۰ روز کاری", in_person_visits=1, channels=["online", "phone"], availability="همواره",
        documents=[("حکم وزارتی", ""), ("تعهد محضری", "ابتدای دوره دستیاری")],
        rules=[{"kind": ServiceRule.Kind.DIRECTIVE, "title": "دستورالعمل توزیع نیروی های متخصص"},
               {"title": "ابلاغیه", "number": "۴۰۴-۱۰۰", "date": jalali.jalali_date(1394, 5, 17)}],
        steps=[("بررسی مدارک", unit), ("صدور حکم حقوقی", hr), ("گواهی پایان تعهد", unit)],
        faqs=[("آیا مراجعه حضوری لازم است؟", "یک بار.")],
        survey=["از سرعت رسیدگی راضی هستید؟"],
    )


def profile(service):
    service = Service.objects.get(pk=service.pk)
    return {
        "fields": (service.identifier, service.name, service.slug, service.unit_id, service.recipient, service.cost_rials,
                   service.delivery_time, service.in_person_visits, service.channels, service.availability, service.is_active),
        "steps": [(s.order, s.title, s.unit_id) for s in service.steps.all()],
        "documents": [(d.order, d.title, d.note) for d in service.documents.all()],
        "rules": [(r.order, r.kind, r.title, r.number, r.date) for r in service.rules.all()],
        "faqs": [(f.question, f.answer) for f in service.faqs.all()],
        "survey": [q.text for q in service.survey_questions.all()],
    }


def test_round_trip_changes_nothing_and_the_sheets_are_persian(service, tmp_path):
    before = profile(service)
    path = tmp_path / "services.xlsx"
    call_command("export_services", str(path))
    book = load_workbook(path)
    assert book.sheetnames == ["خدمات", "مراحل گردش کار", "مدارک لازم", "قوانین و مقررات", "پرسش‌های متداول", "نظرسنجی"]
    assert book["خدمات"]["A1"].value == "شناسه خدمت" and book["خدمات"].sheet_view.rightToLeft
    rule_row = [c.value for c in book["قوانین و مقررات"][3]]
    assert rule_row[3:6] == ["ابلاغیه", "۴۰۴-۱۰۰", "۱۳۹۴/۰۵/۱۷"]
    call_command("import_services", str(path))
    assert profile(service) == before


def test_a_clerk_fills_a_new_service(service, tmp_path):
    path = tmp_path / "services.xlsx"
    spreadsheet.export_services(path)
    book = load_workbook(path)
    book["خدمات"].append(["۱۰۰۴۰۲۱۱۰۰۹", "گواهی اشتغال به کار", "employment-cert", "مدیریت منابع انسانی", "g2c", "", "", "۰", "",
                          "۳ روز کاری", "0", "درگاه اینترنتی، تلفن", "ساعات اداری", "", "بله"])
    book["مراحل گردش کار"].append(["10040211009", "2", "امضای گواهی", "treatment"])
    book["مراحل گردش کار"].append(["10040211009", "1", "صدور گواهی", "مدیریت منابع انسانی"])
    book["قوانین و مقررات"].append(["10040211009", 1, "ابلاغیه", "بخشنامه کارکنان", "۱۲/۳۴", "1395/05/06", ""])
    book["نظرسنجی"].append(["10040211009", 1, "از پاسخ راضی هستید؟"])
    book.save(path)
    assert spreadsheet.import_services(path) == (1, 1)
    new = Service.objects.get(identifier="10040211009")
    assert new.unit.code == "hr" and new.is_free and new.channels == ["online", "phone"]
    assert [(s.title, s.unit.code) for s in new.steps.all()] == [("صدور گواهی", "hr"), ("امضای گواهی", "treatment")]
    assert new.rules.get().date == jalali.jalali_date(1395, 5, 6)
    assert new.survey_questions.count() == 1


def test_errors_refuse_the_whole_file_naming_row_and_column(service, tmp_path):
    before = profile(service)
    path = tmp_path / "services.xlsx"
    spreadsheet.export_services(path)
    book = load_workbook(path)
    book["خدمات"]["B2"] = "عنوان تازه که نباید ثبت شود"
    book["خدمات"].append(["۱۲۳", "خدمت بد", "bad", "واحد ناموجود", "X2Y", "", "", "رایگان", "", "", "", "فکس", "", "", "شاید"])
    book["مراحل گردش کار"].append(["10040211001", 4, "مرحله", "واحد ناموجود"])
    book["قوانین و مقررات"].append(["10040211001", 3, "ابلاغیه", "ابلاغیه", "۱", "۱۳۹۴/۱۳/۴۰", ""])
    for i in range(3):
        book["نظرسنجی"].append(["10040211001", i + 2, f"پرسش {i}"])
    book.save(path)
    with pytest.raises(CommandError) as error:
        call_command("import_services", str(path))
    text = str(error.value)
    assert "هیچ تغییری ثبت نشد" in text
    assert "برگه «خدمات»، ردیف ۳، ستون «شناسه خدمت»" in text
    assert "ستون «واحد مسئول»: واحد «واحد ناموجود» یافت نشد" in text
    assert "برگه «خدمات»، ردیف ۳، ستون «هزینه (ریال، صفر یعنی رایگان)»: باید عدد باشد." in text
    assert "«فکس» شناخته نیست" in text and "«بله» یا «خیر» بنویسید" in text
    assert "برگه «مراحل گردش کار»، ردیف ۵، ستون «واحد انجام‌دهنده»" in text
    assert "برگه «قوانین و مقررات»، ردیف ۴، ستون «تاریخ (شمسی، مانند ۱۳۹۴/۰۵/۱۷)»" in text
    assert "بیش از سه پرسش نظرسنجی" in text
    assert profile(service) == before
    assert Service.objects.count() == 1


def test_slug_clash_and_unreadable_files_are_refused(service, unit, tmp_path):
    catalogue.service_save(identifier="10040211002", name="دیگر", slug="other", unit=unit)
    path = tmp_path / "services.xlsx"
    spreadsheet.export_services(path)
    book = load_workbook(path)
    book["خدمات"]["C3"] = "specialists"  # the second service takes the first one's key
    book.save(path)
    with pytest.raises(spreadsheet.ImportRefused):
        spreadsheet.import_services(path)
    assert Service.objects.get(identifier="10040211002").slug == "other"
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(spreadsheet.ImportRefused) as error:
        spreadsheet.import_services(junk)
    assert "خوانا نیست" in error.value.message
    book = load_workbook(path)
    del book["نظرسنجی"]
    book.save(path)
    with pytest.raises(spreadsheet.ImportRefused) as error:
        spreadsheet.import_services(path)
    assert "برگه «نظرسنجی» در پرونده نیست." in error.value.message
