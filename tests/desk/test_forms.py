"""The desk forms through the real views: every form files a ticket with a tracking code,
keeps what the citizen typed on an error, refuses disguised files, bots and floods."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from chatdesk.desk import catalogue
from chatdesk.desk.models_forms import ContactGroup
from chatdesk.tickets.access import SESSION_KEY
from chatdesk.tickets.models import Attachment, AuditEvent, Ticket
from tests.support.documents import JPEG, PDF, PNG

CITIZEN = {"name": "مریم کاظمی", "mobile": "۰۹۱۲۱۲۳۴۵۶۷", "email": "maryam@example.com", "national_code": "0499370899", "form_id": "a" * 32}


@pytest.fixture(autouse=True)
def _fresh_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def service(unit):
    return catalogue.service_save(
        identifier="10040211001", name="توزیع پزشکان متخصص", slug="specialists", unit=unit,
        documents=[("ابلاغ وزارت", ""), ("تصویر کارت ملی", "هر دو رو"), ("کارت پایان خدمت", "ویژه آقایان")],
    )


def docs(service):
    return list(service.documents.all())


def filed_code(client, response):
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/forms/filed/"
    page = client.get("/forms/filed/")
    assert page.status_code == 200
    match = re.search(r'data-code="([0-9-]+)"', page.content.decode())
    return match.group(1).replace("-", ""), page.content.decode()


# --- online request -----------------------------------------------------------------------------
def test_request_form_lists_the_checklist(client, service):
    page = client.get(f"/requests/new/?service={service.identifier}").content.decode()
    for d in docs(service):
        assert d.title in page and f'name="doc_{d.pk}"' in page and f'name="na_{d.pk}"' in page
    assert 'name="website"' in page and "csrfmiddlewaretoken" in page
    assert 'accept=".pdf,.jpg,.jpeg,.png' in page


def test_unknown_service_is_a_404_with_a_way_back(client, db):
    response = client.get("/requests/new/?service=99999999")
    assert response.status_code == 404
    assert "فهرست خدمات" in response.content.decode()


def test_request_files_a_ticket_with_each_document(client, service):
    d1, d2, d3 = docs(service)
    response = client.post(f"/requests/new/?service={service.identifier}", {
        **CITIZEN, "service": service.identifier, "body": "لطفاً بررسی شود.",
        f"doc_{d1.pk}": SimpleUploadedFile("order.pdf", PDF), f"doc_{d2.pk}": SimpleUploadedFile("../../id.jpg", JPEG),
        f"na_{d3.pk}": "on", "extra": [SimpleUploadedFile("more.png", PNG)],
    })
    code, page = filed_code(client, response)
    ticket = Ticket.objects.get(code=code)
    assert ticket.kind == "request" and ticket.unit == service.unit
    assert ticket.subject == "درخواست خدمت: توزیع پزشکان متخصص"
    assert ticket.citizen_mobile == "09121234567" and ticket.citizen_national_code == "0499370899"
    assert ticket.data["service"]["identifier"] == service.identifier
    assert [d["state"] for d in ticket.data["documents"]] == ["sent", "sent", "not_applicable"]
    names = sorted(Attachment.objects.filter(ticket=ticket).values_list("name", flat=True))
    assert names == sorted(["ابلاغ وزارت - order.pdf", "تصویر کارت ملی - id.jpg", "more.png"])
    assert all(a.file.name.startswith("attachments/") for a in Attachment.objects.filter(ticket=ticket))
    assert AuditEvent.objects.filter(ticket=ticket, action="created", actor="citizen").exists()
    # the success page: the code grouped, left to right, and the way to the tracking page
    assert 'dir="ltr"' in page and 'href="/track/"' in page
    assert ticket.display_code in page
    # this browser may open the case at once
    assert code in client.session[SESSION_KEY]


def test_a_missing_document_keeps_what_was_typed_and_says_files_must_be_chosen_again(client, service):
    d1, d2, d3 = docs(service)
    response = client.post(f"/requests/new/?service={service.identifier}", {
        **CITIZEN, "service": service.identifier, "body": "متن من", f"doc_{d1.pk}": SimpleUploadedFile("order.pdf", PDF),
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "«تصویر کارت ملی» را بارگذاری کنید" in page
    assert 'value="مریم کاظمی"' in page and "متن من" in page
    assert "فایل‌ها را باید دوباره انتخاب کنید" in page
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b"<html><script>alert(1)</script></html>", "نامه.pdf", "فقط فایل‌های PDF، JPEG و PNG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image.pdf", "فقط فایل‌های PDF، JPEG و PNG"),
        (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "a.pdf", "محتوای اجرایی"),
    ],
)
def test_disguised_documents_are_refused_on_their_line(client, service, content, name, needle):
    d1, d2, d3 = docs(service)
    response = client.post(f"/requests/new/?service={service.identifier}", {
        **CITIZEN, "service": service.identifier, f"doc_{d1.pk}": SimpleUploadedFile(name, content),
        f"na_{d2.pk}": "on", f"na_{d3.pk}": "on",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert needle in page and "«ابلاغ وزارت»" in page
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


@override_settings(UPLOADS={"MAX_BYTES": 64 * 1024, "MAX_FILES": 10})
def test_an_oversized_document_is_refused_while_parsing(client, service):
    d1, d2, d3 = docs(service)
    big = PDF + b"%" + b"0" * (256 * 1024)
    response = client.post(f"/requests/new/?service={service.identifier}", {
        **CITIZEN, "service": service.identifier, f"doc_{d1.pk}": SimpleUploadedFile("big.pdf", big),
        f"na_{d2.pk}": "on", f"na_{d3.pk}": "on",
    })
    assert response.status_code == 400
    assert "بیش از" in response.content.decode() and "مگابایت" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_same_form_sent_twice_files_one_case(client, service):
    d1, d2, d3 = docs(service)
    data = {**CITIZEN, "service": service.identifier, f"na_{d1.pk}": "on", f"na_{d2.pk}": "on", f"na_{d3.pk}": "on"}
    first, _ = filed_code(client, client.post("/requests/new/", data))
    second, _ = filed_code(client, client.post("/requests/new/", data))
    assert first == second and Ticket.objects.count() == 1


def test_the_honeypot_files_nothing(client, service):
    d1, d2, d3 = docs(service)
    response = client.post("/requests/new/", {**CITIZEN, "service": service.identifier, "website": "http://spam.example",
                                             f"na_{d1.pk}": "on", f"na_{d2.pk}": "on", f"na_{d3.pk}": "on"})
    assert response.status_code == 400
    assert "ارسال فرم ناموفق بود" in response.content.decode()
    assert not Ticket.objects.exists()


def test_forms_need_the_csrf_token(service):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/contact/", {**CITIZEN})
    assert response.status_code == 403


def test_rate_limit_per_address(client, unit):
    group = ContactGroup.objects.create(name="پرسش‌های عمومی", unit=unit)
    statuses = []
    for i in range(12):
        response = client.post("/contact/", {**CITIZEN, "form_id": f"{i:032d}", "group": group.pk, "subject": "پرسش درباره نوبت", "body": "سلام"})
        statuses.append(response.status_code)
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert int(response["Retry-After"]) > 0  # docs/security.md#rate-limits
    assert "فرم‌های زیادی" in response.content.decode()
    assert Ticket.objects.count() == 10


# --- contact ------------------------------------------------------------------------------------
def test_contact_goes_to_the_groups_unit_and_needs_an_email(client, unit, other_unit):
    group = ContactGroup.objects.create(name="امور درمان", unit=other_unit)
    missing = client.post("/contact/", {**CITIZEN, "email": "", "group": group.pk, "subject": "پرسش درباره نوبت", "body": "سلام"})
    assert missing.status_code == 400
    assert "پاسخ به ایمیل شما فرستاده می‌شود؛ نشانی ایمیل را وارد کنید." in missing.content.decode()
    code, _ = filed_code(client, client.post("/contact/", {
        **CITIZEN, "group": group.pk, "subject": "پرسش درباره نوبت", "body": "سلام", "files": [SimpleUploadedFile("x.pdf", PDF)],
    }))
    ticket = Ticket.objects.get(code=code)
    assert ticket.kind == "contact" and ticket.unit == other_unit and ticket.citizen_email == "maryam@example.com"
    assert ticket.data["contact_group"]["name"] == "امور درمان" and ticket.data["answer_by"] == "email"
    assert ticket.attachments.count() == 1


def test_contact_page_offers_active_groups_only(client, unit):
    ContactGroup.objects.create(name="گروه فعال", unit=unit)
    ContactGroup.objects.create(name="گروه غیرفعال", unit=unit, is_active=False)
    page = client.get("/contact/").content.decode()
    assert "گروه فعال" in page and "گروه غیرفعال" not in page


def test_errors_are_persian_and_fields_marked(client, unit):
    ContactGroup.objects.create(name="گروه", unit=unit)
    page = client.post("/contact/", {"form_id": "b" * 32, "name": "", "mobile": "123", "email": "bad"}).content.decode()
    assert "نام و نام خانوادگی خود را بنویسید." in page
    assert "گروه را انتخاب کنید." in page
    assert "is-invalid" in page and 'aria-invalid="true"' in page


def test_bad_mobile_from_the_service_lands_on_its_field(client, unit):
    group = ContactGroup.objects.create(name="گروه", unit=unit)
    page = client.post("/contact/", {**CITIZEN, "mobile": "12345", "group": group.pk, "subject": "موضوع پیام", "body": "سلام"}).content.decode()
    assert "شماره همراه باید به شکل" in page
    assert re.search(r'name="mobile"[^>]*is-invalid|is-invalid[^>]*name="mobile"', page)


# --- every error of a form at once (issue #16) ---------------------------------------------------
def test_every_error_of_a_complaint_is_shown_at_once(client, unit):
    from chatdesk.desk import forms_demo  # noqa: F401  (the complaint unit comes from the settings below)
    from chatdesk.desk.complaints import complaint_settings_set

    complaint_settings_set(unit=unit)
    response = client.post("/complaints/new/", {
        "form_id": "e" * 32, "name": "رضا شاکی", "mobile": "۰۹۱۲", "email": "not-an-email", "national_code": "1234567890",
        "about_unit": unit.pk, "subject": "", "body": "شرح",
        "files": [SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script></html>"), SimpleUploadedFile("ok.pdf", PDF),
                  SimpleUploadedFile("empty.png", b"")],
    })
    assert response.status_code == 400
    page = response.content.decode()
    summary = page[page.index('data-role="error-list"'):page.index("</ul>", page.index('data-role="error-list"'))]
    for text in ("شماره همراه باید به شکل", "نشانی ایمیل معتبر نیست", "کد ملی معتبر نیست", "موضوع را بنویسید",
                 "«page.pdf»: فقط فایل‌های PDF، JPEG و PNG", "«empty.png»: فایل خالی است"):
        assert text in summary, (text, summary)
        assert text in page[page.index("</ul>", page.index('data-role="error-list"')):]  # and under its field
    assert not Ticket.objects.exists()


def test_a_request_lists_every_missing_document_at_once(client, service):
    response = client.post(f"/requests/new/?service={service.identifier}", {**CITIZEN, "mobile": "", "email": "", "service": service.identifier})
    assert response.status_code == 400
    page = response.content.decode()
    for d in docs(service):
        assert f"فایل «{d.title}» را بارگذاری کنید" in page
    assert "برای پیگیری، شماره همراه یا ایمیل خود را وارد کنید." in page
    assert not Ticket.objects.exists()


def test_the_desk_forms_use_the_persian_file_chooser(client, service, unit):
    from chatdesk.desk.complaints import complaint_settings_set

    complaint_settings_set(unit=unit)
    ContactGroup.objects.create(name="پرسش‌ها", unit=unit)
    for url in (f"/requests/new/?service={service.identifier}", "/complaints/new/", "/meetings/new/", "/contact/"):
        page = client.get(url).content.decode()
        inputs = re.findall(r'<input type="file"[^>]*>', page)
        assert inputs, url
        assert all("data-file-pick" in i for i in inputs), url
        assert page.count('data-role="file-pick"') == len(inputs) and "انتخاب فایل" in page and "/static/js/files.js" in page
