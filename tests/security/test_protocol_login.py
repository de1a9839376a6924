"""The console login exactly as docs/protocol.md ("The console login") tells a client author:
get the page for the CSRF cookie, post the form, take the session cookie to /ws/console/."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.conftest import ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)


def _login(official_user_password):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/console/login/")
    assert page.status_code == 200 and "csrftoken" in client.cookies
    token = client.cookies["csrftoken"].value
    assert client.post("/console/login/", {"username": "rezaei", "password": "pass-rezaei"}).status_code == 403  # no CSRF token
    wrong = client.post("/console/login/", {"csrfmiddlewaretoken": token, "username": "rezaei", "password": "wrong"})
    assert wrong.status_code == 200 and "نام کاربری یا گذرواژه درست نیست" in wrong.content.decode()
    assert 'data-role="login-error"' in wrong.content.decode() and "sessionid" not in wrong.cookies
    right = client.post(
        "/console/login/", {"csrfmiddlewaretoken": token, "username": "rezaei", "password": official_user_password, "next": "/console/"}
    )
    assert right.status_code == 302 and right["Location"] == "/console/"
    assert right.cookies["sessionid"]["httponly"]
    return right.cookies["sessionid"].value


async def test_the_console_login_as_documented(make_official, unit):
    await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    session = await sync_to_async(_login)("pass-rezaei")
    from chatdesk.asgi import application

    comm = WebsocketCommunicator(application, "/ws/console/", headers=[ORIGIN, (b"cookie", f"sessionid={session}".encode())])
    assert (await comm.connect())[0]
    welcome = await comm.receive_json_from(timeout=3)
    assert welcome["type"] == "welcome" and welcome["official"]["name"] == "زهرا رضایی"
    await comm.disconnect()


def test_without_next_the_login_goes_to_the_console(make_official, unit):
    make_official("rezaei", [unit])
    client = Client(enforce_csrf_checks=True)
    client.get("/console/login/")
    token = client.cookies["csrftoken"].value
    right = client.post("/console/login/", {"csrfmiddlewaretoken": token, "username": "rezaei", "password": "pass-rezaei"})
    assert right.status_code == 302 and right["Location"] == "/console/"
