"""A bounce of a reply: the mail is marked bounced with the report's reason, the officials see it
on the ticket page (a notice and the reply marked) and in the admin outbox, and the citizen's
tracking page shows nothing of it (issue #20)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chatdesk.core.tracking import ticket_token
from chatdesk.mail import inbound, outbound
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import AuditEvent, Entry

from .conftest import CITIZEN, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def bounced_reply(open_ticket, official):
    ticket = open_ticket()
    entry = ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="گواهی شما صادر شد.")
    reply = OutboundMail.objects.get(ticket=ticket, kind="reply")
    reply.status = "sent"
    reply.save(update_fields=["status"])
    raw = load("bounce.eml", FROM=CITIZEN, REPLY_TO=outbound.reply_address(ticket), REF=reply.message_id, CODE=ticket.display_code)
    row = inbound.receive(raw, recipients=[outbound.reply_address(ticket)])
    assert (row.status, row.reason) == ("ignored", "bounce")
    reply.refresh_from_db()
    return ticket, entry, reply, raw


def test_a_bounce_marks_the_mail_bounced_with_its_reason(bounced_reply):
    ticket, entry, reply, raw = bounced_reply
    assert reply.status == OutboundMail.Status.BOUNCED and reply.bounced_at is not None
    assert reply.bounce_reason.startswith("نشانی ایمیل گیرنده وجود ندارد") and "5.1.1" in reply.bounce_reason
    # told once: the same report again changes nothing
    inbound.receive(raw.replace(b"Message-ID: <bounce-", b"Message-ID: <again-"), recipients=[outbound.reply_address(ticket)])
    assert Entry.objects.filter(ticket=ticket, data__event="mail_bounced").count() == 1
    assert AuditEvent.objects.filter(ticket=ticket, action="mail_bounced").count() == 1


def test_the_official_is_told_on_the_ticket_page_and_the_citizen_page_shows_nothing(bounced_reply, official):
    ticket, entry, reply, _ = bounced_reply
    client = Client()
    client.force_login(official.user)
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'data-role="mail-bounced"' in page and "ایمیل به شهروند نرسید" in page
    assert CITIZEN in page and "نشانی ایمیل گیرنده وجود ندارد" in page
    assert 'data-role="reply-bounced"' in page  # the reply that did not arrive is marked
    event = Entry.objects.get(ticket=ticket, data__event="mail_bounced")
    assert not event.public and "برگشت خورد" in event.body

    citizen = Client()
    citizen.get(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")
    tracking = citizen.get(f"/track/{ticket.code}/").content.decode()
    assert "برگشت" not in tracking and "mail-bounced" not in tracking

    # once the citizen writes again, the notice goes (the timeline keeps the event)
    ticket_services.ticket_follow_up(ticket_id=ticket.pk, body="نشانی ایمیلم را درست کردم.")
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'data-role="mail-bounced"' not in page and "برگشت خورد" in page


def test_the_admin_outbox_shows_the_bounce_and_its_reason(bounced_reply, client):
    _, _, reply, _ = bounced_reply
    admin = get_user_model().objects.create_superuser("root", "root@example.ir", "pass-root-1405")
    client.force_login(admin)
    listing = client.get("/admin/mail/outboundmail/?status__exact=bounced").content.decode()
    assert "برگشت خورد" in listing and "نشانی ایمیل گیرنده وجود ندارد" in listing
    detail = client.get(f"/admin/mail/outboundmail/{reply.pk}/change/").content.decode()
    assert "علت برگشت" in detail and "۵.۱.۱" in detail  # the admin writes its digits in Persian (core/admin_locale.py)
