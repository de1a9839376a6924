"""A missing document sent in a live chat reaches the case that waits for it (#18: «the citizen
uploads it from the tracking page, by email reply or chat»; chatdesk/tickets/chat_documents.py).
Real HTTP through Django's client: the tracking page's button, the widget's start call, the
chat's upload; every moment pinned."""

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.chats.models import Message
from chatdesk.core import clock
from chatdesk.core.tracking import format_tracking_code
from chatdesk.tickets import escalation, services
from chatdesk.tickets.models import Attachment, AuditEvent, CaseChat, Entry, Ticket
from tests.support.documents import PDF

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
S = Ticket.Status
ASKED = at(1405, 9, 2, 11)
CHAT = at(1405, 9, 3, 10)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_unit(unit):
    unit.always_open = True  # reachable live at any pinned moment
    unit.chat_enabled = True
    unit.show_in_menu = True
    unit.save()
    return unit


@pytest.fixture
def clerk(live_unit, make_official):
    return make_official("clerk", [live_unit], name="زهرا کارشناس")  # on duty (available)


@pytest.fixture
def waiting_case(live_unit, clerk):
    with clock.frozen_at(MONDAY_10):
        ticket = services.ticket_open(
            kind="request", unit=live_unit, subject="صدور گواهی پایان طرح", body="گواهی پایان طرح را می‌خواهم.",
            name="سارا رضایی", mobile="09121112233",
        ).ticket
    with clock.frozen_at(ASKED):
        services.ticket_request_documents(ticket_id=ticket.pk, official=clerk, missing="تصویر کارت ملی")
    ticket.refresh_from_db()
    assert ticket.status == S.DOCS and ticket.clock_paused_at == ASKED
    return ticket


def citizen_browser(ticket):
    client = Client()
    assert client.post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302
    return client


def start_chat(client, unit):
    response = client.post("/api/chat/start/", json.dumps({"unit": unit.pk, "name": "سارا رضایی", "mobile": "09121112233"}),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def send_file(token, name="کارت ملی.pdf", client_id="f1"):
    return Client().post("/api/chat/files/", {"file": SimpleUploadedFile(name, PDF), "client_id": client_id}, HTTP_X_CHAT_TOKEN=token)


def test_document_sent_in_the_chat_from_the_tracking_page_reaches_the_waiting_case(waiting_case, live_unit, clerk):
    ticket = waiting_case
    client = citizen_browser(ticket)
    with clock.frozen_at(CHAT):
        page = client.get(f"/track/{ticket.code}/").content.decode()
        assert "فرستادن مدرک در گفتگوی آنلاین" in page and "تصویر کارت ملی" in page
        response = client.post(f"/track/{ticket.code}/", {"action": "chat"})
        assert response.status_code == 302 and response["Location"] == f"/?unit={live_unit.pk}#chat"
        started = start_chat(client, live_unit)
    link = CaseChat.objects.get(conversation_id=started["conversation_id"])
    assert link.ticket == ticket
    said = Message.objects.get(conversation_id=started["conversation_id"], kind="event", data__event="case_documents")
    assert format_tracking_code(ticket.code, persian=True) in said.body  # the code, in Persian digits, to both sides
    with clock.frozen_at(at(1405, 9, 3, 10, 5)):
        assert send_file(started["token"]).status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN and ticket.clock_paused_at is None  # reopened, clocks running again
    assert AuditEvent.objects.filter(ticket=ticket, action="clock_resumed").exists()
    attachment = Attachment.objects.get(conversation_id=started["conversation_id"])
    assert attachment.ticket == ticket and attachment.name == "کارت ملی.pdf"
    entry = attachment.entry
    assert entry.kind == Entry.Kind.CITIZEN and entry.channel == "chat" and entry.public and "کارت ملی.pdf" in entry.body
    assert AuditEvent.objects.filter(ticket=ticket, action="follow_up", changes__channel="chat").count() == 1
    # the citizen sees it on the tracking page and downloads it; the console's page has it too
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert "کارت ملی.pdf" in page and "فرستادن مدرک در گفتگوی آنلاین" not in page
    download = client.get(f"/track/{ticket.code}/files/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    staff = Client()
    staff.force_login(clerk.user)
    assert "کارت ملی.pdf" in staff.get(f"/console/tickets/{ticket.pk}/").content.decode()
    # a second document in the same chat is added too; the chat becoming a ticket later keeps it
    with clock.frozen_at(at(1405, 9, 3, 10, 6)):
        assert send_file(started["token"], name="شناسنامه.pdf", client_id="f2").status_code == 201
    assert Attachment.objects.filter(ticket=ticket).count() == 2
    with clock.frozen_at(at(1405, 9, 3, 10, 7)):
        chat_ticket = escalation.conversation_escalate(conversation_id=started["conversation_id"], reason="official", official=clerk)
    assert not Attachment.objects.filter(ticket=chat_ticket).exists()
    assert Attachment.objects.filter(ticket=ticket).count() == 2


def test_only_the_browser_that_opened_the_case_and_only_its_next_chat_with_that_unit(waiting_case, live_unit, make_unit):
    ticket = waiting_case
    stranger = Client()
    with clock.frozen_at(CHAT):
        refused = stranger.post(f"/track/{ticket.code}/", {"action": "chat"})
        assert refused.status_code == 302 and refused["Location"].startswith("/track/?code=")  # not opened here
        plain = start_chat(stranger, live_unit)  # a chat nobody tied to the case
    assert not CaseChat.objects.exists()
    with clock.frozen_at(CHAT):
        assert send_file(plain["token"]).status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == S.DOCS and not Attachment.objects.filter(ticket=ticket).exists()

    other = make_unit("روابط عمومی", code="pr2", always_open=True, chat_enabled=True, show_in_menu=True)
    client = citizen_browser(ticket)
    with clock.frozen_at(CHAT):
        client.post(f"/track/{ticket.code}/", {"action": "chat"})
        start_chat(client, other)  # another unit: not linked, and the choice is used up
        start_chat(client, live_unit)
    assert not CaseChat.objects.exists()
    with clock.frozen_at(CHAT):
        client.post(f"/track/{ticket.code}/", {"action": "chat"})
    with clock.frozen_at(at(1405, 9, 3, 11, 1)):  # over an hour later: stale
        start_chat(client, live_unit)
    assert not CaseChat.objects.exists()


def test_no_chat_offered_when_nobody_can_answer_live(waiting_case, live_unit, clerk):
    clerk.status = clerk.Status.OFFLINE
    clerk.save()
    client = citizen_browser(waiting_case)
    with clock.frozen_at(CHAT):
        assert "فرستادن مدرک در گفتگوی آنلاین" not in client.get(f"/track/{waiting_case.code}/").content.decode()
        response = client.post(f"/track/{waiting_case.code}/", {"action": "chat"}, follow=True)
    assert "اکنون گفتگوی آنلاین با این واحد ممکن نیست" in response.content.decode()
    assert "chat_for_case" not in client.session
