"""The citizen socket through the real ASGI application (origin check, auth, frames, errors)."""

import json

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def started(unit):
    return services.conversation_start(unit_id=unit.pk, name="سارا محمدی")


async def hello(socket_factory, token, last_seq=0):
    sock = socket_factory("/ws/chat/")
    connected, _ = await sock.connect()
    assert connected
    await sock.send({"type": "hello", "token": token, "last_seq": last_seq})
    return sock, await sock.recv()


async def test_hello_send_ack_and_live_echo(socket_factory, started):
    sock, welcome = await hello(socket_factory, started.token)
    assert welcome["type"] == "welcome" and welcome["protocol"] == 1
    assert welcome["conversation"]["status"] == "waiting" and welcome["messages"] == []
    await sock.send({"type": "message.send", "client_id": "a1", "body": "سلام <b>دنیا</b>"})
    got = [await sock.recv(), await sock.recv()]
    types = sorted(f["type"] for f in got)
    assert types == ["ack", "message"]
    ack = next(f for f in got if f["type"] == "ack")
    assert ack["client_id"] == "a1" and ack["seq"] == 1 and ack["message"]["body"] == "سلام <b>دنیا</b>"
    # resending the same client id (a reconnecting client) stores nothing new and acks the same seq
    await sock.send({"type": "message.send", "client_id": "a1", "body": "سلام <b>دنیا</b>"})
    again = await sock.recv_until("ack")  # the stored message is announced again too, in either order
    assert again["seq"] == 1
    assert await sync_to_async(Message.objects.count)() == 1
    await sock.close()


async def test_resume_returns_exactly_the_missing_messages(socket_factory, started):
    for i in range(5):
        await sync_to_async(services.message_send)(conversation_id=started.conversation.pk, sender="citizen", client_id=f"m{i}", body=f"پیام {i}")
    sock, welcome = await hello(socket_factory, started.token, last_seq=3)
    assert [m["seq"] for m in welcome["messages"]] == [4, 5]
    await sock.send({"type": "resume", "after": 1})
    history = await sock.recv()
    assert history["type"] == "history" and [m["seq"] for m in history["messages"]] == [2, 3, 4, 5]
    await sock.close()


async def test_wrong_token_gets_error_and_close(socket_factory, started):
    sock = socket_factory("/ws/chat/")
    await sock.connect()
    await sock.send({"type": "hello", "token": started.token[:-2] + "xx"})
    error = await sock.recv()
    assert error["type"] == "error" and error["code"] == "invalid_token"
    assert "message" in error and error["message"]
    closed = await sock.comm.receive_output(timeout=1)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_frames_before_hello_are_refused(socket_factory, started):
    sock = socket_factory("/ws/chat/")
    await sock.connect()
    await sock.send({"type": "message.send", "client_id": "a", "body": "x"})
    assert (await sock.recv())["code"] == "hello_required"
    assert await sync_to_async(Message.objects.count)() == 0
    await sock.close()


async def test_foreign_origin_is_rejected(socket_factory, started):
    sock = socket_factory("/ws/chat/", origin=(b"origin", b"https://evil.example"))
    connected, _ = await sock.connect()
    assert not connected
    sock = socket_factory("/ws/chat/", origin=None)
    connected, _ = await sock.connect()
    assert not connected


@pytest.mark.parametrize(
    "raw, code",
    [
        ("not json", "bad_frame"),
        ("[1,2]", "bad_frame"),
        ('{"no":"type"}', "bad_frame"),
        ('{"type":"launch.missiles"}', "unknown_type"),
        ('{"type":"resume","after":-1}', "bad_frame"),
        ('{"type":"resume","after":"3"}', "bad_frame"),
        ('{"type":"message.send","client_id":"ok","body":""}', "empty"),
        ('{"type":"message.send","client_id":"ok","body":{"$gt":""}}', "invalid_body"),
        ('{"type":"message.send","client_id":"bad id!","body":"hi"}', "invalid_client_id"),
    ],
)
async def test_malformed_frames_get_clear_errors_and_change_nothing(socket_factory, started, raw, code):
    sock, _ = await hello(socket_factory, started.token)
    await sock.send(raw)
    error = await sock.recv()
    assert (error["type"], error["code"]) == ("error", code)
    # the connection stays usable
    await sock.send({"type": "ping"})
    assert (await sock.recv())["type"] == "pong"
    assert await sync_to_async(Message.objects.count)() == 0
    await sock.close()


