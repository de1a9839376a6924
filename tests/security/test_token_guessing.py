"""Guessed chat tokens are slowed down as guessed passwords are (issue #20): wrong tokens from one
address, on the citizen socket and on every HTTP call that takes a chat token, lock that address
out for a while (every token refused, a right one too); other addresses go on."""

import json

import pytest
from django.test import Client

from chatdesk.chats import services
from chatdesk.chats.access import access_conversation_for_token
from chatdesk.core.errors import NotFound, RateLimited

pytestmark = pytest.mark.django_db(transaction=True)

FAILURES = 3


@pytest.fixture(autouse=True)
def few_failures(settings):
    settings.CHAT = {**settings.CHAT, "TOKEN_FAILURES_PER_ADDRESS": FAILURES, "TOKEN_LOCK_SECONDS": 600}


@pytest.fixture
def started(unit):
    return services.conversation_start(unit_id=unit.pk, name="سارا محمدی", email="sara@example.ir")


async def hello(socket_factory, token, client=("198.51.100.7", 40000)):
    sock = socket_factory("/ws/chat/", client=client)
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": token})
    frame = await sock.recv()
    closed = await sock.comm.receive_output(timeout=1) if frame["type"] == "error" else None
    return frame, closed, sock


async def test_wrong_tokens_on_the_socket_lock_the_address_out(socket_factory, started):
    for n in range(FAILURES):
        frame, closed, _ = await hello(socket_factory, f"wrong-token-{n}")
        assert frame["code"] == "invalid_token" and closed == {"type": "websocket.close", "code": 4403}
    # locked: the right token is refused too, with the time to wait, and a close that does not
    # tell the widget its chat is gone (4403 would make it forget the chat)
    frame, closed, _ = await hello(socket_factory, started.token)
    assert frame["code"] == "rate_limited" and 500 < frame["retry_after"] <= 601
    assert "دقیقه" in frame["message"] and "۱۰" in frame["message"]
    assert closed == {"type": "websocket.close", "code": 4429}
    # another address is not locked
    frame, _, sock = await hello(socket_factory, started.token, client=("203.0.113.9", 40000))
    assert frame["type"] == "welcome"
    await sock.close()


async def test_a_right_token_does_not_lift_the_count(socket_factory, started):
    for n in range(FAILURES - 1):
        assert (await hello(socket_factory, f"wrong-{n}"))[0]["code"] == "invalid_token"
    frame, _, sock = await hello(socket_factory, started.token)
    assert frame["type"] == "welcome"
    await sock.close()
    assert (await hello(socket_factory, "wrong-last"))[0]["code"] == "invalid_token"
    assert (await hello(socket_factory, started.token))[0]["code"] == "rate_limited"


@pytest.fixture
def document(started, make_official, unit, settings, tmp_path):
    """A document in the chat (so that a download's wrong token is about a file that exists)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support.documents import PDF

    settings.MEDIA_ROOT = tmp_path
    unit.always_open = True
    unit.save()
    official = make_official("rezaei", [unit], name="زهرا رضایی")
    services.conversation_take(conversation_id=started.conversation.pk, official=official)
    response = Client(REMOTE_ADDR="192.0.2.1").post(
        "/api/chat/files/", {"file": SimpleUploadedFile("نامه.pdf", PDF), "client_id": "doc"}, HTTP_X_CHAT_TOKEN=started.token
    )
    assert response.status_code == 201
    return response.json()["message"]["file"]["id"]


def _transcript(client, token, document):
    return client.post("/api/chat/transcript/", json.dumps({"token": token}), content_type="application/json")


def _rating(client, token, document):
    return client.post("/rate/chat/", json.dumps({"token": token}), content_type="application/json")


def _chat_ticket(client, token, document):
    return client.post("/api/chat/ticket/", json.dumps({"token": token}), content_type="application/json")


def _upload(client, token, document):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/chat/files/", {"file": SimpleUploadedFile("a.txt", b"x"), "client_id": "f1"}, HTTP_X_CHAT_TOKEN=token)


def _download(client, token, document):
    return client.get(f"/api/chat/files/{document}/", HTTP_X_CHAT_TOKEN=token)


@pytest.mark.parametrize("call", [_transcript, _rating, _chat_ticket, _upload, _download], ids=["transcript", "rating", "chat-ticket", "upload", "download"])
def test_wrong_tokens_over_http_lock_the_address_out(started, document, call):
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(FAILURES):
        assert call(guesser, f"wrong-token-{n}", document).status_code in (400, 404)
    # locked: every call that takes a chat token refuses this address, with the time to wait
    for each in (_transcript, _rating, _chat_ticket, _upload, _download):
        locked = each(guesser, started.token, document)
        assert locked.status_code == 429 and 500 < int(locked["Retry-After"]) <= 601, each
        assert locked.json()["error"]["code"] == "rate_limited" and "دقیقه" in locked.json()["error"]["message"]
    # the socket shares the lock; another address goes on
    with pytest.raises(RateLimited):
        access_conversation_for_token(started.token, address="198.51.100.7")
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert _rating(other, started.token, document).status_code == 200
    assert _download(other, started.token, document).status_code == 200
def test_a_hundred_quick_guesses_are_mostly_refused_without_a_lookup(started, django_assert_num_queries):
    for n in range(FAILURES):
        with pytest.raises(NotFound):
            access_conversation_for_token(f"guess-{n}", address="198.51.100.7")
    with django_assert_num_queries(0):  # refused before the database is asked
        for n in range(100):
            with pytest.raises(RateLimited):
                access_conversation_for_token(f"guess-{n}", address="198.51.100.7")
