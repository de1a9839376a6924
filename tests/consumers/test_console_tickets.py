"""Tickets over the console socket: following a ticket page live, and turning a chat into a ticket."""

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services as chats
from chatdesk.tickets import services
from chatdesk.tickets.models import Ticket

from .test_console import citizen, console

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_ticket_page_hears_changes_and_other_units_hear_nothing(socket_factory, unit, other_unit, make_official):
    a = await sync_to_async(make_official)("a", [unit])
    b = await sync_to_async(make_official)("b", [unit])
    stranger = await sync_to_async(make_official)("s", [other_unit])
    opened = await sync_to_async(services.ticket_open)(
        kind="request", unit=unit, subject="درخواست", body="متن", name="سارا", mobile="09121112233"
    )
    ticket = opened.ticket
    watcher, _ = await console(socket_factory, a)
    await watcher.send({"type": "ticket.watch", "ticket_id": ticket.pk})
    first = await watcher.recv_until("ticket.changed")
    assert first["ticket"]["id"] == ticket.pk and first["ticket"]["status"] == "new"

    spy, _ = await console(socket_factory, stranger)
    await spy.send({"type": "ticket.watch", "ticket_id": ticket.pk})
    refused = await spy.recv_until("error")
    await spy.send({"type": "ticket.watch", "ticket_id": 999999})
    missing = await spy.recv_until("error")
    assert refused["code"] == missing["code"] == "not_found" and refused["message"] == missing["message"]

    await sync_to_async(services.ticket_reply)(ticket_id=ticket.pk, official=b, body="پاسخ همکار")
    changed = await watcher.recv_until("ticket.changed")
    assert changed["ticket"]["id"] == ticket.pk
    await spy.nothing()


async def test_an_official_turns_the_chat_into_a_ticket_and_the_citizen_gets_the_code(socket_factory, unit, make_official):
    a = await sync_to_async(make_official)("a", [unit])
    started = await sync_to_async(chats.conversation_start)(unit_id=unit.pk, name="مریم", mobile="09121234567")
    cit = await citizen(socket_factory, started.token)
    await cit.send({"type": "message.send", "client_id": "c1", "body": "پرونده من نیاز به بررسی دارد"})
    await cit.recv_until("ack")
    desk, _ = await console(socket_factory, a)
    await desk.send({"type": "chat.take", "conversation_id": started.conversation.pk})
    await desk.recv_until("take.ok")
    await desk.send({"type": "chat.escalate", "conversation_id": started.conversation.pk})
    done = await desk.recv_until("chat.escalated")
    ticket = await sync_to_async(Ticket.objects.get)()
    assert done["ticket"]["code"] == ticket.code
    while True:
        frame = await cit.recv_until("message")
        if frame["message"].get("tracking_code"):
            break
    assert frame["message"]["tracking_code"] == ticket.code and frame["message"]["event"] == "escalated"
    state = await cit.recv_until("conversation")
    assert state["conversation"]["status"] == "closed"
    await desk.send({"type": "chat.escalate", "conversation_id": started.conversation.pk})
    again = await desk.recv_until("error")
    assert again["code"] in ("already_escalated", "not_found", "conversation_closed")
