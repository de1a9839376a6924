"""Network clients for the desk, behaving like the browser widget and console (static/js).

- ``HttpSession``: cookies and CSRF as a browser does them; ``start_chat()`` and ``login()``.
- ``SeqStream``: shows a conversation's messages exactly once and in order; a frame whose seq
  jumps ahead asks the server for the missing part (``resume``), as static/js/seq-stream.js does.
- ``CitizenClient`` / ``ConsoleClient``: a WebSocket with an outbox of unacknowledged messages.
  When the connection drops they reconnect to the next server in ``urls`` (a load balancer's
  job in production), say hello / resume from the last seq they showed, and send the outbox
  again with the same client ids (the server stores each client id once).

Every frame received is kept in ``frames``; ``mark()`` + ``wait_for(pred, since=mark)`` waits for
an answer without racing the reader task.
"""

import asyncio
import http.cookiejar
import itertools
import json
import urllib.error
import urllib.parse
import urllib.request

import websockets
from websockets.asyncio.client import connect as ws_connect


# --- HTTP ------------------------------------------------------------------------------------
class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class HttpSession:
    """A cookie jar and CSRF token, like one browser tab (blocking: call it in a thread)."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )

    def cookie(self, name):
        for cookie in self.jar:
            if cookie.name == name:
                return cookie.value
        return None

    def request(self, method, path, *, data=None, headers=None, timeout=10):
        url = self.base_url + path
        headers = {"Origin": self.base_url, "Referer": url, **(headers or {})}
        token = self.cookie("csrftoken")
        if token and method != "GET":
            headers["X-CSRFToken"] = token
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            raise HttpError(error.code, error.read().decode(errors="replace")) from None

    def get(self, path):
        return self.request("GET", path)

    def post_json(self, path, payload):
        status, body = self.request(
            "POST", path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        return status, json.loads(body)

    def post_form(self, path, fields):
        return self.request(
            "POST", path, data=urllib.parse.urlencode(fields).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )


def start_chat_sync(base_url, *, unit, name="مریم شهروند", **fields):
    """What the widget does: load the page (CSRF cookie), POST /api/chat/start/.
    Returns ``{"token", "conversation_id"}``."""
    session = HttpSession(base_url)
    session.get("/")
    status, data = session.post_json("/api/chat/start/", {"unit": unit, "name": name, **fields})
    assert status == 201, data
    return data


def login_sync(base_url, username, password):
    """Log in through the console's login form; returns the ``sessionid`` cookie."""
    session = HttpSession(base_url)
    session.get("/console/login/")
    session.post_form(
        "/console/login/", {"username": username, "password": password, "csrfmiddlewaretoken": session.cookie("csrftoken")}
    )
    sessionid = session.cookie("sessionid")
    if not sessionid:
        raise AssertionError(f"login as {username} failed")
    return sessionid


async def start_chat(base_url, **kwargs):
    return await asyncio.to_thread(start_chat_sync, base_url, **kwargs)


async def login(base_url, username, password):
    return await asyncio.to_thread(login_sync, base_url, username, password)


# --- the message stream of one conversation --------------------------------------------------------
class SeqStream:
    def __init__(self, last_seq=0):
        self.last_seq = last_seq
        self.shown = []  # messages in the order shown to the user
        self.live = []  # seq of every live "message" frame received (duplicates included)
        self.resumes = 0  # resume requests sent because of a gap
        self.redundant = 0  # messages a welcome or history sent although they were not asked for
        self.resume_in_flight = False

    def accept(self, messages):
        """Show what follows ``last_seq``; return True when a gap needs a resume."""
        for message in sorted(messages, key=lambda m: m["seq"]):
            if message["seq"] <= self.last_seq:
                continue
            if message["seq"] > self.last_seq + 1:
                return True
            self.shown.append(message)
            self.last_seq = message["seq"]
        return False

    def catch_up(self, messages, after):
        """A welcome's or history's messages, asked for as "after ``after``"."""
        self.redundant += sum(1 for m in messages if m["seq"] <= after)
        return self.accept(messages)

    def seqs(self):
        return [m["seq"] for m in self.shown]

    def client_ids(self, sender):
        return [m["client_id"] for m in self.shown if m["sender"] == sender]


