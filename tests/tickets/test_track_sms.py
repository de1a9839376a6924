"""/track/ by SMS, the way a citizen takes it (Django test client): tracking code + mobile →
a six-digit code by SMS (read from what the file backend "sent") → the case opens.  Wrong codes,
expiry, the attempt limit, the throttles, a mobile that is not the case's (same answer, no SMS),
and the switch that turns SMS notices off from the case page."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.core import clock
from chatdesk.sms import services as sms_services
from chatdesk.sms.models import OneTimeCode, OutboundSms, SmsOptOut
from chatdesk.tickets import services as ticket_services

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.timezone.utc)  # Monday 16 Azar 1405, 10:00 Tehran
MOBILE = "09121234567"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    cache.clear()
    settings.SMS = {**settings.SMS, "BACKEND": "file", "FILE_PATH": str(tmp_path / "sms")}
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def ticket(unit):
    return ticket_services.ticket_open(
        kind="request", unit=unit, subject="گواهی اشتغال", body="لطفاً صادر کنید.", name="مریم احمدی", mobile=MOBILE, rate_limit=False,
    ).ticket


def received_code(settings):
    """Send the outbox (file backend) and read the last code the phone got."""
    sms_services.sms_send_due()
    files = sorted(Path(settings.SMS["FILE_PATH"]).glob("sms-*.txt"), key=lambda p: int(p.stem.split("-")[1]))
    return re.search(r"\b([0-9]{6})\b", files[-1].read_text(encoding="utf-8"))[1]


def ask_code(client, code, mobile=MOBILE):
    return client.post("/track/sms/", {"code": code, "mobile": mobile})


def test_code_by_sms_opens_the_case(client, ticket, settings):
    page = client.get(f"/track/{ticket.code}/", follow=True).content.decode()
    assert "ورود با کد پیامکی" in page
    response = ask_code(client, " ".join(ticket.display_code), "۰۹۱۲ ۱۲۳ ۴۵۶۷")  # Persian digits and spaces are fine
    assert response.status_code == 302 and response["Location"] == "/track/sms/verify/"
    page = client.get("/track/sms/verify/").content.decode()
    assert "کدی شش‌رقمی به آن پیامک شد" in page and "۰۹۱۲***۴۵۶۷" in page and MOBILE not in page
    code = received_code(settings)
    row = OneTimeCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64  # stored as an HMAC only
    assert code not in OutboundSms.objects.get(kind="code").text  # and not kept in the outbox once sent
    response = client.post("/track/sms/verify/", {"otp": code})
    assert response.status_code == 302 and response["Location"] == f"/track/{ticket.code}/"
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert "گواهی اشتغال" in page
    # the code is spent
    client2 = Client()
    ask_code(client2, ticket.code)
    assert client2.post("/track/sms/verify/", {"otp": code}).status_code == 400


def test_wrong_codes_count_and_lock_the_code(client, ticket, settings):
    ask_code(client, ticket.code)
    code = received_code(settings)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.SMS["CODE_ATTEMPTS"]):
        response = client.post("/track/sms/verify/", {"otp": wrong})
        assert response.status_code == 400 and "کد واردشده درست نیست" in response.content.decode()
    response = client.post("/track/sms/verify/", {"otp": code})  # even the right one: locked
    assert response.status_code == 400 and "کد تازه‌ای بگیرید" in response.content.decode()
    assert client.get(f"/track/{ticket.code}/").status_code == 302  # still closed


def test_a_code_expires(client, ticket, settings):
    ask_code(client, ticket.code)
    code = received_code(settings)
    with clock.frozen_at(NOW + dt.timedelta(seconds=settings.SMS["CODE_TTL_SECONDS"] + 1)):
        response = client.post("/track/sms/verify/", {"otp": code})
    assert response.status_code == 400 and "منقضی" in response.content.decode()


def test_a_new_code_replaces_the_old(client, ticket, settings):
    ask_code(client, ticket.code)
    first = received_code(settings)
    ask_code(client, ticket.code)
    second = received_code(settings)
    if first != second:
        assert client.post("/track/sms/verify/", {"otp": first}).status_code == 400
    assert client.post("/track/sms/verify/", {"otp": second}).status_code == 302


def test_another_mobile_gets_the_same_answer_and_no_sms(client, ticket):
    response = ask_code(client, ticket.code, "09351112233")
    assert response.status_code == 302 and response["Location"] == "/track/sms/verify/"
    assert OutboundSms.objects.filter(kind="code").count() == 0
    assert client.post("/track/sms/verify/", {"otp": "123456"}).status_code == 400


def test_bad_input_is_refused_in_persian_and_changes_nothing(client, ticket):
    response = ask_code(client, "1234", MOBILE)
    assert response.status_code == 400 and "کد پیگیری ۱۳ رقم است" in response.content.decode()
    response = ask_code(client, ticket.code, "12345")
    assert response.status_code == 400 and "شماره همراه را به شکل" in response.content.decode()
    assert OutboundSms.objects.filter(kind="code").count() == 0
    assert client.get("/track/sms/verify/").status_code == 302  # nothing pending


def test_codes_are_throttled_per_mobile(client, ticket, settings):
    for _ in range(settings.SMS["CODES_PER_MOBILE_PER_HOUR"]):
        assert ask_code(client, ticket.code).status_code == 302
    response = ask_code(client, ticket.code)
    assert response.status_code == 429 and "یک ساعت دیگر" in response.content.decode()
    assert OutboundSms.objects.filter(kind="code").count() == settings.SMS["CODES_PER_MOBILE_PER_HOUR"]


def test_codes_are_throttled_per_address(client, unit, settings):
    settings.SMS = {**settings.SMS, "CODES_PER_ADDRESS_PER_HOUR": 2}
    tickets = [
        ticket_services.ticket_open(kind="request", unit=unit, subject="موضوع", body="متن", name="نام", mobile=f"0912000000{i}", rate_limit=False).ticket
        for i in range(3)
    ]
    assert [ask_code(client, t.code, t.citizen_mobile).status_code for t in tickets] == [302, 302, 429]


def test_the_case_page_switches_sms_notices_off_and_on(client, ticket, settings, make_official, unit):
    ask_code(client, ticket.code)
    client.post("/track/sms/verify/", {"otp": received_code(settings)})
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert "دیگر پیامک نفرست" in page
    response = client.post(f"/track/{ticket.code}/sms/", {"sms": "off"})
    assert response.status_code == 302
    assert SmsOptOut.objects.filter(mobile=MOBILE).exists()
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert "خاموش است" in page and "از این پس پیامک" in page
    official = make_official("reza", [unit])
    ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="پاسخ")
    assert not OutboundSms.objects.filter(kind="reply").exists()
    client.post(f"/track/{ticket.code}/sms/", {"sms": "on"})
    assert not SmsOptOut.objects.exists()


def test_the_switch_needs_the_case_open_in_this_browser(client, ticket):
    response = client.post(f"/track/{ticket.code}/sms/", {"sms": "off"})
    assert response.status_code == 302 and response["Location"] == "/track/"
    assert not SmsOptOut.objects.exists()


def test_the_switch_needs_csrf(ticket):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(f"/track/{ticket.code}/sms/", {"sms": "off"}).status_code == 403
    assert strict.post("/track/sms/", {"code": ticket.code, "mobile": MOBILE}).status_code == 403


def test_a_bare_mobile_can_be_required_to_prove_the_phone(client, unit, settings):
    opened = ticket_services.ticket_open(
        kind="request", unit=unit, subject="گواهی", body="متن", name="مریم احمدی", mobile=MOBILE, email="maryam@example.ir", rate_limit=False,
    ).ticket
    assert client.post("/track/", {"code": opened.code, "contact": MOBILE}).status_code == 302  # the default: as before
    cache.clear()
    settings.SMS = {**settings.SMS, "TRACK_MOBILE_NEEDS_CODE": True}
    other = Client()
    response = other.post("/track/", {"code": opened.code, "contact": MOBILE})
    assert response.status_code == 400 and "ورود با کد پیامکی" in response.content.decode()
    assert other.get(f"/track/{opened.code}/").status_code == 302  # not opened
    # the same answer for a case that does not exist
    missing = other.post("/track/", {"code": "1234567890128", "contact": MOBILE})
    assert missing.status_code == 400 and "«ورود با کد پیامکی» را بزنید" in missing.content.decode()
    assert other.post("/track/", {"code": opened.code, "contact": "maryam@example.ir"}).status_code == 302  # an email still opens
