"""What goes by SMS, driven through the real services: the tracking code when a case opens,
a short notice with the link on a public reply or a status change (never for a note), the
meeting's confirmation and reminder; nothing without a mobile, nothing after opt-out."""

import datetime as dt

import pytest
from django.core.cache import cache

from chatdesk.core import clock, jalali
from chatdesk.desk import meetings
from chatdesk.directory.models import Unit
from chatdesk.sms import segments, services as sms_services
from chatdesk.sms.models import OutboundSms
from chatdesk.tickets import services as ticket_services

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return jalali.local_datetime(jalali.jalali_date(y, m, d), dt.time(hh, mm))


NOW = at(1405, 9, 2, 9)  # Monday 2 Azar 1405, 09:00 Tehran


@pytest.fixture(autouse=True)
def _clock():
    cache.clear()
    with clock.frozen_at(NOW):
        yield


def open_case(unit, mobile="09121234567", email="", kind="request"):
    return ticket_services.ticket_open(
        kind=kind, unit=unit, subject="گواهی اشتغال به تحصیل", body="لطفاً گواهی را صادر کنید.", name="مریم احمدی",
        mobile=mobile, email=email, rate_limit=False,
    ).ticket


def sms_of(ticket, kind=None):
    qs = OutboundSms.objects.filter(case_code=ticket.code).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def test_a_case_opened_with_a_mobile_sends_its_tracking_code(unit):
    ticket = open_case(unit, kind="complaint")
    (sms,) = sms_of(ticket)
    assert sms.kind == "created" and sms.to == "09121234567"
    assert "شکایت شما" in sms.text and "معاونت درمان" in sms.text
    assert f"/track/{ticket.code}/" in sms.text
    assert ticket.display_code.replace("-", "") == ticket.code
    assert segments.count(sms.text) <= 2


def test_no_mobile_no_sms(unit):
    ticket = open_case(unit, mobile="", email="maryam@example.ir")
    assert sms_of(ticket) == []


def test_reply_status_and_note(unit, make_official):
    official = make_official("reza", [unit], name="رضا کارشناس")
    ticket = open_case(unit)
    ticket_services.ticket_note(ticket_id=ticket.pk, official=official, body="یادداشت داخلی محرمانه")
    assert sms_of(ticket, "reply") == []  # notes never reach the citizen
    ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="گواهی شما آماده است؛ متن محرمانه")
    (reply,) = sms_of(ticket, "reply")
    assert "پاسخ داده شد" in reply.text and "محرمانه" not in reply.text  # the reply's text is not sent
    # a reply that sets the status in the same step: one SMS that says both
    with clock.frozen_at(NOW + dt.timedelta(minutes=5)):
        ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="مدرک دیگری بفرستید", status="waiting")
    replies = sms_of(ticket, "reply")
    assert len(replies) == 2 and "منتظر پاسخ شماست" in replies[1].text
    assert sms_of(ticket, "status") == []
    # a status change on its own
    with clock.frozen_at(NOW + dt.timedelta(minutes=10)):
        ticket_services.ticket_set_status(ticket_id=ticket.pk, official=official, status="resolved")
    (status,) = sms_of(ticket, "status")
    assert "پاسخ داده شد" in status.text and f"/track/{ticket.code}/" in status.text


def test_a_referral_is_a_status_notice(unit, other_unit, make_official):
    official = make_official("reza", [unit], name="رضا کارشناس")
    ticket = open_case(unit)
    ticket_services.ticket_refer(ticket_id=ticket.pk, official=official, to_unit_id=other_unit.pk, reason="در حوزه روابط عمومی است")
    (status,) = sms_of(ticket, "status")
    assert "ارجاع شد" in status.text


def test_opted_out_mobile_gets_no_notices(unit, make_official):
    sms_services.sms_opt_out(mobile="09121234567")
    official = make_official("reza", [unit], name="رضا کارشناس")
    ticket = open_case(unit)
    ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="پاسخ")
    assert sms_of(ticket) == []


def test_meeting_confirmation_and_reminder(unit, make_official):
    deputy = make_official("deputy", [unit], name="دکتر سارا نوری")
    deputy.position = "معاون درمان"
    deputy.save()
    Unit.objects.filter(pk=unit.pk).update(manager=deputy)
    secretary = make_official("secretary", [unit], name="دفتر معاونت")
    ticket = meetings.meeting_request_open(
        person_id=deputy.pk, subject="پیگیری پرونده طرح", body="درخواست ملاقات حضوری", days=["1405/09/04"],
        name="حمید متقاضی", mobile="09351112233",
    ).ticket
    assert "درخواست ملاقات شما" in sms_of(ticket, "created")[0].text
    meetings.meeting_offer(ticket_id=ticket.pk, official=secretary, date="1405/09/04", time="10:00", confirm=True)
    (confirmed,) = sms_of(ticket, "meeting")
    assert "قطعی شد" in confirmed.text and "دکتر سارا" in confirmed.text and "۱۰:۰۰" in confirmed.text
    assert meetings.meeting_reminder_sweep(now=at(1405, 9, 3, 11)) == 1
    assert meetings.meeting_reminder_sweep(now=at(1405, 9, 3, 11, 5)) == 0
    reminders = [s for s in sms_of(ticket, "meeting") if "یادآوری" in s.text]
    assert len(reminders) == 1 and reminders[0].to == "09351112233"
