"""Console ticket pages and the public tracking pages through Django's test client."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.core import clock
from chatdesk.core.tracking import ticket_token
from chatdesk.tickets import services
from chatdesk.tickets.models import AuditEvent, Entry, Ticket

from .conftest import MONDAY_10

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ticket(unit):
    with clock.frozen_at(MONDAY_10):
        return services.ticket_open(
            kind="request", unit=unit, subject="درخواست گواهی", body="متن درخواست", name="سارا", mobile="09121112233",
            files=[SimpleUploadedFile("مدرک.pdf", PDF, content_type="application/pdf")],
        ).ticket


def console_client(official):
    client = Client()
    client.force_login(official.user)
    return client


def test_console_list_shows_own_units_only(ticket, officials, other_unit):
    with clock.frozen_at(MONDAY_10):
        services.ticket_open(kind="request", unit=other_unit, subject="پرونده واحد دیگر", body="x", name="علی", mobile="09120000000")
    page = console_client(officials["a"]).get("/console/tickets/").content.decode()
    assert "درخواست گواهی" in page and "پرونده واحد دیگر" not in page
    assert Client().get("/console/tickets/").status_code == 302  # login first


def test_ticket_page_missing_and_forbidden_look_the_same(ticket, officials):
    ok = console_client(officials["a"]).get(f"/console/tickets/{ticket.pk}/")
    assert ok.status_code == 200 and "درخواست گواهی" in ok.content.decode()
    assert AuditEvent.objects.filter(ticket=ticket, action="viewed", official=officials["a"]).exists()
    other = console_client(officials["other"])
    forbidden = other.get(f"/console/tickets/{ticket.pk}/")
    missing = other.get("/console/tickets/999999/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    assert other.post(f"/console/tickets/{ticket.pk}/", {"action": "reply", "body": "x"}).status_code == 404
    assert other.get(f"/console/tickets/{ticket.pk}/live/").status_code == 404
    attachment = ticket.attachments.get()
    assert other.get(f"/console/tickets/{ticket.pk}/files/{attachment.pk}/").status_code == 404
    assert not Entry.objects.filter(ticket=ticket, kind="reply").exists()


def test_reply_note_and_status_through_the_page(ticket, officials):
    client = console_client(officials["a"])
    response = client.post(f"/console/tickets/{ticket.pk}/", {"action": "reply", "body": "گواهی صادر شد", "then": "resolved"})
    assert response.status_code == 302
    client.post(f"/console/tickets/{ticket.pk}/", {"action": "note", "body": "داخلی"})
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.entries.filter(kind="reply").count() == 1
    assert ticket.entries.filter(kind="note", public=False).count() == 1


def test_bad_input_keeps_what_was_typed_and_changes_nothing(ticket, officials):
    client = console_client(officials["a"])
    entries = Entry.objects.count()
    response = client.post(f"/console/tickets/{ticket.pk}/", {"action": "refer", "to_unit": "", "reason": "دلیل نوشته‌شده"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "واحد مقصد معتبر نیست" in page and "دلیل نوشته‌شده" in page
    response = client.post(f"/console/tickets/{ticket.pk}/", {"action": "reply", "body": "پاسخ با پیوست بد", "files": [SimpleUploadedFile("a.pdf", b"<html>", content_type="application/pdf")]})
    assert response.status_code == 400 and "پاسخ با پیوست بد" in response.content.decode()
    assert Entry.objects.count() == entries
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_forms_need_csrf(ticket, officials):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officials["a"].user)
    assert client.post(f"/console/tickets/{ticket.pk}/", {"action": "note", "body": "x"}).status_code == 403
    assert Client(enforce_csrf_checks=True).post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 403


def test_downloads_are_attachments_never_inline(ticket, officials):
    attachment = ticket.attachments.get()
    response = console_client(officials["a"]).get(f"/console/tickets/{ticket.pk}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


# --- tracking ---------------------------------------------------------------------------------
def test_lookup_opens_the_case_and_shows_only_the_public_timeline(ticket, officials):
    services.ticket_note(ticket_id=ticket.pk, official=officials["a"], body="یادداشت محرمانه کارکنان")
    services.ticket_reply(ticket_id=ticket.pk, official=officials["a"], body="پاسخ عمومی کارشناس")
    client = Client()
    response = client.post("/track/", {"code": ticket.display_code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), "contact": "۰۹۱۲۱۱۱۲۲۳۳"})
    assert response.status_code == 302 and response["Location"] == f"/track/{ticket.code}/"
    page = client.get(response["Location"]).content.decode()
    assert "پاسخ عمومی کارشناس" in page and "یادداشت محرمانه" not in page
    assert "09121112233" not in page  # contact details are not echoed back
    # another browser without the lookup is sent to the form
    assert Client().get(f"/track/{ticket.code}/").status_code == 302


def test_unknown_code_and_wrong_contact_give_the_same_answer(ticket):
    wrong_contact = Client().post("/track/", {"code": ticket.code, "contact": "09129999999"})
    other_code = Ticket(code="0000000000000")
    from chatdesk.core.tracking import new_tracking_code

    unknown = Client().post("/track/", {"code": new_tracking_code(), "contact": "09121112233"})
    assert wrong_contact.status_code == unknown.status_code == 404
    error = re.compile(r'data-role="track-error">([^<]*)<')
    assert error.search(wrong_contact.content.decode()).group(1) == error.search(unknown.content.decode()).group(1)
    assert other_code.display_code  # the same template renders either way


def test_lookups_are_rate_limited_per_address(ticket, settings):
    settings.TICKETS = {**settings.TICKETS, "LOOKUPS_PER_ADDRESS": 3}
    client = Client()
    statuses = [client.post("/track/", {"code": ticket.code, "contact": f"0912000000{i}"}).status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]
    # even the right contact is refused until the window passes
    assert client.post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 429
    assert Client(REMOTE_ADDR="10.0.0.9").post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302


def test_guessing_one_codes_contact_from_many_addresses_is_limited(ticket, settings):
    """Once a code is being guessed, each address gets a few failures on it (not the whole
    per-address budget); an address that has not been guessing still opens it."""
    settings.TICKETS = {**settings.TICKETS, "LOOKUPS_PER_CODE": 2, "LOOKUP_FAILURES_PER_CODE_AND_ADDRESS": 1}
    codes = [Client(REMOTE_ADDR=f"10.0.1.{i}").post("/track/", {"code": ticket.code, "contact": f"0912000000{i}"}).status_code for i in range(3)]
    assert codes == [404, 404, 404]
    assert Client(REMOTE_ADDR="10.0.1.0").post("/track/", {"code": ticket.code, "contact": "09120000009"}).status_code == 429
    assert Client(REMOTE_ADDR="10.0.1.9").post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302


def test_email_link_opens_the_case_without_typing(ticket):
    client = Client()
    response = client.get(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")
    assert response.status_code == 302 and client.get(response["Location"]).status_code == 200
    bad = Client().get(f"/track/{ticket.code}/{'a' * 52}/")
    assert bad.status_code == 404
    wrong_purpose = Client().get(f"/track/{ticket.code}/{ticket_token(ticket, 'reply')}/")
    assert wrong_purpose.status_code == 404


def test_follow_up_with_a_document_reopens_and_is_stored_once(ticket, officials):
    services.ticket_reply(ticket_id=ticket.pk, official=officials["a"], body="مدرک دیگری بفرستید", status="waiting")
    client = Client()
    client.get(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")
    form = {"body": "مدرک پیوست شد", "form_key": "web:" + "a" * 24, "files": [SimpleUploadedFile("scan.pdf", PDF)]}
    assert client.post(f"/track/{ticket.code}/", form).status_code == 302
    form["files"] = [SimpleUploadedFile("scan.pdf", PDF)]
    assert client.post(f"/track/{ticket.code}/", form).status_code == 302  # a double submit
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.entries.filter(kind="citizen", body="مدرک پیوست شد").count() == 1
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert "scan.pdf" in page
    own = ticket.attachments.get(name="scan.pdf")
    assert client.get(f"/track/{ticket.code}/files/{own.pk}/")["Content-Disposition"].startswith("attachment")
    assert Client().get(f"/track/{ticket.code}/files/{own.pk}/").status_code == 404


def test_a_disguised_upload_is_refused_with_the_text_kept(ticket):
    client = Client()
    client.get(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")
    entries = Entry.objects.count()
    response = client.post(f"/track/{ticket.code}/", {"body": "متن من", "files": [SimpleUploadedFile("x.pdf", b"<svg onload=alert(1)>")]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "متن من" in page and "دوباره انتخاب" in page
    assert Entry.objects.count() == entries


def test_the_list_pages_fifty_at_a_time_keeping_its_filters(unit, officials):
    with clock.frozen_at(MONDAY_10):
        for i in range(53):
            services.ticket_open(kind="request", unit=unit, subject=f"درخواست شماره {i}", body="متن", name="سارا", mobile="09121112233", rate_limit=False)
    client = console_client(officials["a"])
    first = client.get("/console/tickets/?status=new").content.decode()
    assert first.count("<tr data-ticket=") == 50 and "صفحه ۱ از ۲" in first and "?status=new&amp;page=2" in first
    second = client.get("/console/tickets/?status=new&page=2").content.decode()
    assert second.count("<tr data-ticket=") == 3 and "?status=new&amp;page=1" in second


def test_the_status_selector_shows_the_true_current_status(ticket, officials):
    """A ticket waiting for the citizen showed «در حال رسیدگی» in its status selector (the first
    possible next status); it opens on the current status now."""
    client = console_client(officials["a"])
    client.post(f"/console/tickets/{ticket.pk}/", {"action": "status", "status": "waiting"})
    ticket.refresh_from_db()
    assert ticket.status == "waiting"
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    select = re.search(r'<select class="form-select" id="status" name="status">(.*?)</select>', page, re.S).group(1)
    selected = re.findall(r'<option value="(\w+)"[^>]*\bselected\b[^>]*>([^<]*)<', select)
    assert selected == [("waiting", "در انتظار پاسخ شما (وضعیت کنونی)")]
    assert 'value="open"' in select and 'value="resolved"' in select


def test_a_referral_away_lands_on_the_list_with_a_persian_message(ticket, officials, other_unit):
    """The referring official may no longer see the case: the console sends them to their list
    with the news, not back to the ticket (which now answers 404 for them)."""
    client = console_client(officials["a"])
    response = client.post(f"/console/tickets/{ticket.pk}/", {"action": "refer", "to_unit": other_unit.pk, "reason": "مربوط به واحد دیگر"})
    assert response.status_code == 302 and response["Location"] == "/console/tickets/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"پرونده به «{other_unit.name}» ارجاع شد" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.unit_id == other_unit.pk
    # an action that keeps the case in the official's units still goes back to the ticket
    back = console_client(officials["other"]).post(f"/console/tickets/{ticket.pk}/", {"action": "note", "body": "دیده شد"})
    assert back.status_code == 302 and back["Location"] == f"/console/tickets/{ticket.pk}/"
