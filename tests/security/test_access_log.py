"""The access log (core/access_log.py): opening a chat, a ticket page or a document writes a row;
the console page searches it; officials see nothing, supervisors their units, auditors all."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Permission

from chatdesk.core.access_log import AccessLog
from tests.conftest import ORIGIN, session_cookie
from tests.security import world as W


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    return W.build(make_unit, make_official)


@pytest.mark.django_db
def test_ticket_page_and_downloads_are_logged_and_searchable(world, make_official):
    w = world
    b = W.staff(w.b)
    assert b.get(f"/console/tickets/{w.ticket_b.pk}/").status_code == 200
    assert b.get(f"/console/tickets/{w.ticket_b.pk}/files/{w.ticket_file_b.pk}/").status_code == 200
    assert b.get(f"/api/chat/files/{w.chat_file_b.pk}/").status_code == 200
    rows = list(AccessLog.objects.order_by("id").values_list("action", "official_id", "unit_id"))
    assert rows == [("ticket_view", w.b.pk, w.unit_b.pk), ("file_download", w.b.pk, w.unit_b.pk), ("file_download", w.b.pk, w.unit_b.pk)]
    # the citizen's own download is not logged
    W.Client().get(f"/api/chat/files/{w.chat_file_b.pk}/", HTTP_X_CHAT_TOKEN=w.token_b)
    assert AccessLog.objects.count() == 3

    from chatdesk.directory.models import Official

    sup_b = make_official("supb", [w.unit_b], name="سرپرست ب", role=Official.Role.SUPERVISOR)
    page = W.staff(sup_b).get("/console/audit/", {"citizen": "۰۹۱۲۰۰۰۰۰۰۲"})  # Persian digits match
    assert page.status_code == 200 and page.content.decode().count("data-audit=") == 3
    assert W.staff(sup_b).get("/console/audit/", {"citizen": "کسی دیگر"}).content.decode().count("data-audit=") == 0
    assert W.staff(w.sa).get("/console/audit/").content.decode().count("data-audit=") == 0  # other unit's supervisor
    assert W.staff(w.a).get("/console/audit/").status_code == 404  # plain official
    w.a.user.user_permissions.add(Permission.objects.get(codename="view_accesslog"))
    assert W.staff(w.a).get("/console/audit/", {"date_from": "1300/01/01", "date_to": "1499/12/29"}).content.decode().count("data-audit=") == 3


@pytest.mark.django_db(transaction=True)
async def test_chat_open_on_the_console_is_logged(world):
    from chatdesk.asgi import application

    cookie = await sync_to_async(session_cookie)(world.b.user)
    comm = WebsocketCommunicator(application, "/ws/console/", headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "welcome"
    await comm.send_json_to({"type": "chat.open", "conversation_id": world.conv_b.pk})
    while (await comm.receive_json_from(timeout=5))["type"] != "history":
        pass
    await comm.disconnect()
    row = await sync_to_async(AccessLog.objects.get)()
    assert (row.action, row.conversation_id, row.official_id) == ("chat_open", world.conv_b.pk, world.b.pk)
    assert "09120000002" in row.citizen_key