# --- WebSocket clients ------------------------------------------------------------------------------
class DeskClient:
    path = None
    side = None  # "citizen" or "official": the sender of this client's messages

    def __init__(self, urls, *, name=None, headers=None, reconnect=True, reconnect_deadline=15):
        self.urls = [u.rstrip("/") for u in urls]  # http base urls, the preferred one first
        self.name = name or self.side
        self.headers = headers or {}
        self.reconnect = reconnect
        self.reconnect_deadline = reconnect_deadline
        self.frames = []  # every frame received, over every connection
        self.errors = []  # error frames (and a failed reconnect)
        self.outbox = {}  # client_id -> message.send frame not acknowledged yet
        self.acks = {}  # client_id -> ack frame
        self.sent = []  # client ids in the order first sent
        self.resent = 0  # outbox frames sent again after a reconnect
        self.streams = {}  # conversation_id -> SeqStream
        self.connected_to = []  # base url of every connection made
        self.ws = None
        self._ids = itertools.count(1)
        self._cond = asyncio.Condition()
        self._reader = None
        self._reconnecting = None
        self._closing = False

    # --- connection --------------------------------------------------------------------------
    async def connect(self, url=None):
        await self._open(url or self.urls[0])
        return self

    async def _open(self, base_url):
        ws = await ws_connect(
            base_url.replace("http://", "ws://", 1) + self.path,
            origin=base_url,
            additional_headers=self.headers,
            proxy=None,
            open_timeout=3,
            close_timeout=1,
            compression=None,
        )
        self.ws = ws
        self.connected_to.append(base_url)
        self._reader = asyncio.create_task(self._read(ws))
        await self._on_open()

    async def _read(self, ws):
        try:
            async for raw in ws:
                await self._handle(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
        finally:
            if ws is self.ws and not self._closing and self.reconnect:
                self._reconnecting = asyncio.create_task(self._reconnect())
            async with self._cond:
                self._cond.notify_all()

    async def _reconnect(self):
        """Try the servers in turn, starting after the one that failed, until one answers."""
        self.ws = None
        failed = self.connected_to[-1]
        start = (self.urls.index(failed) + 1) if failed in self.urls else 0
        order = self.urls[start:] + self.urls[:start]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_deadline
        for attempt in itertools.count():
            url = order[attempt % len(order)]
            try:
                await self._open(url)
            except (OSError, websockets.InvalidHandshake, TimeoutError) as error:
                if loop.time() > deadline:
                    self.errors.append({"type": "reconnect_failed", "error": repr(error)})
                    async with self._cond:
                        self._cond.notify_all()
                    return
                await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))
                continue
            for frame in list(self.outbox.values()):
                self.resent += 1
                await self._send_raw(frame)
            return

    async def close(self):
        self._closing = True
        if self._reconnecting and not self._reconnecting.done():
            self._reconnecting.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self._reader:
            await asyncio.gather(self._reader, return_exceptions=True)

    @property
    def connected(self):
        return self.ws is not None and self.ws.state is websockets.State.OPEN

    async def wait_connected(self, timeout=10):
        await self.wait_for(lambda: self.connected and self._handshaken(), timeout=timeout, scan=False)

    def _handshaken(self):
        return True

    # --- frames in ---------------------------------------------------------------------------
    async def _handle(self, frame):
        self.frames.append(frame)
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            stream = self.stream(message["conversation_id"])
            stream.live.append(message["seq"])
            if stream.accept([message]):
                await self._resume(message["conversation_id"], gap=True)
        elif kind == "history":
            conversation_id = frame.get("conversation_id") or self._history_conversation()
            stream = self.stream(conversation_id)
            stream.resume_in_flight = False
            if stream.catch_up(frame["messages"], frame["after"]) or frame.get("more"):
                await self._resume(conversation_id, gap=True)
        elif kind == "ack" and "client_id" in frame:
            self.acks[frame["client_id"]] = frame
            self.outbox.pop(frame["client_id"], None)
        elif kind == "error":
            self.errors.append(frame)
        self._on_frame(frame)
        async with self._cond:
            self._cond.notify_all()

    def _on_frame(self, frame):
        pass

    def stream(self, conversation_id):
        if conversation_id not in self.streams:
            self.streams[conversation_id] = SeqStream()
        return self.streams[conversation_id]

    async def _resume(self, conversation_id, gap=False):
        stream = self.stream(conversation_id)
        if stream.resume_in_flight:
            return
        stream.resume_in_flight = True
        stream.resumes += gap
        await self._send_raw(self._resume_frame(conversation_id, stream.last_seq))

    # --- frames out --------------------------------------------------------------------------
    async def _send_raw(self, frame):
        """Send if connected; a frame lost to a dropped connection is the outbox's business."""
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(frame, ensure_ascii=False))
            return True
        except websockets.ConnectionClosed:
            return False

    async def send(self, frame):
        if not await self._send_raw(frame):
            raise ConnectionError(f"{self.name}: not connected")

    def next_client_id(self):
        return f"{self.name}-{next(self._ids)}"

    async def _send_message(self, frame):
        self.outbox[frame["client_id"]] = frame
        self.sent.append(frame["client_id"])
        await self._send_raw(frame)
        return frame["client_id"]

    # --- waiting -----------------------------------------------------------------------------
    def mark(self):
        return len(self.frames)

    async def wait_for(self, pred, *, since=None, timeout=5, scan=True):
        """With ``scan``: the first frame from ``since`` on for which ``pred(frame)`` holds.
        Without: wait until ``pred()`` holds."""
        index = [since or 0]

        def check():
            if not scan:
                return pred()
            while index[0] < len(self.frames):
                frame = self.frames[index[0]]
                index[0] += 1
                if pred(frame):
                    check.found = frame
                    return True
            return False

        check.found = None
        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    await self._cond.wait_for(check)
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: timed out after {timeout} s; errors: {self.errors!r}; last frames: {self.frames[-8:]!r}"
            ) from None
        return check.found if scan else True

    async def request(self, frame, answer, timeout=5):
        """Send ``frame``; return the first later frame for which ``answer(frame)`` holds."""
        mark = self.mark()
        await self.send(frame)
        return await self.wait_for(answer, since=mark, timeout=timeout)

    async def barrier(self, timeout=5):
        """ping -> pong: the server has handled everything sent before."""
        await self.request({"type": "ping"}, lambda f: f["type"] == "pong", timeout=timeout)

    async def wait_acked(self, timeout=10):
        await self.wait_for(lambda: not self.outbox, timeout=timeout, scan=False)


