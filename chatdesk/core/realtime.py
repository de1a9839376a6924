"""The only caller of the channel layer (design rule 4).

Every broadcast is scheduled with ``transaction.on_commit``: the database is the mailbox, the
channel layer only a doorbell.  A lost broadcast costs nothing but latency: clients detect the
gap in sequence numbers (or reconnect) and catch up from the database.

The audience is decided here, when the event is built: the citizen group of a conversation gets
citizen frames only; internal notes and staff-only fields go to staff groups.

While the layer is unreachable (Redis down), failed broadcasts are one logged event, not one
traceback each (``LayerOutage``): the first failure is logged with its traceback, the rest are
counted, and the recovery is logged with the count.
"""

import asyncio
import hashlib
import logging
import os
import secrets
import threading
import time
import weakref
from contextlib import contextmanager

from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.db import transaction

from . import events
from .layer import group_send_many

log = logging.getLogger(__name__)

_captures = []


# --- group names (ASCII, < 100 characters: Channels' rule) ----------------------------------
def group_conversation_citizen(conversation_id):
    return f"conv.{conversation_id}.citizen"


def group_conversation_staff(conversation_id):
    return f"conv.{conversation_id}.staff"


def group_unit(unit_id):
    return f"unit.{unit_id}"


def group_official(official_id):
    return f"official.{official_id}"


def group_ticket_staff(ticket_id):
    return f"ticket.{ticket_id}.staff"


def group_session(session_key):
    """Every console socket of one browser session (a digest: session keys stay out of Redis)."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


# --- an unreachable layer is one event, not one traceback per broadcast ------------------------
class LayerOutage:
    """Failed broadcasts while the channel layer (Redis) is down: the first failure logs one
    WARNING with its traceback, the next ones are only counted (a busy desk makes thousands a
    second), a reminder without a traceback is logged every ``REMIND_SECONDS`` while it lasts,
    and the first broadcast that goes through again logs the recovery with the count."""

    REMIND_SECONDS = 300

    def __init__(self, logger):
        self.log = logger
        self.lock = threading.Lock()
        self.since = None  # time.monotonic() of the first failure, None while the layer works
        self.failures = 0
        self.reminded = 0.0

    @property
    def down(self):
        return self.since is not None

    def failed(self, what):
        now = time.monotonic()
        with self.lock:
            self.failures += 1
            first = self.since is None
            if first:
                self.since = self.reminded = now
            remind = not first and now - self.reminded >= self.REMIND_SECONDS
            if remind:
                self.reminded = now
            failures, since = self.failures, self.since
        if first:
            self.log.warning(
                "channel layer unreachable (%s failed); live broadcasts are dropped and counted until it is back "
                "(clients catch up from the database)", what, exc_info=True,
            )
        elif remind:
            self.log.warning("channel layer still unreachable after %.0f s; %d broadcasts dropped so far", now - since, failures)

    def succeeded(self):
        if self.since is None:  # the common case: no lock
            return
        with self.lock:
            if self.since is None:
                return
            failures, lasted = self.failures, time.monotonic() - self.since
            self.since, self.failures = None, 0
        self.log.warning("channel layer reachable again after %.1f s; %d broadcasts were dropped meanwhile", lasted, failures)


outage = LayerOutage(log)


# --- the seam ---------------------------------------------------------------------------------
@contextmanager
def captured():
    """Record every broadcast made inside the block as ``(group, message)`` (tests assert on it;
    the broadcasts are still sent)."""
    record = []
    _captures.append(record)
    try:
        yield record
    finally:
        _captures.remove(record)


class _BackgroundLoop:
    """One long-lived event loop in a daemon thread, for broadcasts made by plain synchronous code
    (the worker, management commands).  ``async_to_sync`` there would start a new event loop for
    every broadcast, and the Redis layer opens a new connection for every loop: measured, a worker
    escalating chats spent seconds per ticket connecting to Redis under load."""

    def __init__(self):
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="chatdesk-broadcast", daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


_background = None
_background_lock = threading.Lock()


def _background_loop():
    global _background
    with _background_lock:
        if _background is None or _background.pid != os.getpid():  # a forked child needs its own
            _background = _BackgroundLoop()
        return _background


def _inside_server_loop():
    """True in a thread that sync_to_async started from a server's event loop (a view or a
    consumer's database call): broadcasts are then published by that loop."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    # A thread that once served a loop keeps it in its thread-local after the loop closed (a
    # finished test, a server shut down): only a loop still running can publish.
    return getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) == os.getpid() and (
        loop is not None and not loop.is_closed() and loop.is_running()
    )


