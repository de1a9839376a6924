"""The sender's ack and the socket's session (#22): the ack carries the very message its
broadcast carried, built once on the database thread; the console's session is resolved when
the socket opens and its frames go straight to the server."""

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from chatdesk.chats import services, wire
from consumers.routing import console_auth_stack
from tests.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_ack_carries_the_message_of_its_broadcast_built_once(socket_factory, unit, make_official, monkeypatch):
    official = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    off = socket_factory("/ws/console/", user=await sync_to_async(lambda: official.user)())
    await off.connect()
    await off.recv_until("welcome")
    cit = socket_factory("/ws/chat/")
    await cit.connect()
    await cit.send({"type": "hello", "token": started.token})
    await cit.recv_until("welcome")
    await off.send({"type": "chat.take", "conversation_id": started.conversation.pk})
    await off.recv_until("take.ok")
    await cit.recv_until("conversation")

    built = []
    real = wire.message

    def counted(m):
        built.append(m.seq)
        return real(m)

    monkeypatch.setattr(wire, "message", counted)

    await cit.send({"type": "message.send", "client_id": "c1", "body": "سلام"})
    ack = await cit.recv_until("ack")
    live = await off.recv_until("message")
    while live["message"]["seq"] != ack["seq"]:
        live = await off.recv_until("message")
    assert ack["message"] == live["message"] and ack["message"]["body"] == "سلام" and ack["message"]["ts_display"]
    assert ack["client_id"] == "c1" and "conversation_id" not in ack

    await off.send({"type": "message.send", "conversation_id": started.conversation.pk, "client_id": "o1", "body": "بفرمایید"})
    official_ack = await off.recv_until("ack")
    reply = await cit.recv_until("message")
    while reply["message"]["seq"] != official_ack["seq"]:
        reply = await cit.recv_until("message")
    assert official_ack["conversation_id"] == started.conversation.pk and official_ack["client_id"] == "o1"
    assert official_ack["message"] == reply["message"] and official_ack["message"]["author"] == "زهرا رضایی"
    # each message's wire form was built once, for the broadcast; the ack sent it again
    assert built == [ack["seq"], official_ack["seq"]]

    # a resend is acknowledged with the stored message, announced again, and built once more for it
    await cit.send({"type": "message.send", "client_id": "c1", "body": "سلام"})
    again = await cit.recv_until("ack")
    assert again["message"] == ack["message"] and built == [ack["seq"], official_ack["seq"], ack["seq"]]
    await cit.close()
    await off.close()


async def _through(stack, headers):
    """What the application inside ``stack`` is given for a socket opened with ``headers``."""
    given = {}

    async def inner(scope, receive, send):
        given.update(send=send, session_key=scope["session"].session_key, user=scope["user"]._wrapped if hasattr(scope["user"], "_wrapped") else scope["user"])

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        pass

    scope = {"type": "websocket", "path": "/ws/console/", "headers": headers}
    await stack(inner)(scope, receive, send)
    return given, send


async def test_the_console_session_is_resolved_once_and_frames_go_straight_to_the_server(db):
    user = await sync_to_async(get_user_model().objects.create_user)(username="staff", password="x")
    cookie = await sync_to_async(session_cookie)(user)
    headers = [(b"cookie", f"sessionid={cookie}".encode())]

    given, send = await _through(console_auth_stack, headers)
    channels_given, _send = await _through(AuthMiddlewareStack, headers)
    assert given["send"] is send  # Channels' stack wraps it, to save sessions on HTTP responses
    assert channels_given["send"] is not _send
    assert given["session_key"] == channels_given["session_key"] == cookie
    assert given["user"].pk == channels_given["user"].pk == user.pk

    nobody, _send = await _through(console_auth_stack, [(b"cookie", b"sessionid=forged")])
    assert isinstance(nobody["user"], AnonymousUser)
