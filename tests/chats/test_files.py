"""Documents in the live chat (chats/files.py): sent over HTTP by the citizen (token header) and
the official (session), stored privately, announced to both sides as a ``file`` message, and
downloaded only by the token holder and the unit's officials, always as an attachment."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from chatdesk.chats import services
from chatdesk.chats.models import Message
from chatdesk.core import events, realtime
from chatdesk.tickets.models import Attachment
from chatdesk.tickets.escalation import conversation_escalate
from tests.support.documents import JPEG, PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def chat(unit, make_official):
    unit.always_open = True
    unit.save()
    official = make_official("rezaei", [unit], name="زهرا رضایی")
    started = services.conversation_start(unit_id=unit.pk, name="سارا محمدی", mobile="09123456789")
    services.conversation_take(conversation_id=started.conversation.pk, official=official)
    return started, official


def citizen_post(token, content, name="نامه.pdf", client_id="c1"):
    return Client().post("/api/chat/files/", {"file": SimpleUploadedFile(name, content), "client_id": client_id}, HTTP_X_CHAT_TOKEN=token)


def staff_client(official):
    client = Client()
    client.force_login(official.user)
    return client


def frames(record, group):
    return [m["frame"] for g, m in record if m["type"] == events.LAYER_EVENT and g == group]


def test_citizen_sends_a_document_both_sides_see_it(chat, django_capture_on_commit_callbacks):
    started, official = chat
    conv = started.conversation
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        response = citizen_post(started.token, PDF, name="../../نامه من.pdf")
    assert response.status_code == 201
    message = response.json()["message"]
    assert message["kind"] == "file" and message["sender"] == "citizen" and message["client_id"] == "c1"
    assert message["file"]["name"] == "نامه من.pdf"
    assert message["file"]["size"] == len(PDF) and message["file"]["size_display"] == "۵۴۵ بایت"
    attachment = Attachment.objects.get(conversation=conv)
    assert message["file"]["url"] == f"/api/chat/files/{attachment.pk}/"
    assert attachment.message_id == Message.objects.get(conversation=conv, kind="file").pk
    assert attachment.uploaded_by == "citizen" and attachment.file.name.startswith("attachments/")
    for group in (realtime.group_conversation_citizen(conv.pk), realtime.group_conversation_staff(conv.pk)):
        sent = [f for f in frames(record, group) if f["type"] == events.MESSAGE]
        assert sent and sent[-1]["message"]["file"]["id"] == attachment.pk


def test_resend_with_the_same_client_id_stores_once(chat):
    started, _ = chat
    assert citizen_post(started.token, PDF).status_code == 201
    again = citizen_post(started.token, PDF)
    assert again.status_code == 200
    assert Attachment.objects.count() == 1 and Message.objects.filter(kind="file").count() == 1


def test_official_sends_a_document_and_it_counts_as_the_first_answer(chat):
    started, official = chat
    response = staff_client(official).post(
        "/api/chat/files/", {"file": SimpleUploadedFile("پاسخ.jpg", JPEG), "client_id": "o1", "conversation_id": started.conversation.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["message"]["author"] == "زهرا رضایی"
    started.conversation.refresh_from_db()
    assert started.conversation.first_response_at is not None and started.conversation.escalate_at is None


@pytest.mark.parametrize(
    "content,name,code",
    [
        (b"<html><script>alert(1)</script></html>", "x.pdf", "file_type"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "x.pdf", "file_type"),
        (PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (x) >>"), "x.pdf", "file_active_content"),
    ],
)
def test_disguised_documents_are_refused(chat, content, name, code):
    started, _ = chat
    response = citizen_post(started.token, content, name=name)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Attachment.objects.exists() and not Message.objects.filter(kind="file").exists()


@override_settings(UPLOADS={"MAX_BYTES": 32 * 1024, "MAX_FILES": 10})
def test_oversized_document_is_dropped_while_parsing(chat):
    started, _ = chat
    response = citizen_post(started.token, PDF + b"%" + b"0" * (100 * 1024))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert not Attachment.objects.exists()


def test_wrong_token_and_closed_chat(chat):
    started, official = chat
    assert citizen_post("not-a-token", PDF).status_code == 404
    services.conversation_close_by_official(conversation_id=started.conversation.pk, official=official)
    closed = citizen_post(started.token, PDF, client_id="c9")
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "conversation_closed"


def test_csrf_is_required():
    response = Client(enforce_csrf_checks=True).post("/api/chat/files/", {"client_id": "x"}, HTTP_X_CHAT_TOKEN="t")
    assert response.status_code == 403


def test_downloads_only_for_the_token_holder_and_the_units_officials(chat, make_official, other_unit):
    started, official = chat
    attachment_id = citizen_post(started.token, PDF).json()["message"]["file"]["id"]
    url = f"/api/chat/files/{attachment_id}/"

    mine = Client().get(url, HTTP_X_CHAT_TOKEN=started.token)
    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith("attachment;")
    assert mine["X-Content-Type-Options"] == "nosniff" and "no-store" in mine["Cache-Control"]
    assert mine["Content-Type"] == "application/pdf"
    assert b"".join(mine.streaming_content) == PDF

    other = services.conversation_start(unit_id=started.conversation.unit_id, name="دیگری")
    assert Client().get(url, HTTP_X_CHAT_TOKEN=other.token).status_code == 404
    assert Client().get(url).status_code == 404  # nobody
    assert staff_client(official).get(url).status_code == 200
    stranger = make_official("stranger", [other_unit])
    assert staff_client(stranger).get(url).status_code == 404
    assert Client().get("/api/chat/files/999999/", HTTP_X_CHAT_TOKEN=started.token).status_code == 404


def test_documents_stay_with_the_case_when_the_chat_becomes_a_ticket(unit, make_official, other_unit):
    unit.always_open = True
    unit.save()
    started = services.conversation_start(unit_id=unit.pk, name="سارا محمدی", mobile="09123456789")
    citizen_post(started.token, PDF)
    ticket = conversation_escalate(conversation_id=started.conversation.pk, reason="ended")
    attachment = Attachment.objects.get(conversation=started.conversation)
    assert attachment.ticket_id == ticket.pk
    # still downloadable by the unit's officials through the chat link
    officer = make_official("officer", [unit])
    assert staff_client(officer).get(f"/api/chat/files/{attachment.pk}/").status_code == 200