def _send_all(broadcasts):
    """Publish ``[(group, message), ...]`` (made by one service call, after its commit)."""
    for record in _captures:
        record.extend(broadcasts)
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if _inside_server_loop():
            _publisher(SyncToAsync.threadlocal.main_event_loop, layer).hand_over(broadcasts)
        else:
            _background_loop().run(group_send_many(layer, broadcasts), timeout=10)
            outage.succeeded()
    except Exception:  # the layer is a doorbell: a failure costs latency, never data
        outage.failed(f"broadcast to {', '.join(group for group, _ in broadcasts)}")


class _Publisher:
    """Broadcasts made on a database thread (a consumer's call, a view) are handed to the
    server's event loop and published there; the thread does not wait for Redis.  It used to
    (``async_to_sync``), and every socket's database work then waited behind every publish
    (docs/performance.md).

    One publisher per event loop: what the threads hand over waits in one list, and one task
    sends everything waiting as one pipeline (``core/layer.py``), then whatever came meanwhile,
    until nothing waits.  So broadcasts leave in the order they were made (the order of their
    commits), and under load many share one round trip to Redis: one at a time, each waiting
    for Redis's answer, they fell behind a thousand messages a second (#22).  A thread wakes the
    loop only when nothing was waiting (``call_soon_threadsafe`` writes to a pipe)."""

    def __init__(self, loop, layer):
        self.loop = loop
        self.layer = layer
        self.lock = threading.Lock()
        self.waiting = []
        self.awake = False  # a task is publishing, or one is scheduled to start
        self.task = None  # a strong reference: the event loop keeps only weak ones to its tasks

    def hand_over(self, broadcasts):
        """From any thread."""
        with self.lock:
            self.waiting.extend(broadcasts)
            if self.awake:
                return
            self.awake = True
        self.loop.call_soon_threadsafe(self._start)

    def _start(self):
        self.task = self.loop.create_task(self._publish())

    async def _publish(self):
        while True:
            with self.lock:
                batch, self.waiting = self.waiting, []
                if not batch:
                    self.awake = False
                    self.task = None
                    return
            try:
                await group_send_many(self.layer, batch)
            except Exception:
                outage.failed(f"broadcast to {', '.join(sorted({group for group, _ in batch}))}")
            else:
                outage.succeeded()


_publishers = weakref.WeakKeyDictionary()  # event loop -> its _Publisher
_publishers_lock = threading.Lock()


def _publisher(loop, layer):
    with _publishers_lock:
        publisher = _publishers.get(loop)
        if publisher is None or publisher.layer is not layer:  # a test that swapped the layer
            publisher = _publishers[loop] = _Publisher(loop, layer)
        return publisher


def _after_commit(group, message):
    _after_commit_all([(group, message)])


def _after_commit_all(broadcasts):
    """Broadcasts of one change: one hook after the commit, and (from a database thread) one
    hand-off to the server's event loop, which wakes it once (#22)."""
    transaction.on_commit(lambda: _send_all(broadcasts), robust=True)


# --- listeners: edge channels that carry frames further (chatdesk/bale) ------------------------
_listeners = []


def subscribe(listener):
    """Register ``listener(audience, key, frame)``: called at the moment a service announces a
    frame to a conversation's citizen (``audience="citizen"``, key: the conversation id) or to a
    ticket's staff (``"ticket_staff"``, key: the ticket id), synchronously, *inside the service's
    transaction*.  A channel adapter writes its outbox row there, so the row exists exactly when
    the change does; it must not do network I/O (its worker sends after the commit), and an
    exception rolls the change back.  Registered once, in the adapter's ``AppConfig.ready``."""
    if listener not in _listeners:
        _listeners.append(listener)


def _tell_listeners(audience, key, frame):
    for listener in _listeners:
        listener(audience, key, frame)


# --- what services call -----------------------------------------------------------------------
def to_citizen(conversation_id, frame):
    _tell_listeners("citizen", conversation_id, frame)
    _after_commit(group_conversation_citizen(conversation_id), {"type": events.LAYER_EVENT, "frame": frame})


def to_staff_of_conversation(conversation_id, frame):
    _after_commit(group_conversation_staff(conversation_id), {"type": events.LAYER_EVENT, "frame": frame})


