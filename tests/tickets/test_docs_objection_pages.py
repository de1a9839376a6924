"""Missing documents and objections the way people take them (Django test client): the console's
«درخواست مدرک» form, the tracking page's notice and upload, the one objection to a rejection."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.core import clock
from chatdesk.directory.models import Official
from chatdesk.tickets import services
from chatdesk.tickets.models import Attachment, AuditEvent, Ticket

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
S = Ticket.Status


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def ticket(unit):
    with clock.frozen_at(MONDAY_10):
        return services.ticket_open(
            kind="request", unit=unit, subject="درخواست گواهی", body="متن درخواست", name="سارا", mobile="09121112233",
        ).ticket


def console(official):
    client = Client()
    client.force_login(official.user)
    return client


def citizen(ticket):
    client = Client()
    assert client.post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302
    return client


def test_docs_request_from_console_and_upload_from_tracking_page(ticket, officials):
    page = console(officials["a"]).get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'data-role="docs-request"' in page and "مهلت قانونی پاسخ" in page
    with clock.frozen_at(at(1405, 9, 2, 11)):
        empty = console(officials["a"]).post(f"/console/tickets/{ticket.pk}/", {"action": "docs", "missing": "  "})
        assert empty.status_code == 400 and Ticket.objects.get(pk=ticket.pk).status == S.NEW
        done = console(officials["a"]).post(f"/console/tickets/{ticket.pk}/", {"action": "docs", "missing": "تصویر کارت ملی (پشت و رو)"})
    assert done.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == S.DOCS
    client = citizen(ticket)
    with clock.frozen_at(at(1405, 9, 2, 12)):
        page = client.get(f"/track/{ticket.code}/").content.decode()
        assert 'data-role="docs-needed"' in page and "تصویر کارت ملی (پشت و رو)" in page and "در انتظار مدارک شهروند" in page
        sent = client.post(f"/track/{ticket.code}/", {"body": "پیوست شد.", "files": SimpleUploadedFile("کارت.png", png(), content_type="image/png")})
    assert sent.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN and Attachment.objects.filter(ticket=ticket, uploaded_by="citizen").exists()


def test_objection_once_from_the_tracking_page(ticket, officials, make_official, unit):
    boss = make_official("boss", [unit], name="سرپرست درمان", role=Official.Role.SUPERVISOR)
    client = citizen(ticket)
    assert 'data-role="objection"' not in client.get(f"/track/{ticket.code}/").content.decode()
    refused = client.post(f"/track/{ticket.code}/", {"action": "objection", "reason": "دلیل من"})
    assert refused.status_code == 400 and not AuditEvent.objects.filter(action="objection").exists()
    with clock.frozen_at(at(1405, 9, 2, 11)):
        console(officials["a"]).post(f"/console/tickets/{ticket.pk}/", {"action": "reply", "body": "درخواست رد شد.", "then": "rejected"})
    assert Ticket.objects.get(pk=ticket.pk).status == S.REJECTED
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert 'data-role="objection"' in page and "اعتراض فقط یک بار" in page
    empty = client.post(f"/track/{ticket.code}/", {"action": "objection", "reason": " "})
    assert empty.status_code == 400 and Ticket.objects.get(pk=ticket.pk).status == S.REJECTED
    with clock.frozen_at(at(1405, 9, 3, 9)):
        ok = client.post(f"/track/{ticket.code}/", {"action": "objection", "reason": "مدارک من کامل بود."})
    assert ok.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.OBJECTED and ticket.supervisor == boss
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert 'data-role="objection"' not in page and 'data-role="objected"' in page
    again = client.post(f"/track/{ticket.code}/", {"action": "objection", "reason": "باز هم"})
    assert again.status_code == 400 and AuditEvent.objects.filter(ticket=ticket, action="objection").count() == 1
    boss_page = console(boss).get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "مدارک من کامل بود." in boss_page and 'data-role="supervisor"' in boss_page
