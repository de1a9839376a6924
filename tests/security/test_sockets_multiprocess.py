"""Closing console sockets across processes: two daphne servers over PostgreSQL and Redis.
Signing out over HTTP on server A closes that session's console on server B; deactivating the
account from a third process (a management shell) closes its console on A; another browser
session of the same official is not touched by the sign-out."""

import asyncio

import pytest

from tests.integration.conftest import it_env, processes, two_servers  # noqa: F401  (fixtures)
from tests.support import servers
from tests.support.clients import ConsoleClient, HttpSession

pytestmark = pytest.mark.integration

PASSWORD = "sockets-pass-1405"
SEED = f"""
from django.contrib.auth import get_user_model
from chatdesk.directory.models import Official, Unit
unit = Unit.objects.get(code="it-desk")
user = get_user_model().objects.create_user(username="it_sockets", password={PASSWORD!r})
Official.objects.create(user=user, display_name="کارشناس سوکت", role=Official.Role.OFFICIAL).units.set([unit])
"""


def signed_in(base_url):
    session = HttpSession(base_url)
    session.get("/console/login/")
    session.post_form("/console/login/", {"username": "it_sockets", "password": PASSWORD, "csrfmiddlewaretoken": session.cookie("csrftoken")})
    assert session.cookie("sessionid")
    return session


async def console(url, session):
    client = ConsoleClient([url], sessionid=session.cookie("sessionid"), reconnect=False, name=url)
    await client.connect()
    await client.wait_connected()
    return client


async def wait_closed(client, timeout=10):
    async with asyncio.timeout(timeout):
        while client.connected:
            await asyncio.sleep(0.05)
    return client.ws.close_code


async def test_sign_out_and_deactivation_close_sockets_on_other_processes(two_servers, it_env):  # noqa: F811
    a, b = two_servers
    servers.shell(SEED, env=it_env["env"])
    office = await asyncio.to_thread(signed_in, a.url)
    home = await asyncio.to_thread(signed_in, a.url)
    on_b = await console(b.url, office)
    other_session_on_a = await console(a.url, home)
    try:
        # sign out of the office browser on A: its socket on B closes, the home one stays
        await asyncio.to_thread(office.post_form, "/console/logout/", {"csrfmiddlewaretoken": office.cookie("csrftoken")})
        assert await wait_closed(on_b) == 4401
        await asyncio.sleep(0.3)
        assert other_session_on_a.connected

        # deactivate the account from a third process: the remaining socket on A closes
        await asyncio.to_thread(
            servers.shell,
            "from django.contrib.auth import get_user_model; from chatdesk.core.auth import user_set_active;"
            " user_set_active(user=get_user_model().objects.get(username='it_sockets'), active=False)",
            env=it_env["env"],
        )
        assert await wait_closed(other_session_on_a) == 4401
    finally:
        await on_b.close()
        await other_session_on_a.close()
