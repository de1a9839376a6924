"""Consumers dispatch without Channels' per-message hop to the sync thread (consumers/base.py):
a broadcast reaches the socket without waiting behind database work, and the database calls still
open and close their connections properly (database_sync_to_async does it)."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from chatdesk.core import realtime
from chatdesk.core.events import LAYER_EVENT


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_is_written_while_the_sync_thread_is_busy(socket_factory, unit):
    from chatdesk.chats import services

    started = await sync_to_async(lambda: services.conversation_start(unit_id=unit.pk, name="مریم شهروند"))()
    conversation, token = started.conversation, started.token
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": token})
    await sock.recv_until("welcome")

    # Hold the process's one sync thread (where every database call of every socket runs).
    release = threading.Event()
    busy = asyncio.ensure_future(database_sync_to_async(release.wait)(5))
    await asyncio.sleep(0.05)
    try:
        layer = realtime.get_channel_layer()
        await layer.group_send(realtime.group_conversation_citizen(conversation.pk), {"type": LAYER_EVENT, "frame": {"type": "probe"}})
        # delivered although the sync thread is still busy: no hop through it on the way
        assert (await sock.recv(timeout=2))["type"] == "probe"
        assert not busy.done()
    finally:
        release.set()
        await busy
    # and database work on the socket still works afterwards
    await sock.send({"type": "message.send", "client_id": "after-busy", "body": "سلام"})
    assert (await sock.recv_until("ack"))["seq"] == 1
