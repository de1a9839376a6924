"""The IMAP poller against a real IMAP server (pymap), and the chat transcript on request."""

import imaplib
import json
import time

import pytest
from django.test import Client

from chatdesk.chats import services as chat_services
from chatdesk.core.worker import run_once
from chatdesk.mail import outbound, services
from chatdesk.mail.models import InboundMail, OutboundMail
from chatdesk.tickets.models import Entry, Ticket

from .conftest import CITIZEN, load

UNIT_ADDRESS = "treatment@portal.example.ir"


def append(port, raw):
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("desk", "imap-secret")
    status, _ = client.append("INBOX", None, imaplib.Time2Internaldate(time.time()), raw)
    client.logout()
    assert status == "OK"


def unseen(port):
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("desk", "imap-secret")
    client.select("INBOX")
    _status, data = client.uid("SEARCH", None, "UNSEEN")
    client.logout()
    return data[0].split()


@pytest.mark.django_db(transaction=True)
def test_imap_poll_routes_marks_seen_and_reads_each_message_once(imap_server, open_ticket, unit):
    unit.email = UNIT_ADDRESS
    unit.save(update_fields=["email"])
    ticket = open_ticket()
    reply_to = outbound.reply_address(ticket)
    first_mail = OutboundMail.objects.get(ticket=ticket)
    reply = load("gmail_reply_quoted.eml", FROM=CITIZEN, REPLY_TO=reply_to, REF=first_mail.message_id)
    append(imap_server, reply)
    append(imap_server, load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS=UNIT_ADDRESS))
    append(imap_server, load("auto_reply.eml", FROM=CITIZEN, REPLY_TO=reply_to, REF=first_mail.message_id))
    append(imap_server, reply)  # the same message delivered twice
    assert len(unseen(imap_server)) == 4

    assert services.imap_poll() == 4
    assert unseen(imap_server) == []
    statuses = sorted(InboundMail.objects.values_list("status", "source"))
    assert statuses == [("ignored", "imap"), ("new_ticket", "imap"), ("routed", "imap")]
    # IMAP has no envelope: the recipients come from Delivered-To/To, and the token still routes
    routed = InboundMail.objects.get(status="routed")
    assert routed.ticket_id == ticket.pk and routed.routed_by == "token"
    assert Entry.objects.filter(ticket=ticket, channel="email").count() == 1
    assert Ticket.objects.filter(kind="email").count() == 1
    assert services.imap_poll() == 0  # nothing new


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_imap_poll_and_the_outbox(imap_server, smtp_server, unit):
    unit.email = UNIT_ADDRESS
    unit.save(update_fields=["email"])
    append(imap_server, load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS=UNIT_ADDRESS))
    run_once()  # the poll opens the case (the outbox ran before it in this tick)
    run_once()  # ... and the next tick sends the confirmation
    ticket = Ticket.objects.get(kind="email")
    (message,) = smtp_server.sink.parsed()
    assert message["To"] == "sara@example.ir" and ticket.display_code in message["Subject"]
    assert message["In-Reply-To"] == InboundMail.objects.get().message_id


def test_imap_poll_is_off_without_settings(settings):
    settings.MAIL = {**settings.MAIL, "IMAP_HOST": ""}
    assert services.imap_poll() == 0


# --- transcript ---------------------------------------------------------------------------------
def _post(client, token):
    client.get("/")
    return client.post("/api/chat/transcript/", json.dumps({"token": token}), content_type="application/json",
                       HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)


@pytest.mark.django_db
def test_transcript_on_request(unit, official):
    unit.always_open = True  # the chat is answered at any hour the test runs (it failed after 14:30 Tehran)
    unit.save(update_fields=["always_open"])
    started = chat_services.conversation_start(unit_id=unit.pk, name="مریم احمدی", email=CITIZEN, ip_address="127.0.0.1",
                                               message="سلام، درباره نوبت دهی پرسش دارم")
    conversation = started.conversation
    chat_services.conversation_take(conversation_id=conversation.pk, official=official)
    chat_services.note_add(conversation_id=conversation.pk, official=official, body="یادداشت داخلی محرمانه", client_id="n1")
    chat_services.message_send(conversation_id=conversation.pk, sender="official", official=official, client_id="o1", body="در خدمتم")
    client = Client(enforce_csrf_checks=True)
    response = _post(client, started.token)
    assert response.status_code == 202, response.content
    assert response.json() == {"queued": True, "email": "m***@example.ir"}
    mail = OutboundMail.objects.get(kind="transcript")
    assert mail.to == CITIZEN and mail.conversation_id == conversation.pk
    assert "سلام، درباره نوبت دهی پرسش دارم" in mail.text and "سلام، درباره نوبت دهی پرسش دارم" in mail.html
    assert "در خدمتم" in mail.text and "رضا کارشناس" in mail.text
    assert "محرمانه" not in mail.text + mail.html
    assert _post(client, started.token).status_code == 202
    assert OutboundMail.objects.filter(kind="transcript").count() == 1  # nothing new: one mail
    assert _post(client, "not-a-token").status_code == 404
    no_csrf = Client(enforce_csrf_checks=True).post("/api/chat/transcript/", json.dumps({"token": started.token}), content_type="application/json")
    assert no_csrf.status_code == 403


@pytest.mark.django_db
def test_transcript_needs_an_email(unit):
    started = chat_services.conversation_start(unit_id=unit.pk, name="مریم احمدی", mobile="09121234567", ip_address="127.0.0.1", message="سلام")
    response = _post(Client(enforce_csrf_checks=True), started.token)
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_email"
    assert not OutboundMail.objects.exists()
