"""Shared WebSocket plumbing: frame limits, JSON parsing, dispatch, error frames, and the
database calls of sockets.

Consumers are thin adapters: they parse a frame, call a service through ``db`` and write the
answer.  No business rule lives here.
"""

import asyncio
import contextvars
import json
from collections import deque
import logging
import os
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.consumer import get_handler_name
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from uvicorn.protocols.utils import ClientDisconnected

from chatdesk.core import events, jsontext, realtime
from chatdesk.core.errors import DomainError, RateLimited

log = logging.getLogger("chatdesk.consumers")

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_HELLO_TIMEOUT = 4408
CLOSE_TOO_MANY = 4429


#: a socket's database connection is replaced after this many seconds (a fresh backend now and then)
SOCKET_CONNECTION_MAX_AGE = 300
#: a connection idle longer than this is checked (``SELECT 1``) before its next use
SOCKET_CONNECTION_CHECK_AFTER_IDLE = 5
#: frames of one socket waiting for their turn; more are refused with ``busy`` (the client resends)
INBOX_LIMIT = 64


def _socket_database_call(loop, fn, args, kwargs):
    """On a socket database thread: run ``fn`` with the thread's kept database connection.

    One thread per process (Channels' default) ran every socket's database work one call after
    the other, each mostly waiting for PostgreSQL (its COMMIT waits for the WAL to be flushed);
    a few threads let those waits overlap.  A socket's own frames still run one at a time (the
    inbox below), so a client's messages keep their order.  Opening a connection per call
    (``CONN_MAX_AGE`` 0, which HTTP requests keep: settings.py says why) was a fifth of the
    message path's cost (docs/performance.md); these threads are few and long-lived.  Django's
    own rules still close it: after an error when it is no longer usable, and after
    ``SOCKET_CONNECTION_MAX_AGE``.  A connection idle for a few seconds is checked before use, so
    a database restart while the desk is quiet costs nobody a failed frame; under load a broken
    connection fails one call with ``unavailable`` (the client resends) and is then replaced."""
    # What asgiref's SyncToAsync tells its threads: broadcasts made here are handed to this loop
    # (core/realtime.py), and an async_to_sync here runs on it.
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        if conn.connection is not None:
            conn.health_check_done = now - getattr(conn, "socket_last_used", 0) < SOCKET_CONNECTION_CHECK_AFTER_IDLE
    try:
        return fn(*args, **kwargs)
    finally:
        now = time.monotonic()
        for conn in connections.all(initialized_only=True):
            if conn.errors_occurred or conn.connection is None:
                conn.close_if_unusable_or_obsolete()
                continue
            if getattr(conn, "socket_connection", None) is not conn.connection:  # opened in this call
                conn.socket_connection = conn.connection
                if conn.close_at is not None:
                    conn.close_at = max(conn.close_at, now + SOCKET_CONNECTION_MAX_AGE)
            conn.socket_last_used = now


_threads = None


def _socket_database_threads():
    global _threads
    if _threads is None or _threads[0] != os.getpid():  # a forked child needs its own
        pool = ThreadPoolExecutor(max_workers=settings.CHAT["SOCKET_DB_THREADS"], thread_name_prefix="socket-db")
        _threads = (os.getpid(), pool)
    return _threads[1]


def db(fn):
    """Run a sync service or selector off the event loop, on the sockets' database threads:
    ``await db(service)(*args, **kwargs)``.

    Like asgiref's ``sync_to_async(thread_sensitive=False)``, in a copy of the caller's context,
    and cancelled the same way (the awaiting task stops waiting; the call finishes on its
    thread, and its transaction commits or rolls back whole).  But it is a plain
    ``run_in_executor``: SyncToAsync built a wrapper per call and walked every context variable
    twice (in the thread and back on the loop), which cost the message path µs per frame on the
    event loop, the busiest part of a process (docs/performance.md, #22).  Context variables the
    call changes are not copied back to the caller; no consumer reads one."""

    async def call(*args, **kwargs):
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(_socket_database_threads(), context.run, _socket_database_call, loop, fn, args, kwargs)

    return call


