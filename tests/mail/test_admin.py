"""The admin lists inbound and outbound mail and re-queues a failed mail."""

import pytest
from django.contrib.auth import get_user_model

from chatdesk.mail import inbound
from chatdesk.mail.models import OutboundMail

from .conftest import load

pytestmark = pytest.mark.django_db


def test_admin_lists_and_retries(client, open_ticket):
    ticket = open_ticket()
    OutboundMail.objects.filter(ticket=ticket).update(status="failed", attempts=15, last_error="SMTPRecipientsRefused")
    inbound.receive(load("mailing_list.eml", UNIT_ADDRESS="x@portal.example.ir"), recipients=["x@portal.example.ir"])
    admin = get_user_model().objects.create_superuser("root", "root@example.ir", "pass-root-1405")
    client.force_login(admin)
    assert client.get("/admin/mail/outboundmail/").status_code == 200
    assert client.get("/admin/mail/inboundmail/").status_code == 200
    mail = OutboundMail.objects.get(ticket=ticket)
    assert client.get(f"/admin/mail/outboundmail/{mail.pk}/change/").status_code == 200
    response = client.post("/admin/mail/outboundmail/", {"action": "retry", "_selected_action": [mail.pk]})
    assert response.status_code == 302
    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == ("queued", 0)