class CitizenClient(DeskClient):
    path = "/ws/chat/"
    side = "citizen"

    def __init__(self, urls, *, token, conversation_id, **kwargs):
        super().__init__(urls, **kwargs)
        self.token = token
        self.conversation_id = conversation_id
        self.welcomed = 0

    @property
    def messages(self):
        return self.stream(self.conversation_id)

    async def _on_open(self):
        stream = self.messages
        stream.resume_in_flight = False
        self._hello_after = stream.last_seq
        await self._send_raw({"type": "hello", "token": self.token, "last_seq": stream.last_seq})

    def _on_frame(self, frame):
        if frame["type"] == "welcome":
            self.welcomed += 1
            if self.messages.catch_up(frame["messages"], self._hello_after):
                asyncio.ensure_future(self._resume(self.conversation_id, gap=True))

    def _handshaken(self):
        return self.welcomed == len(self.connected_to)

    def _history_conversation(self):
        return self.conversation_id

    def _resume_frame(self, conversation_id, after):
        return {"type": "resume", "after": after}

    async def send_message(self, body, client_id=None):
        client_id = client_id or self.next_client_id()
        return await self._send_message({"type": "message.send", "client_id": client_id, "body": body})


class ConsoleClient(DeskClient):
    path = "/ws/console/"
    side = "official"

    def __init__(self, urls, *, sessionid, **kwargs):
        super().__init__(urls, headers={"Cookie": f"sessionid={sessionid}"}, **kwargs)
        self.welcome = None
        self.welcomed = 0

    async def _on_open(self):
        # The consumer handles frames in order, so these resumes run after its connect (which
        # joined the staff groups of the official's conversations): nothing falls in between.
        for conversation_id, stream in self.streams.items():
            stream.resume_in_flight = False
            await self._resume(conversation_id)

    def _on_frame(self, frame):
        if frame["type"] == "welcome":
            self.welcome = frame
            self.welcomed += 1

    def _handshaken(self):
        return self.welcomed >= len(self.connected_to)

    def _history_conversation(self):
        raise AssertionError("console history frames carry conversation_id")

    def _resume_frame(self, conversation_id, after):
        return {"type": "resume", "conversation_id": conversation_id, "after": after}

    async def set_duty(self, status="available"):
        await self.send({"type": "duty.set", "status": status})
        await self.barrier()

    async def take(self, conversation_id, timeout=5):
        """``take.ok`` or the ``error`` frame answering this take."""
        return await self.request(
            {"type": "chat.take", "conversation_id": conversation_id},
            lambda f: f.get("conversation_id") == conversation_id and f["type"] in ("take.ok", "error"),
            timeout=timeout,
        )

    async def open(self, conversation_id, after=0):
        self.stream(conversation_id)
        return await self.request(
            {"type": "chat.open", "conversation_id": conversation_id, "after": after},
            lambda f: f["type"] == "history" and f.get("conversation_id") == conversation_id,
        )

    async def close_chat(self, conversation_id):
        await self.send({"type": "chat.close", "conversation_id": conversation_id})
        await self.barrier()

    async def send_message(self, conversation_id, body, client_id=None):
        self.stream(conversation_id)
        client_id = client_id or self.next_client_id()
        return await self._send_message(
            {"type": "message.send", "conversation_id": conversation_id, "client_id": client_id, "body": body}
        )
