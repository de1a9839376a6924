"""Shared fixtures: units, officials and WebSocket clients driving the real ASGI application."""

import datetime as dt
import json
import os

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from chatdesk.directory.models import Official, Unit

ORIGIN = (b"origin", b"http://127.0.0.1:8000")

# The night run (`make test-night`, part of `make test`): CHATDESK_TEST_NOW moves the wall clock of
# this test process to a fixed instant (a Friday night in Tehran), from which it runs on.
# time-machine replaces time.time, datetime.now and their kin inside the process; the monotonic
# clock, sleeps and timed waits stay real (libfaketime, which moves them too, hangs Python 3.11's
# timed waits: docs/operations.md#tests-at-any-hour).  A test that reads the real clock where it
# should pin it then sees Friday night whatever the hour CI runs at.
TEST_NOW = os.environ.get("CHATDESK_TEST_NOW", "")


def pytest_configure(config):
    if TEST_NOW:
        import time_machine

        config._chatdesk_night = time_machine.travel(dt.datetime.fromisoformat(TEST_NOW), tick=True)
        config._chatdesk_night.start()


def pytest_unconfigure(config):
    night = getattr(config, "_chatdesk_night", None)
    if night is not None:
        night.stop()


def pytest_report_header(config):
    if TEST_NOW:
        return f"night run: the wall clock starts at {TEST_NOW} (CHATDESK_TEST_NOW)"
    return None


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit and lock-out counters live in the cache (process memory in tests): each test
    starts with none, so a test's wrong tokens or logins never lock out the next one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_unit(db):
    counter = {"n": 0}

    def make(name="معاونت درمان", **fields):
        counter["n"] += 1
        fields.setdefault("code", f"unit-{counter['n']}")
        return Unit.objects.create(name=name, **fields)

    return make


@pytest.fixture
def make_official(db):
    def make(username, units=(), *, name=None, role=Official.Role.OFFICIAL, status=Official.Status.AVAILABLE, max_chats=5):
        user = get_user_model().objects.create_user(username=username, password="pass-" + username)
        official = Official.objects.create(user=user, display_name=name or username, role=role, status=status, max_chats=max_chats)
        official.units.set(units)
        return official

    return make


@pytest.fixture
def unit(make_unit):
    return make_unit("معاونت درمان", code="treatment")


@pytest.fixture
def other_unit(make_unit):
    return make_unit("روابط عمومی", code="pr")


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Socket:
    """A thin wrapper over WebsocketCommunicator speaking JSON frames."""

    def __init__(self, path, *, user=None, origin=ORIGIN, client=("127.0.0.1", 50000)):
        self.path = path
        self.user = user
        self.origin = origin
        self.client = client
        self.comm = None

    async def connect(self):
        from chatdesk.asgi import application

        headers = [self.origin] if self.origin else []
        if self.user is not None:
            cookie = await sync_to_async(session_cookie)(self.user)
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        self.comm = WebsocketCommunicator(application, self.path, headers=headers)
        if self.client:  # the peer's address, as an ASGI server gives it (the communicator gives none)
            self.comm.scope["client"] = list(self.client)
        connected, code = await self.comm.connect()
        return connected, code

    async def send(self, frame):
        await self.comm.send_to(text_data=json.dumps(frame) if not isinstance(frame, str) else frame)

    async def recv(self, timeout=3):
        text = await self.comm.receive_from(timeout=timeout)
        # A real server encodes every text frame as UTF-8 and raises on a lone surrogate: so does
        # the test (the communicator would pass the string through).
        text.encode("utf-8")
        return json.loads(text)

    async def recv_until(self, type_, timeout=3):
        """Frames are skipped until one of ``type_`` arrives; returns it."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == type_:
                return frame

    async def nothing(self, timeout=0.3):
        return await self.comm.receive_nothing(timeout=timeout)

    async def close(self):
        await self.comm.disconnect()


@pytest.fixture
def socket_factory():
    opened = []

    def make(path, **kwargs):
        sock = Socket(path, **kwargs)
        opened.append(sock)
        return sock

    yield make
