"""Ending a staff session closes its console sockets at once, through the real ASGI app: logging
out closes that browser's sockets only; deactivating the account (service or admin) closes all of
them; a socket whose close broadcast was lost closes itself on its next heartbeat."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from chatdesk.core import auth
from tests.conftest import ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED = {"type": "websocket.close", "code": 4401}


class Browser:
    """One browser: a Django test client (its session) and the console sockets it opens."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)
        self.sockets = []

    async def open_console(self):
        from chatdesk.asgi import application

        cookie = self.client.cookies["sessionid"].value
        comm = WebsocketCommunicator(application, "/ws/console/", headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
        connected, _ = await comm.connect()
        assert connected
        welcome = await comm.receive_json_from(timeout=3)
        assert welcome["type"] == "welcome"
        self.sockets.append(comm)
        return comm


async def closed(comm, timeout=2):
    """The next output of the socket, skipping frames, is a 4401 close."""
    while True:
        out = await comm.receive_output(timeout=timeout)
        if out["type"] == "websocket.close":
            return out == CLOSED


async def still_open(comm):
    await comm.send_json_to({"type": "ping"})
    return (await comm.receive_json_from(timeout=2))["type"] == "pong"


@pytest.fixture
def official(make_official, unit):
    return make_official("rezaei", [unit], name="زهرا رضایی")


async def test_logging_out_closes_that_browsers_sockets_only(official):
    user = await sync_to_async(lambda: official.user)()
    office = await sync_to_async(Browser)(user)
    home = await sync_to_async(Browser)(user)
    first, second = await office.open_console(), await office.open_console()
    elsewhere = await home.open_console()

    response = await sync_to_async(office.client.post)("/console/logout/")
    assert response.status_code == 302
    assert await closed(first) and await closed(second)
    assert await still_open(elsewhere)
    await elsewhere.disconnect()


async def test_the_admin_logout_closes_the_console_too(official):
    user = await sync_to_async(lambda: official.user)()
    user.is_staff = True
    await sync_to_async(user.save)()
    browser = await sync_to_async(Browser)(user)
    sock = await browser.open_console()
    await sync_to_async(browser.client.post)("/admin/logout/")
    assert await closed(sock)


async def test_deactivating_the_account_closes_every_socket(official):
    user = await sync_to_async(lambda: official.user)()
    a, b = await sync_to_async(Browser)(user), await sync_to_async(Browser)(user)
    sock_a, sock_b = await a.open_console(), await b.open_console()
    await sync_to_async(auth.user_set_active)(user=user, active=False)
    assert await closed(sock_a) and await closed(sock_b)
    # and the account cannot come back with an old cookie
    comm = WebsocketCommunicator(
        __import__("chatdesk.asgi", fromlist=["application"]).application,
        "/ws/console/",
        headers=[ORIGIN, (b"cookie", f"sessionid={a.client.cookies['sessionid'].value}".encode())],
    )
    await comm.connect()
    assert (await comm.receive_json_from(timeout=2))["code"] == "unauthorised"
    assert await closed(comm)


async def test_deactivating_in_the_admin_closes_the_sockets(official):
    user = await sync_to_async(lambda: official.user)()
    sock = await (await sync_to_async(Browser)(user)).open_console()

    def deactivate_in_admin():
        admin_user = get_user_model().objects.create_superuser("boss", password="boss-pass")
        client = Client()
        client.force_login(admin_user)
        target = get_user_model().objects.get(pk=user.pk)
        response = client.post(
            f"/admin/auth/user/{target.pk}/change/",
            {
                "username": target.username,
                "first_name": "",
                "last_name": "",
                "email": "",
                # is_active left out: the checkbox is cleared
                "is_staff": "",
                "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
                "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
                "initial-date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
                "initial-date_joined_1": target.date_joined.strftime("%H:%M:%S"),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        return get_user_model().objects.get(pk=user.pk).is_active

    assert await sync_to_async(deactivate_in_admin)() is False
    assert await closed(sock)


def test_the_heartbeats_check_refuses_an_expired_session_another_users_and_a_missing_one(official, make_official, unit):
    """``console_session_alive`` reads the session once (no separate ``exists()``): a session
    row still there but past its expiry, a session of another user, and a key with no session
    all fail it."""
    import datetime as dt

    from django.utils import timezone

    user = official.user
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert auth.console_session_alive(key, user.pk)
    assert not auth.console_session_alive(key, make_official("other", [unit]).user.pk)
    assert not auth.console_session_alive("no-such-session-key", user.pk)
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert Session.objects.filter(pk=key).exists()  # the row is there, past its expiry
    assert not auth.console_session_alive(key, user.pk)


async def test_a_lost_close_is_caught_by_the_heartbeat(official, monkeypatch):
    """The channel layer is at-most-once: with the session deleted and no broadcast at all,
    the socket closes itself on its next heartbeat."""
    import consumers.console

    monkeypatch.setattr(consumers.console, "HEARTBEAT_EVERY", 0)
    user = await sync_to_async(lambda: official.user)()
    browser = await sync_to_async(Browser)(user)
    sock = await browser.open_console()
    assert await still_open(sock)
    await sync_to_async(Session.objects.all().delete)()  # as if the logout's doorbell was lost
    await sock.send_json_to({"type": "ping"})
    assert await closed(sock)


async def test_a_heartbeat_is_one_database_call_that_records_presence_and_catches_a_silent_deactivation(official, monkeypatch):
    """A console's ping past the heartbeat interval checks its session and records its presence
    in one call to the database threads, with three queries (the session, the user, the
    presence); an account deactivated with no broadcast at all (straight in the database) is
    caught by the next one."""
    import consumers.console
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chatdesk.directory.models import ConsoleConnection

    monkeypatch.setattr(consumers.console, "HEARTBEAT_EVERY", 0)
    calls = []  # (the function, its queries), counted on the database thread's own connection
    real_db = consumers.console.db

    def counted(fn):
        def run(*args, **kwargs):
            with CaptureQueriesContext(connection) as log:
                answer = fn(*args, **kwargs)
            calls.append((getattr(fn, "__name__", fn), [q["sql"] for q in log.captured_queries]))
            return answer

        return real_db(run)

    monkeypatch.setattr(consumers.console, "db", counted)
    user = await sync_to_async(lambda: official.user)()
    sock = await (await sync_to_async(Browser)(user)).open_console()
    await sync_to_async(ConsoleConnection.objects.update)(last_seen="2000-01-01T00:00:00Z")
    del calls[:]
    assert await still_open(sock)
    [(name, queries)] = calls
    assert name == "_heartbeat" and len(queries) == 3, calls
    assert await sync_to_async(lambda: ConsoleConnection.objects.get().last_seen.year)() > 2000
    await sync_to_async(get_user_model().objects.filter(pk=user.pk).update)(is_active=False)  # no signal, no broadcast
    await sock.send_json_to({"type": "ping"})
    assert await closed(sock)


async def test_an_expired_session_cannot_open_the_console(official, settings):
    settings.SESSION_IDLE_SECONDS = 60
    user = await sync_to_async(lambda: official.user)()
    browser = await sync_to_async(Browser)(user)

    def age_session():
        session = browser.client.session
        session[auth.LOGIN_AT] = session[auth.SEEN_AT] = 1_000_000  # long ago
        session.save()

    await sync_to_async(age_session)()
    from chatdesk.asgi import application

    comm = WebsocketCommunicator(application, "/ws/console/", headers=[ORIGIN, (b"cookie", f"sessionid={browser.client.cookies['sessionid'].value}".encode())])
    await comm.connect()
    assert (await comm.receive_json_from(timeout=2))["code"] == "unauthorised"
    assert await closed(comm)
