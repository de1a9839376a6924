"""Shared WebSocket plumbing: frame limits, JSON parsing, dispatch, error frames.

Consumers are thin adapters: they parse a frame, call a service through
``database_sync_to_async`` and write the answer.  No business rule lives here.
"""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.consumer import get_handler_name
from django.conf import settings
from django.db import InterfaceError, OperationalError
from uvicorn.protocols.utils import ClientDisconnected

from chatdesk.core import events, realtime
from chatdesk.core.errors import DomainError

log = logging.getLogger("chatdesk.consumers")

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_HELLO_TIMEOUT = 4408


def db(fn):
    """Run a sync service or selector off the event loop."""
    return database_sync_to_async(fn)


class FrameError(DomainError):
    code = "bad_frame"
    message = "قالب پیام نامعتبر است."


class DatabaseUnavailable(DomainError):
    code = "unavailable"
    message = "سامانه لحظاتی در دسترس نیست؛ چند لحظه دیگر دوباره تلاش کنید."


class JsonConsumer(AsyncWebsocketConsumer):
    #: frame type -> method name; subclasses fill it in
    handlers = {}

    async def websocket_connect(self, message):
        self.groups_joined = set()
        await super().websocket_connect(message)

    async def dispatch(self, message):
        """Channels (>= 4.2) first hops to the process's one sync thread before every handler
        (``aclose_old_connections``).  Here every database call already goes through
        ``database_sync_to_async``, which closes old connections itself, and most messages are
        broadcasts that only write a frame to the socket: the hop made each of them wait in line
        behind other sockets' database work (docs/performance.md).  So dispatch directly."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def send_frame(self, frame):
        try:
            await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
        except ClientDisconnected:
            # The browser left while we answered (a page reload): uvicorn says so, daphne drops
            # the frame silently.  Nothing is lost: the client resumes from the database.
            log.debug("client left before a %s frame", frame.get("type"))

    async def send_error(self, error, *, request=None):
        frame = {"type": events.ERROR, **error.as_dict()}
        if isinstance(request, dict):
            for key in ("client_id", "conversation_id", "ref"):
                value = request.get(key)
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
            except ValueError:
                raise FrameError() from None
            if not isinstance(request, dict) or not isinstance(request.get("type"), str):
                raise FrameError()
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


def int_field(request, name):
    value = request.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FrameError(f"فیلد {name} باید عدد صحیح نامنفی باشد.", code="bad_frame")
    return value
