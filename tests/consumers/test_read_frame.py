"""«دیده شد» over the sockets (#21): a ``read`` frame up to a ``seq`` from either side reaches the
other, is stored (the next ``welcome`` carries it), and a ``seq`` beyond the last is a clear
error after which the socket goes on."""

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services

from .test_console import citizen, console

pytestmark = pytest.mark.django_db(transaction=True)


async def test_read_marks_go_both_ways_survive_a_reconnect_and_a_bad_seq_keeps_the_socket(socket_factory, unit, make_official):
    official = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    conv = started.conversation.pk
    await sync_to_async(services.conversation_take)(conversation_id=conv, official=official)  # seq 1: joined
    off, _welcome = await console(socket_factory, official)
    await off.send({"type": "chat.open", "conversation_id": conv, "after": 0})
    await off.recv_until("history")
    cit = await citizen(socket_factory, started.token)
    await cit.send({"type": "message.send", "client_id": "c1", "body": "سلام"})
    await cit.recv_until("ack")  # seq 2

    # the official reads up to 2: the citizen is told
    await off.send({"type": "read", "conversation_id": conv, "seq": 2})
    told = await cit.recv_until("read")
    assert told == {"type": "read", "conversation_id": conv, "side": "official", "seq": 2}

    # beyond the last: a clear Persian error with the last seq; the socket still works
    await cit.send({"type": "read", "seq": 3, "ref": "r1"})
    error = await cit.recv_until("error")
    assert error["code"] == "read_ahead" and error["last_seq"] == 2 and error["ref"] == "r1" and "بیشتر" in error["message"]
    await cit.send({"type": "read", "seq": "2"})
    assert (await cit.recv_until("error"))["code"] == "bad_frame"
    await cit.send({"type": "read", "seq": 2})
    # (both groups receive every mark: the official's own came back to the console first)
    frame = await off.recv_until("read")
    while frame["side"] == "official":
        frame = await off.recv_until("read")
    assert frame == {"type": "read", "conversation_id": conv, "side": "citizen", "seq": 2}
    await cit.send({"type": "ping"})
    assert (await cit.recv_until("pong"))["type"] == "pong"
    await cit.close()

    # a new socket's welcome carries both marks
    again = socket_factory("/ws/chat/")
    await again.connect()
    await again.send({"type": "hello", "token": started.token})
    welcome = await again.recv_until("welcome")
    assert welcome["conversation"]["read"] == {"citizen": 2, "official": 2}
    await again.close()
    await off.close()