class _Together:
    """Group commit (#22) on the sockets' side: ``await together(service, request)`` hands a
    request to the next batch of this process and returns its own outcome.

    A batch leaves for a database thread at the end of the event loop's turn in which its first
    request arrived, so a quiet desk writes each message at once, alone.  While a batch is being
    written (``TOGETHER_IN_FLIGHT``), new requests wait for it to come back and then leave
    together: under load the batches grow by themselves, up to ``TOGETHER_LIMIT``, and share one
    transaction (``chats.stream.message_send_together``).
    Each socket is answered only with its own outcome, after the commit; a socket's frames still
    go one at a time (the inbox), so a client's messages keep their order."""

    def __init__(self, service):
        self.service = service
        self.waiting = []
        self.writing = 0
        self.scheduled = False

    async def submit(self, request):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((request, future))
        self._schedule(loop)
        outcome = await future
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _schedule(self, loop):
        if not self.scheduled and self.waiting and self.writing < TOGETHER_IN_FLIGHT:
            self.scheduled = True
            # in a context of its own: a batch is no one socket's, so its log lines carry none
            # (core/logging.py), rather than the first socket's
            loop.call_soon(self._leave, loop, context=contextvars.Context())

    def _leave(self, loop):
        self.scheduled = False
        if not self.waiting or self.writing >= TOGETHER_IN_FLIGHT:
            return
        batch, self.waiting = self.waiting[:TOGETHER_LIMIT], self.waiting[TOGETHER_LIMIT:]
        self.writing += 1
        task = loop.create_task(self._write(loop, batch))
        _together_tasks.add(task)
        task.add_done_callback(_together_tasks.discard)

    async def _write(self, loop, batch):
        try:
            outcomes = await db(self.service)([request for request, _future in batch])
        except Exception as error:  # noqa: BLE001  (every socket of the batch answers it)
            outcomes = [error] * len(batch)
        finally:
            self.writing -= 1
            self._schedule(loop)
        for (_request, future), outcome in zip(batch, outcomes):
            if not future.done():  # a socket that closed meanwhile stopped waiting
                future.set_result(outcome)


#: the most requests in one transaction
TOGETHER_LIMIT = 32
#: batches of one service a process writes at once.  One: a transaction's own cost (its BEGIN and
#: COMMIT, its two statements, the thread hand-off) is several times a message's
#: (bench/message_path.py: 0.9 ms of CPU for a batch of one, 0.18 per message in a batch of
#: 16), and at 500 messages a second a process's batches held three or four messages each while
#: two left side by side; one at a time, each gathers what came while the last was written
#: (docs/performance.md, #22).  The other socket database thread stays free for every other call
#: (a history page, a transfer), so a slow one does not hold the messages up.
TOGETHER_IN_FLIGHT = 1
_together = weakref.WeakKeyDictionary()  # event loop -> {service: its _Together}
_together_tasks = set()  # strong references: the event loop keeps only weak ones to its tasks


def together(service, request):
    """``await together(service, request)``: ``service(requests) -> outcomes`` (one per request,
    a result or the exception refusing it), called for this request with others that arrive
    meanwhile, on a socket database thread; this request's outcome is returned or raised."""
    loop = asyncio.get_running_loop()
    batches = _together.setdefault(loop, {})
    if service not in batches:
        batches[service] = _Together(service)
    return batches[service].submit(request)


class FrameError(DomainError):
    code = "bad_frame"
    message = "قالب پیام نامعتبر است."


class DatabaseUnavailable(DomainError):
    code = "unavailable"
    message = "سامانه لحظاتی در دسترس نیست؛ چند لحظه دیگر دوباره تلاش کنید."


class ServerBusy(RateLimited):
    code = "busy"
    message = "سامانه پرمشغله است؛ لطفاً چند لحظه دیگر دوباره تلاش کنید."

    def __init__(self):
        super().__init__(retry_after=2)


