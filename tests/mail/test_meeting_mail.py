"""Each step of a meeting request is mailed to the citizen once, in Persian, with the Jalali slot."""

import datetime as dt

import pytest
from django.core.cache import cache

from chatdesk.core import clock, jalali
from chatdesk.desk import meetings
from chatdesk.directory.models import Unit
from chatdesk.mail.models import OutboundMail

pytestmark = pytest.mark.django_db

NOW = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(9, 0))


def test_offer_confirm_reminder_and_cancel_are_mailed_once_each(unit, make_official):
    cache.clear()
    deputy = make_official("deputy", [unit], name="دکتر سارا نوری")
    deputy.position = "معاون درمان"
    deputy.save()
    Unit.objects.filter(pk=unit.pk).update(manager=deputy)
    secretary = make_official("secretary", [unit])
    with clock.frozen_at(NOW):
        ticket = meetings.meeting_request_open(
            person_id=deputy.pk, subject="پیگیری پرونده", body="درخواست ملاقات", days=["1405/09/04"],
            name="حمید متقاضی", mobile="09121234567", email="hamid@example.com",
        ).ticket
        meetings.meeting_offer(ticket_id=ticket.pk, official=secretary, date="1405/09/04", time="10:30", minutes=20, location="طبقه ۳")
        meetings.meeting_accept_by_citizen(ticket=ticket)
    offered, confirmed = OutboundMail.objects.filter(ticket=ticket, kind="meeting").order_by("id")
    assert "پیشنهاد" in offered.subject and "۴ آذر ۱۴۰۵ ساعت ۱۰:۳۰" in offered.text and "طبقه ۳" in offered.text
    assert "قطعی" in confirmed.subject and "دکتر سارا نوری" in confirmed.text
    assert offered.to == "hamid@example.com" and ticket.code in offered.subject.replace("-", "")
    with clock.frozen_at(NOW + dt.timedelta(days=1, hours=2)):
        meetings.meeting_reminder_sweep(now=clock.now())
        meetings.meeting_reminder_sweep(now=clock.now())
    assert OutboundMail.objects.filter(ticket=ticket, kind="meeting", subject__contains="یادآوری").count() == 1
