"""Frames that broke the sockets (issue #20), through the real ASGI application: a resent note,
lone surrogates, deep nesting, a client id with a trailing newline, a typing flag that is not a
boolean, a ping at the hello timeout.  Each is answered as docs/protocol.md says, stores nothing
it refused, and leaves the socket working."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import realtime

pytestmark = pytest.mark.django_db(transaction=True)

DEEP = "[" * 7000 + "]" * 7000
DEEP_OBJECT = '{"type":"message.send","client_id":"deep","body":' + DEEP + "}"


@pytest.fixture
def started(unit):
    return services.conversation_start(unit_id=unit.pk, name="سارا محمدی")


async def citizen(socket_factory, token):
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": token})
    assert (await sock.recv_until("welcome"))["type"] == "welcome"
    return sock


async def console(socket_factory, official):
    user = await sync_to_async(lambda: official.user)()
    sock = socket_factory("/ws/console/", user=user)
    assert (await sock.connect())[0]
    await sock.recv_until("welcome")
    return sock


async def answers_ping(sock):
    await sock.send({"type": "ping"})
    return (await sock.recv_until("pong"))["type"] == "pong"


async def taken_chat(unit, make_official, socket_factory):
    official = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    await sync_to_async(services.conversation_take)(conversation_id=started.conversation.pk, official=official)
    return official, started, await console(socket_factory, official)


# --- 1. a resent note -----------------------------------------------------------------------
async def test_a_resent_note_is_answered_with_the_stored_note(socket_factory, unit, make_official):
    official, started, sock = await taken_chat(unit, make_official, socket_factory)
    cid = started.conversation.pk
    await sock.send({"type": "note.add", "conversation_id": cid, "client_id": "n1", "body": "یادداشت"})
    first = await sock.recv_until("ack")
    for _ in range(2):  # a client that did not see the ack sends the same note again (§9.2)
        await sock.send({"type": "note.add", "conversation_id": cid, "client_id": "n1", "body": "یادداشت"})
        frame = await sock.recv()
        while frame["type"] == "note":  # the first note's broadcast
            frame = await sock.recv()
        assert frame["type"] == "ack", frame
        assert frame["note"] == first["note"] and frame["client_id"] == "n1" and frame["conversation_id"] == cid
    assert await sync_to_async(Note.objects.count)() == 1
    await sock.close()


# --- 2. lone surrogates and deep nesting ------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"type": "message.send", "client_id": "\ud800", "body": "سلام"}),
        json.dumps({"type": "message.send", "client_id": "bad-ref", "body": "سلام", "ref": "\ud800"}),
        json.dumps({"type": "message.send", "client_id": "bad-body", "body": "سلام \ud800"}),
        json.dumps({"type": "message.send", "client_id": "bad-key", "body": "سلام", "\udfff": 1}),
        json.dumps({"type": "resume\ud800", "after": 0}),
        DEEP,
        DEEP_OBJECT,
    ],
    ids=["client_id", "ref", "body", "key", "type", "deep-array", "deep-field"],
)
async def test_lone_surrogates_and_deep_nesting_are_bad_frames_and_the_socket_goes_on(socket_factory, started, raw):
    sock = await citizen(socket_factory, started.token)
    await sock.send(raw)
    # the valid frame sent right behind it is stored and acknowledged
    await sock.send({"type": "message.send", "client_id": "after", "body": "پیام درست"})
    error = await sock.recv()
    assert (error["type"], error["code"]) == ("error", "bad_frame") and error["message"]
    assert (await sock.recv_until("ack"))["client_id"] == "after"
    assert await answers_ping(sock)
    stored = await sync_to_async(lambda: list(Message.objects.values_list("client_id", flat=True)))()
    assert stored == ["after"]
    await sock.close()


async def test_the_console_refuses_surrogates_too(socket_factory, unit, make_official):
    official, started, sock = await taken_chat(unit, make_official, socket_factory)
    cid = started.conversation.pk
    for frame in (
        {"type": "note.add", "conversation_id": cid, "client_id": "n\ud800", "body": "یادداشت"},
        {"type": "note.add", "conversation_id": cid, "client_id": "n2", "body": "یادداشت \udc00"},
        {"type": "message.send", "conversation_id": cid, "client_id": "m1", "body": "\ud83d"},
        {"type": "chat.transfer", "conversation_id": cid, "note": "\ud800", "to_unit_id": unit.pk},
    ):
        await sock.send(frame)
        error = await sock.recv_until("error")
        assert error["code"] == "bad_frame" and error["conversation_id"] == cid
    assert await answers_ping(sock)
    assert await sync_to_async(Note.objects.count)() == 0
    assert await sync_to_async(Message.objects.filter(sender="official").count)() == 0
    await sock.close()


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"unit": 0, "name": "سارا \ud800"}),
        json.dumps({"unit": 0, "name": "سارا", "mobile": "\udc00"}),
        '{"unit": 0, "name": "سارا", "x": ' + DEEP + "}",
    ],
    ids=["name", "mobile", "deep"],
)
def test_chat_start_refuses_surrogates_and_deep_nesting_with_a_persian_json_error(unit, body):
    body = body.replace('"unit": 0', f'"unit": {unit.pk}')
    response = Client().post("/api/chat/start/", body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "bad_request" and "نامعتبر" in error["message"]
    assert not Conversation.objects.exists()


# --- 3. a trailing newline is not part of a client id ---------------------------------------
async def test_a_client_id_with_a_trailing_newline_is_refused(socket_factory, started):
    sock = await citizen(socket_factory, started.token)
    await sock.send({"type": "message.send", "client_id": "abc", "body": "سلام"})
    await sock.recv_until("ack")
    await sock.send({"type": "message.send", "client_id": "abc\n", "body": "سلام"})
    error = await sock.recv_until("error")
    assert error["code"] == "invalid_client_id" and error["client_id"] == "abc\n"
    assert await sync_to_async(lambda: list(Message.objects.values_list("client_id", flat=True)))() == ["abc"]
    await sock.close()


# --- 4. typing.active is a boolean ----------------------------------------------------------
@pytest.mark.parametrize("active", ["x", {}, 1, None, []])
async def test_typing_with_a_flag_that_is_not_a_boolean_is_a_bad_frame(socket_factory, unit, make_official, active):
    official, started, off = await taken_chat(unit, make_official, socket_factory)
    cit = await citizen(socket_factory, started.token)
    with realtime.captured() as sent:
        await cit.send({"type": "typing", "active": active})
        assert (await cit.recv_until("error"))["code"] == "bad_frame"
        await off.send({"type": "typing", "conversation_id": started.conversation.pk, "active": active})
        assert (await off.recv_until("error"))["code"] == "bad_frame"
        assert await answers_ping(cit) and await answers_ping(off)
    assert [m for _g, m in sent if m["frame"]["type"] == "typing"] == []
    # a boolean still goes through
    await cit.send({"type": "typing", "active": False})
    typing = await off.recv_until("typing")
    assert typing["active"] is False and typing["side"] == "citizen"
    await cit.close()
    await off.close()


# --- 5. nothing is sent after close -----------------------------------------------------------
async def test_a_ping_at_the_hello_timeout_gets_no_answer_after_the_close(socket_factory, settings):
    settings.CHAT = {**settings.CHAT, "HELLO_TIMEOUT_SECONDS": 0.05}
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await asyncio.sleep(0.2)  # the timer has closed the socket; the client's ping is on its way
    await sock.send({"type": "ping"})
    assert await sock.comm.receive_output(timeout=1) == {"type": "websocket.close", "code": 4408}
    assert await sock.comm.receive_nothing(timeout=0.3)  # a server raises on a send after close


# --- a hello from the future ------------------------------------------------------------------
async def test_a_hello_with_last_seq_above_the_servers_is_refused_and_may_be_sent_again(socket_factory, started):
    await sync_to_async(services.message_send)(conversation_id=started.conversation.pk, sender="citizen", client_id="m1", body="سلام")
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": started.token, "last_seq": 5, "ref": "hello"})
    error = await sock.recv()
    assert (error["type"], error["code"], error["last_seq"], error["ref"]) == ("error", "seq_ahead", 1, "hello")
    await sock.send({"type": "message.send", "client_id": "early", "body": "سلام"})
    assert (await sock.recv())["code"] == "hello_required"  # not joined: nothing of the chat yet
    await sock.send({"type": "hello", "token": started.token, "last_seq": 0})
    welcome = await sock.recv_until("welcome")
    assert [m["seq"] for m in welcome["messages"]] == [1]
    await sock.close()


@pytest.mark.parametrize("last_seq", [None, "1", -1, 1.5, True])
async def test_a_hello_with_a_last_seq_that_is_not_a_count_is_a_bad_frame(socket_factory, started, last_seq):
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": started.token, "last_seq": last_seq})
    assert (await sock.recv())["code"] == "bad_frame"
    await sock.send({"type": "hello", "token": started.token})  # no last_seq: from the start
    assert (await sock.recv_until("welcome"))["messages"] == []
    await sock.close()


# --- ids past 64 bits ----------------------------------------------------------------------------
async def test_ids_past_64_bits_are_bad_frames_not_server_errors(socket_factory, unit, make_official):
    official, started, sock = await taken_chat(unit, make_official, socket_factory)
    cid, big = started.conversation.pk, 2**63
    for frame in (
        {"type": "message.send", "conversation_id": big, "client_id": "x", "body": "سلام"},
        {"type": "note.add", "conversation_id": big, "client_id": "y", "body": "سلام"},
        {"type": "chat.open", "conversation_id": big},
        {"type": "resume", "conversation_id": cid, "after": 2**70},
        {"type": "ticket.watch", "ticket_id": big},
        {"type": "ticket.watch", "ticket_id": "1"},
        {"type": "ticket.watch", "ticket_id": 1.5},
        {"type": "ticket.watch"},
    ):
        await sock.send(frame)
        error = await sock.recv_until("error")
        assert error["code"] == "bad_frame", frame
    await sock.send({"type": "ticket.watch", "ticket_id": 2**63 - 1})  # an integer: just no such ticket
    assert (await sock.recv_until("error"))["code"] == "not_found"
    assert await answers_ping(sock)
    assert await sync_to_async(Message.objects.filter(sender="official").count)() == 0
    await sock.close()


def test_a_document_for_a_conversation_id_past_64_bits_is_not_found(unit, make_official):
    official = make_official("rezaei", [unit])
    client = Client()
    client.force_login(official.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.support.documents import PDF

    response = client.post("/api/chat/files/", {"file": SimpleUploadedFile("a.pdf", PDF), "client_id": "f1", "conversation_id": str(2**64)})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