class JsonConsumer(AsyncWebsocketConsumer):
    #: frame type -> method name; subclasses fill it in
    handlers = {}

    async def websocket_connect(self, message):
        self.groups_joined = set()
        self._inbox = deque()
        self._inbox_task = None
        self.closed = False
        await super().websocket_connect(message)

    async def websocket_receive(self, message):
        """Frames from the client wait in this socket's inbox and are handled one after another,
        in order, by a task of the socket's own (which ends when the inbox is empty: an idle
        socket holds no task).  Channels handles a consumer's messages one at a time: without
        the inbox, a delivery to this socket (another side's message) waited until this socket's
        own database call was done (docs/performance.md)."""
        if self.closed:
            return  # the server has closed this socket: a frame still on its way gets no answer
        if len(self._inbox) >= INBOX_LIMIT:
            await self._refuse_busy(message.get("text"))
            return
        self._inbox.append(message)
        if self._inbox_task is None:
            self._inbox_task = asyncio.ensure_future(self._drain_inbox())

    async def _drain_inbox(self):
        try:
            while self._inbox and not self.closed:
                message = self._inbox.popleft()
                try:
                    await self.receive(text_data=message.get("text"), bytes_data=message.get("bytes"))
                except Exception:
                    # ``receive`` answers every error itself; if even that fails, the frames
                    # behind this one must still be handled (and acknowledged).
                    log.exception("frame not answered")
        finally:
            self._inbox_task = None

    async def _refuse_busy(self, text_data):
        request = None
        try:
            request = json.loads(text_data) if text_data else None
        except (ValueError, RecursionError):
            pass
        await self.send_error(ServerBusy(), request=request)

    async def _stop_inbox(self):
        task, self._inbox_task = getattr(self, "_inbox_task", None), None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def websocket_disconnect(self, message):
        # Frames still waiting are dropped with the socket: none was acknowledged, so the client
        # sends them again when it reconnects (client_id makes a resend safe).
        self.closed = True
        await self._stop_inbox()
        await super().websocket_disconnect(message)

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._stop_inbox()

    async def dispatch(self, message):
        """Channels (>= 4.2) first hops to the process's one sync thread before every handler
        (``aclose_old_connections``).  Here every database call already goes through ``db``,
        which looks after its connection itself, and most messages are
        broadcasts that only write a frame to the socket: the hop made each of them wait in line
        behind other sockets' database work (docs/performance.md).  So dispatch directly."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def close(self, code=None, reason=None):
        """Close from the server's side, once; nothing is sent after it (a server raises
        ``websocket.send after websocket.close``), and frames still waiting are dropped: none was
        acknowledged, so the client sends them again on its next socket."""
        if getattr(self, "closed", False):
            return
        self.closed = True
        if getattr(self, "_inbox", None):
            self._inbox.clear()
        await super().close(code=code, reason=reason)

    async def send_frame(self, frame):
        if getattr(self, "closed", False):
            log.debug("socket closed before a %s frame", frame.get("type"))
            return
        try:
            await self.send(text_data=jsontext.frame_dumps(frame))
        except ClientDisconnected:
            # The browser left while we answered (a page reload): uvicorn says so, daphne drops
            # the frame silently.  Nothing is lost: the client resumes from the database.
            log.debug("client left before a %s frame", frame.get("type"))

    async def send_error(self, error, *, request=None):
        frame = {"type": events.ERROR, **error.as_dict()}
        if isinstance(request, dict):
            for key in ("client_id", "conversation_id", "ref"):
                value = request.get(key)
                if isinstance(value, str) and jsontext.has_lone_surrogate(value):
                    continue  # no UTF-8 frame can carry it back
                if isinstance(value, (str, int)) and not isinstance(value, bool):
                    frame[key] = value
        await self.send_frame(frame)

    async def receive(self, text_data=None, bytes_data=None):
        request = None
        try:
            if text_data is None:
                raise FrameError("فقط پیام متنی JSON پذیرفته می‌شود.", code="bad_frame")
            if len(text_data.encode("utf-8", "surrogatepass")) > settings.CHAT["MAX_FRAME_BYTES"]:
                raise FrameError("پیام بزرگ‌تر از حد مجاز است.", code="frame_too_large")
            try:
                request = json.loads(text_data)
            except (ValueError, RecursionError):  # thousands of "[" raise RecursionError
                raise FrameError() from None
            if not isinstance(request, dict) or not isinstance(request.get("type"), str):
                raise FrameError()
            try:
                # A lone surrogate fails far away (the database, the encoding of the answer);
                # a frame nested deeper than any of protocol.md's is not one of them.
                jsontext.check(request)
            except jsontext.Refused as refused:
                raise FrameError(refused.message, code="bad_frame") from None
            handler = self.handlers.get(request["type"])
            if handler is None:
                raise FrameError("نوع پیام ناشناخته است.", code="unknown_type")
            await getattr(self, handler)(request)
        except DomainError as error:
            await self.send_error(error, request=request)
        except (OperationalError, InterfaceError) as error:
            # The database is down or unreachable: the transaction was rolled back (or, if the
            # connection broke during COMMIT, its outcome is unknown).  No ack was sent; the client
            # sends the same frame again later, and client_id makes that safe either way.
            log.warning("database unavailable: %s", error)
            await self.send_error(DatabaseUnavailable(), request=request)
        except Exception:
            log.exception("consumer error")
            await self.send_error(DomainError("خطای داخلی؛ لطفاً دوباره تلاش کنید.", code="server_error"), request=request)

    def client_address(self):
        """The peer's address as the ASGI server gives it (uvicorn and daphne take it from
        ``X-Forwarded-For`` when run behind the proxy: ``serve --proxy-headers``)."""
        client = self.scope.get("client") or ()
        return client[0] if client else ""

    async def on_ping(self, request):
        await self.send_frame({"type": events.PONG})

    # --- channel layer handlers (realtime.py is the only sender) -----------------------------
    async def chatdesk_event(self, message):
        await self.send_frame(message["frame"])

    async def chatdesk_control(self, message):
        action = message.get("action")
        if action == "join":
            await realtime.join(self, message["group"])
        elif action == "leave":
            await realtime.leave(self, message["group"])
        elif action == "close":
            await self.close(code=message.get("code", CLOSE_UNAUTHORISED))

    async def disconnect(self, code):
        await realtime.leave_all(self)


def bool_field(request, name):
    value = request.get(name)
    if not isinstance(value, bool):
        raise FrameError(f"فیلد {name} باید true یا false باشد.", code="bad_frame")
    return value


#: the largest id or count a frame may carry: a database's 64-bit integer (a larger one raised
#: OverflowError in the database driver and was answered server_error)
INT_MAX = 2**63 - 1


def int_field(request, name):
    value = request.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= INT_MAX:
        raise FrameError(f"فیلد {name} باید عدد صحیح نامنفی باشد.", code="bad_frame")
    return value
