"""A report («گزارش») may be anonymous, unlike a complaint: tracking code and PIN shown once, the
sender's address stored neither on the case nor in the log context (Django test client)."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.core import clock
from chatdesk.core.logging import UnloggedClientFilter, log_context
from chatdesk.core.tracking import format_tracking_pin, ticket_pin
from chatdesk.desk import complaints, misconduct
from chatdesk.tickets.models import AuditEvent, Ticket

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.77"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(make_unit):
    inspection = make_unit("بازرسی و رسیدگی به شکایات", code="inspection")
    treatment = make_unit("معاونت درمان", code="treatment")
    complaints.complaint_settings_set(unit=inspection)
    return {"inspection": inspection, "treatment": treatment}


def fields(setup, **kw):
    return {"form_id": "r" * 32, "about_unit": setup["treatment"].pk, "subject": "دریافت وجه خارج از تعرفه",
            "body": "در پذیرش از بیماران وجه نقد گرفته می‌شود.", **kw}


def test_anonymous_report_gets_code_and_pin_once_and_opens_with_them(setup):
    client = Client(REMOTE_ADDR=ADDRESS)
    form = client.get("/report/")
    assert form.status_code == 200 and "ثبت گزارش" in form.content.decode()
    response = client.post("/report/", fields(setup))
    assert response.status_code == 302 and response["Location"] == "/report/filed/"
    ticket = Ticket.objects.get(kind="report")
    assert ticket.unit == setup["inspection"] and ticket.hide_identity
    assert ticket.ip_address is None and ticket.citizen_mobile == "" and ticket.citizen_email == ""
    assert ADDRESS not in str(ticket.data) and not AuditEvent.objects.filter(changes__icontains=ADDRESS).exists()
    page = client.get("/report/filed/")
    text = page.content.decode()
    pin = format_tracking_pin(ticket_pin(ticket), persian=True)
    assert page.status_code == 200 and pin in text and "فقط همین یک بار" in text and page["Cache-Control"] == "no-store"
    again = client.get("/report/filed/")  # shown once: a reload goes to the lookup page
    assert again.status_code == 302 and pin not in again.content.decode()
    # from another browser: the code and the PIN open it
    other = Client()
    assert other.post("/track/", {"code": ticket.code, "contact": pin}).status_code == 302
    assert "دریافت وجه خارج از تعرفه" in other.get(f"/track/{ticket.code}/").content.decode()
    assert other.post("/track/", {"code": ticket.code, "contact": "۱۲۳۴-۵۶۷۸"}).status_code == 404


def test_a_report_with_bad_input_changes_nothing(setup):
    client = Client()
    for bad in ({"about_unit": ""}, {"subject": "x"}, {"body": ""}, {"mobile": "0912"}):
        assert client.post("/report/", fields(setup, **bad)).status_code == 400
    assert not Ticket.objects.exists()


def test_the_reporters_address_is_not_in_the_log_context_nor_the_access_log(setup):
    import asyncio

    from chatdesk.core.logging import LogContextMiddleware

    seen = {}

    async def app(scope, receive, send):
        seen[scope["path"]] = dict(log_context.get())

    middleware = LogContextMiddleware(app)
    for path in ("/report/", "/report/filed/", "/contact/"):
        asyncio.run(middleware({"type": "http", "path": path, "client": (ADDRESS, 5000)}, None, None))
    assert seen["/report/"]["client"] == seen["/report/filed/"]["client"] == "-"
    assert seen["/contact/"]["client"] == ADDRESS  # other pages keep it for operations
    # uvicorn's access log line: (client, method, path, version, status)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               (f"{ADDRESS}:5000", "POST", "/report/", "1.1", 302), None)
    UnloggedClientFilter().filter(record)
    assert ADDRESS not in record.getMessage()
    kept = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                             (f"{ADDRESS}:5000", "GET", "/contact/", "1.1", 200), None)
    UnloggedClientFilter().filter(kept)
    assert ADDRESS in kept.getMessage()


def test_the_rate_limit_still_counts_the_address(setup, settings):
    client = Client(REMOTE_ADDR=ADDRESS)
    statuses = [client.post("/report/", fields(setup, form_id=f"{i:032d}")).status_code for i in range(12)]
    assert 429 in statuses and Ticket.objects.filter(ip_address__isnull=False).count() == 0


def test_service_level_report_may_carry_a_contact(setup):
    with clock.frozen_at(clock.now()):
        opened = misconduct.report_open(about_unit=setup["treatment"], subject="گزارش تخلف", body="شرح", mobile="09121112233", ip_address=ADDRESS)
    assert opened.ticket.citizen_mobile == "09121112233" and opened.ticket.ip_address is None
    assert opened.ticket.citizen_name == "گزارش‌دهنده ناشناس"
