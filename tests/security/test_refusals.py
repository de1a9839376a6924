"""Refusals on the public entry points: per-address rate limits (proxy-aware address), guessed
tokens, oversized frames, CR/LF in names and subjects.  Each asserts the refusal and that the
case tables did not change."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.chats import files as chat_files
from chatdesk.chats.models import Conversation
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Ticket
from tests.security import world as W


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    return W.build(make_unit, make_official)


@pytest.mark.django_db
def test_chat_start_counts_the_forwarded_address_behind_a_proxy(settings, make_unit):
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    unit = make_unit("واحد", code="u1", always_open=True, chat_enabled=True, show_in_menu=True)
    response = Client().post(
        "/api/chat/start/", json.dumps({"unit": unit.pk, "name": "سارا"}), content_type="application/json",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 10.9.8.7", REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 201, response.content
    assert Conversation.objects.get().ip_address == "10.9.8.7"


@pytest.mark.django_db
def test_guessed_chat_tokens_open_nothing_and_are_limited_per_address(world, monkeypatch):
    from chatdesk.mail import views as mail_views

    monkeypatch.setattr(mail_views, "TRANSCRIPTS_PER_ADDRESS", 3)
    before = W.state_hash()
    codes = []
    for i in range(5):
        response = Client().post("/api/chat/transcript/", json.dumps({"token": f"guess-{i}-" + "A" * 30}), content_type="application/json")
        codes.append(response.status_code)
    assert codes == [404, 404, 404, 429, 429]
    assert "لطفاً بعداً" in response.json()["error"]["message"]
    assert W.state_hash() == before


@pytest.mark.django_db
def test_citizen_uploads_are_limited_per_address(world, monkeypatch):
    monkeypatch.setattr(chat_files, "FILES_PER_HOUR_PER_ADDRESS", 1)
    ok = Client().post("/api/chat/files/", {"file": W._pdf(), "client_id": "u1"}, HTTP_X_CHAT_TOKEN=world.token_a)
    assert ok.status_code == 201
    before = W.state_hash()
    refused = Client().post("/api/chat/files/", {"file": W._pdf(), "client_id": "u2"}, HTTP_X_CHAT_TOKEN=world.token_a)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert W.state_hash() == before


@pytest.mark.django_db
def test_disguised_upload_is_refused_and_nothing_changes(world):
    before = W.state_hash()
    fake = W.SimpleUploadedFile("نامه.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    response = Client().post("/api/chat/files/", {"file": fake, "client_id": "d1"}, HTTP_X_CHAT_TOKEN=world.token_a)
    assert response.status_code == 400
    assert W.state_hash() == before


@pytest.mark.django_db
def test_cr_lf_in_names_and_subjects_never_reach_mail_headers(world, django_capture_on_commit_callbacks):
    from chatdesk.mail import outbound

    with django_capture_on_commit_callbacks(execute=True):
        opened = ticket_services.ticket_open(
            kind=Ticket.Kind.CONTACT, unit=world.unit_a, subject="سلام\r\nBcc: victim@example.com", body="متن درخواست",
            name="علی\r\nBcc: victim@example.com", email="citizen@example.com", rate_limit=False,
        )
    ticket = opened.ticket
    assert "\n" not in ticket.subject and "\r" not in ticket.subject and "\n" not in ticket.citizen_name
    mails = list(OutboundMail.objects.filter(ticket=ticket))
    assert mails, "the confirmation mail is queued"
    for mail in mails:
        assert "\n" not in mail.subject and "\r" not in mail.subject
        raw = outbound.build(mail).message().as_bytes()
        headers = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].lower()
        assert b"\nbcc:" not in headers and b"victim@example.com" not in headers.split(b"\nsubject:")[0]


@pytest.mark.django_db(transaction=True)
async def test_oversized_and_bad_frames_are_refused_on_both_sockets(world):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from chatdesk.asgi import application
    from tests.conftest import ORIGIN

    before = await sync_to_async(W.state_hash)()
    comm = WebsocketCommunicator(application, "/ws/chat/", headers=[ORIGIN])
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "hello", "token": world.token_a})
    assert (await comm.receive_json_from(timeout=5))["type"] == "welcome"
    await comm.send_to(text_data=json.dumps({"type": "message.send", "client_id": "big", "body": "ب" * settings.CHAT["MAX_FRAME_BYTES"]}))
    frame = await comm.receive_json_from(timeout=5)
    assert frame["type"] == "error" and frame["code"] == "frame_too_large"
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from(timeout=5))["code"] == "bad_frame"
    await comm.disconnect()
    assert await sync_to_async(W.state_hash)() == before


@pytest.mark.django_db(transaction=True)
async def test_guessed_token_on_the_citizen_socket_is_closed(world):
    from channels.testing import WebsocketCommunicator

    from chatdesk.asgi import application
    from tests.conftest import ORIGIN

    comm = WebsocketCommunicator(application, "/ws/chat/", headers=[ORIGIN])
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "hello", "token": "x" * 43})
    frame = await comm.receive_json_from(timeout=5)
    assert frame["type"] == "error" and frame["code"] == "invalid_token"
    assert (await comm.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/chat/", "/ws/console/"])
async def test_forged_origin_is_refused_on_both_sockets(world, path):
    from channels.testing import WebsocketCommunicator

    from chatdesk.asgi import application

    comm = WebsocketCommunicator(application, path, headers=[(b"origin", b"https://evil.example")])
    connected, _ = await comm.connect()
    assert not connected


@pytest.mark.django_db
def test_forged_origin_on_post_endpoints_is_refused(world):
    """With CSRF enforced (as in a browser), a POST from another origin is refused."""
    before = W.state_hash()
    client = Client(enforce_csrf_checks=True)
    client.get("/")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    for path, body in [
        ("/api/chat/start/", json.dumps({"unit": world.unit_a.pk, "name": "سارا"})),
        ("/api/chat/transcript/", json.dumps({"token": world.token_a})),
        ("/rate/chat/", json.dumps({"token": world.token_a, "score": 5})),
    ]:
        response = client.post(path, body, content_type="application/json", HTTP_X_CSRFTOKEN=token,
                               HTTP_ORIGIN="https://evil.example", HTTP_HOST="testserver", secure=False)
        assert response.status_code == 403, path
    assert W.state_hash() == before