async def test_oversized_frame_and_message(socket_factory, started, settings):
    sock, _ = await hello(socket_factory, started.token)
    await sock.send({"type": "message.send", "client_id": "big", "body": "ب" * 9000})  # 18 KB of UTF-8
    assert (await sock.recv())["code"] == "frame_too_large"
    await sock.send({"type": "message.send", "client_id": "long", "body": "a" * 2001})
    error = await sock.recv()
    assert error["code"] == "too_long" and error["client_id"] == "long"
    await sock.send({"type": "message.send", "client_id": "fine", "body": "a" * 2000})
    assert (await sock.recv_until("ack"))["seq"] == 1
    await sock.close()


async def test_rate_limit_error_keeps_connection(socket_factory, started, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 2}
    sock, _ = await hello(socket_factory, started.token)
    for i in range(2):
        await sock.send({"type": "message.send", "client_id": f"r{i}", "body": "سلام"})
        await sock.recv_until("ack")
    await sock.send({"type": "message.send", "client_id": "r2", "body": "سلام"})
    error = await sock.recv_until("error")
    assert error["code"] == "rate_limited" and error["retry_after"] > 0 and error["client_id"] == "r2"
    assert await sync_to_async(Message.objects.count)() == 2
    await sock.close()


async def test_citizen_ends_chat(socket_factory, started):
    sock, _ = await hello(socket_factory, started.token)
    await sock.send({"type": "chat.end"})
    state = await sock.recv_until("conversation")
    assert state["conversation"]["status"] == "closed"
    conversation = await sync_to_async(Conversation.objects.get)(pk=started.conversation.pk)
    assert conversation.closed_by == "citizen"
    await sock.close()


async def test_two_tabs_of_one_citizen_both_see_messages(socket_factory, started):
    a, _ = await hello(socket_factory, started.token)
    b, _ = await hello(socket_factory, started.token)
    await a.send({"type": "message.send", "client_id": "t1", "body": "از زبانه اول"})
    frame = await b.recv_until("message")
    assert frame["message"]["body"] == "از زبانه اول"
    await a.close()
    await b.close()


async def test_text_is_sent_as_data_not_markup(socket_factory, started):
    sock, _ = await hello(socket_factory, started.token)
    payload = '<img src=x onerror=alert(1)>'
    await sock.send({"type": "message.send", "client_id": "x1", "body": payload})
    ack = await sock.recv_until("ack")
    assert ack["message"]["body"] == payload  # stored as typed; the clients render it as text
    assert json.loads(json.dumps(ack))["message"]["body"] == payload
    await sock.close()


async def test_chat_end_of_an_unanswered_question_with_a_contact_ends_in_escalated(socket_factory, unit):
    """docs/protocol.md §7: chat.end may end a chat as a ticket; the event carries its code."""
    unit.always_open = True  # the ticket's SLA clock reads office hours: not the hour of the run
    await sync_to_async(unit.save)()
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا", mobile="09123456789")
    sock, _ = await hello(socket_factory, started.token)
    await sock.send({"type": "message.send", "client_id": "q1", "body": "سؤال من"})
    await sock.recv_until("ack")
    await sock.send({"type": "chat.end"})
    while True:
        frame = await sock.recv_until("message")
        if frame["message"]["kind"] == "event":
            break
    assert frame["message"]["event"] == "escalated" and frame["message"]["tracking_code"] and frame["message"]["display_code"]
    assert (await sock.recv_until("conversation"))["conversation"]["status"] == "closed"
    await sock.close()
