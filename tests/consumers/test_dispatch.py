"""How sockets run their work (consumers/base.py): broadcasts are written without waiting for
database work, a socket's frames wait in its own inbox (in order, bounded), database calls keep
their connections on a few threads, and broadcasts made on those threads are published in order
(core/realtime.py)."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from chatdesk.chats.models import Message
from chatdesk.core import realtime
from chatdesk.core.events import LAYER_EVENT
from consumers import base


async def _citizen(socket_factory, unit):
    from chatdesk.chats import services

    started = await sync_to_async(lambda: services.conversation_start(unit_id=unit.pk, name="مریم شهروند"))()
    sock = socket_factory("/ws/chat/")
    assert (await sock.connect())[0]
    await sock.send({"type": "hello", "token": started.token})
    await sock.recv_until("welcome")
    return started.conversation, sock


class HeldDatabaseThreads:
    """Keep every socket database thread of this process busy until released."""

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.calls = []

    async def __aenter__(self):
        def hold():
            self.started.release()
            self.release.wait(10)

        for _ in range(base.settings.CHAT["SOCKET_DB_THREADS"]):
            self.calls.append(asyncio.ensure_future(base.db(hold)()))
        for _ in self.calls:
            await asyncio.to_thread(self.started.acquire, True, 5)
        return self

    async def __aexit__(self, *exc):
        self.release.set()
        await asyncio.gather(*self.calls)


async def _probe(conversation_id, n=0):
    layer = realtime.get_channel_layer()
    await layer.group_send(realtime.group_conversation_citizen(conversation_id), {"type": LAYER_EVENT, "frame": {"type": "probe", "n": n}})


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_reaches_a_socket_whose_own_database_call_is_waiting(socket_factory, unit):
    conversation, sock = await _citizen(socket_factory, unit)
    async with HeldDatabaseThreads():
        await sock.send({"type": "message.send", "client_id": "waiting", "body": "سلام"})
        await asyncio.sleep(0.05)
        await _probe(conversation.pk)
        # delivered while this socket's own message is still waiting for a database thread
        assert (await sock.recv(timeout=2))["type"] == "probe"
        await sock.nothing(0.1)
    ack = await sock.recv_until("ack")
    assert ack["client_id"] == "waiting" and ack["seq"] == 1


@pytest.mark.django_db(transaction=True)
async def test_a_full_inbox_answers_busy_and_stores_nothing_it_refused(socket_factory, unit):
    conversation, sock = await _citizen(socket_factory, unit)
    async with HeldDatabaseThreads():
        await sock.send({"type": "message.send", "client_id": "first", "body": "سلام"})
        await asyncio.sleep(0.05)  # taken by the socket's task: it waits for a database thread
        for _ in range(base.INBOX_LIMIT):
            await sock.send({"type": "ping"})
        await sock.send({"type": "message.send", "client_id": "too-many", "body": "سلام دوباره"})
        busy = await sock.recv(timeout=2)
        assert busy["type"] == "error" and busy["code"] == "busy"
        assert busy["client_id"] == "too-many" and busy["retry_after"] > 0 and busy["message"]
    answers = []
    while len(answers) < 1 + base.INBOX_LIMIT:
        frame = await sock.recv()
        if frame["type"] != "message":  # the stored message's broadcast, to this socket too
            answers.append(frame)
    assert answers[0]["type"] == "ack" and answers[0]["client_id"] == "first"  # in the order sent
    assert [f["type"] for f in answers[1:]] == ["pong"] * base.INBOX_LIMIT
    stored = await sync_to_async(lambda: list(Message.objects.filter(conversation=conversation).values_list("client_id", flat=True)))()
    assert stored == ["first"]
    # the refused frame, sent again, is stored once
    await sock.send({"type": "message.send", "client_id": "too-many", "body": "سلام دوباره"})
    assert (await sock.recv_until("ack"))["seq"] == 2


@pytest.mark.django_db(transaction=True)
async def test_socket_database_calls_keep_their_connections():
    def query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return threading.get_ident(), connection.connection

    used = [await base.db(query)() for _ in range(30)]
    by_thread = {}
    for thread, raw in used:  # the raw connections stay referenced here: no id is reused
        by_thread.setdefault(thread, set()).add(id(raw))
    assert 1 <= len(by_thread) <= base.settings.CHAT["SOCKET_DB_THREADS"]
    assert all(len(raws) == 1 for raws in by_thread.values()), by_thread  # one connection per thread
    assert all(raw is not None for _, raw in used)


@pytest.mark.django_db(transaction=True)
async def test_broadcasts_from_database_threads_are_published_in_order(socket_factory, unit):
    conversation, sock = await _citizen(socket_factory, unit)

    def announce(start):
        with transaction.atomic():
            for n in range(start, start + 25):
                realtime.to_citizen(conversation.pk, {"type": "probe", "n": n})

    await base.db(announce)(0)
    await base.db(announce)(25)
    received = [(await sock.recv(timeout=2))["n"] for _ in range(50)]
    assert received == list(range(50))