def to_conversation(conversation_id, frame):
    """``to_citizen`` and ``to_staff_of_conversation`` at once, for a frame both audiences get whole
    (a chat message: no staff-only field).  Still two groups, so each socket keeps one group per
    audience; one hook after the commit instead of two."""
    to_conversations([(conversation_id, frame)])


def to_conversations(frames):
    """``to_conversation`` for each ``(conversation_id, frame)``, in order, with one hook after
    the commit for all of them (a batch of group commit: one hand-off to the event loop for the
    batch instead of one per message, #22)."""
    broadcasts = []
    for conversation_id, frame in frames:
        _tell_listeners("citizen", conversation_id, frame)
        broadcasts += [
            (group_conversation_citizen(conversation_id), {"type": events.LAYER_EVENT, "frame": frame}),
            (group_conversation_staff(conversation_id), {"type": events.LAYER_EVENT, "frame": frame}),
        ]
    if broadcasts:
        _after_commit_all(broadcasts)


def to_units(unit_ids, frame):
    for unit_id in sorted(set(unit_ids)):
        _after_commit(group_unit(unit_id), {"type": events.LAYER_EVENT, "frame": frame})


def to_ticket_staff(ticket_id, frame):
    _tell_listeners("ticket_staff", ticket_id, frame)
    _after_commit(group_ticket_staff(ticket_id), {"type": events.LAYER_EVENT, "frame": frame})


def to_official(official_id, frame):
    _after_commit(group_official(official_id), {"type": events.LAYER_EVENT, "frame": frame})


def join_official_to_conversation(official_id, conversation_id):
    """Tell every console socket of an official to follow a conversation's staff group."""
    _after_commit(
        group_official(official_id),
        {"type": events.LAYER_CONTROL, "action": "join", "group": group_conversation_staff(conversation_id)},
    )


def leave_official_from_conversation(official_id, conversation_id):
    _after_commit(
        group_official(official_id),
        {"type": events.LAYER_CONTROL, "action": "leave", "group": group_conversation_staff(conversation_id)},
    )


def close_official_sockets(official_id, code=4401):
    _after_commit(group_official(official_id), {"type": events.LAYER_CONTROL, "action": "close", "code": code})


def close_session_sockets(session_key, code=4401):
    """Close the console sockets of one browser session (logout, expired session)."""
    _after_commit(group_session(session_key), {"type": events.LAYER_CONTROL, "action": "close", "code": code})


# --- ephemeral events (no write behind them, sent at once from async code) -------------------
async def typing(conversation_id, *, side, active, name=""):
    frame = {"type": events.TYPING, "conversation_id": conversation_id, "side": side, "active": bool(active)}
    if side == "official":
        frame["name"] = name
        group = group_conversation_citizen(conversation_id)
    else:
        group = group_conversation_staff(conversation_id)
    message = {"type": events.LAYER_EVENT, "frame": frame}
    for record in _captures:
        record.append((group, message))
    layer = get_channel_layer()
    try:
        await layer.group_send(group, message)
    except Exception:
        outage.failed("typing broadcast")
    else:
        outage.succeeded()


# --- socket membership (consumers call these; they never touch the layer themselves) ---------
async def join(consumer, group):
    # Recorded first: a socket closed during group_add still leaves the group on disconnect.
    consumer.groups_joined.add(group)
    await consumer.channel_layer.group_add(group, consumer.channel_name)


async def leave(consumer, group):
    consumer.groups_joined.discard(group)
    await consumer.channel_layer.group_discard(group, consumer.channel_name)


async def leave_all(consumer):
    for group in list(consumer.groups_joined):
        try:
            await leave(consumer, group)
        except Exception:
            outage.failed(f"group_discard {group}")


# --- health ------------------------------------------------------------------------------------
async def layer_round_trip(timeout):
    """A real round trip: send to a fresh channel of this process and receive it back."""
    layer = get_channel_layer()
    if layer is None:
        return "error: no channel layer"
    try:
        async with asyncio.timeout(timeout):
            channel = await layer.new_channel()
            token = secrets.token_hex(8)
            await layer.send(channel, {"type": "health.ping", "token": token})
            message = await layer.receive(channel)
        # A receive that returned leaves the pub/sub layer subscribed to the channel; a cancelled
        # one unsubscribes (its clean-up path), so cancel a second receive to let it go.
        leftover = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0)
        leftover.cancel()
        await asyncio.gather(leftover, return_exceptions=True)
        return "ok" if message.get("token") == token else "error: wrong message"
    except TimeoutError:
        return "error: timeout"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
