"""The "resolved" mail asks for the citizen's rating with a signed link; other mails do not."""

import pytest

from chatdesk.core.tracking import check_ticket_token
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services

pytestmark = pytest.mark.django_db


def test_resolved_mail_carries_the_rating_link(unit, make_official):
    official = make_official("a", [unit])
    ticket = services.ticket_open(kind="request", unit=unit, subject="درخواست", body="متن", name="سارا", email="sara@example.com").ticket
    created = OutboundMail.objects.get(ticket=ticket, kind="created")
    assert "/rate/" not in created.text
    services.ticket_reply(ticket_id=ticket.pk, official=official, body="انجام شد", status="resolved")
    mail = OutboundMail.objects.filter(ticket=ticket).exclude(kind="created").get()
    path = f"/rate/{ticket.code}/"
    assert path in mail.text and path in mail.html
    token = mail.text.split(path, 1)[1].split("/", 1)[0]
    ticket.refresh_from_db()
    assert check_ticket_token(ticket, "rate", token)
