"""The console socket: session auth, duty, queue, take race, replies, unit isolation."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.directory.models import ConsoleConnection, Official

pytestmark = pytest.mark.django_db(transaction=True)


async def console(socket_factory, official):
    user = await sync_to_async(lambda: official.user)()
    sock = socket_factory("/ws/console/", user=user)
    connected, _ = await sock.connect()
    assert connected
    welcome = await sock.recv()
    assert welcome["type"] == "welcome"
    return sock, welcome


async def citizen(socket_factory, token):
    sock = socket_factory("/ws/chat/")
    await sock.connect()
    await sock.send({"type": "hello", "token": token})
    await sock.recv_until("welcome")
    return sock


async def test_anonymous_console_is_refused(socket_factory):
    sock = socket_factory("/ws/console/")
    connected, _ = await sock.connect()
    assert connected
    error = await sock.recv()
    assert error["code"] == "unauthorised"
    assert await sock.comm.receive_output(timeout=1) == {"type": "websocket.close", "code": 4401}


async def test_user_without_official_profile_is_refused(socket_factory, db):
    from django.contrib.auth import get_user_model

    user = await sync_to_async(get_user_model().objects.create_user)(username="plain", password="x")
    sock = socket_factory("/ws/console/", user=user)
    await sock.connect()
    assert (await sock.recv())["code"] == "unauthorised"


async def test_full_chat_between_console_and_citizen(socket_factory, unit, make_official):
    official = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی", status="offline")
    off, welcome = await console(socket_factory, official)
    assert welcome["official"]["status"] == "offline" and welcome["queue"] == []
    assert await sync_to_async(ConsoleConnection.objects.count)() == 1
    await off.send({"type": "duty.set", "status": "available"})
    assert (await off.recv_until("duty"))["status"] == "available"

    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    queued = await off.recv_until("queue.added")
    assert queued["conversation"]["id"] == started.conversation.pk
    cit = await citizen(socket_factory, started.token)
    await cit.send({"type": "message.send", "client_id": "c1", "body": "سلام"})
    await cit.recv_until("ack")

    await off.send({"type": "chat.take", "conversation_id": started.conversation.pk})
    seen = set()
    while not {"take.ok", "queue.removed", "assigned"} <= seen:
        seen.add((await off.recv())["type"])
    # what the socket missed while joining comes from chat.open (the client does this on "assigned")
    await off.send({"type": "chat.open", "conversation_id": started.conversation.pk, "after": 0})
    history = await off.recv_until("history")
    assert [m["seq"] for m in history["messages"]] == [1, 2] and history["conversation"]["status"] == "active"
    joined = await cit.recv_until("message")
    if joined["message"]["seq"] == 1:  # the live echo of the citizen's own message comes first
        joined = await cit.recv_until("message")
    assert joined["message"]["event"] == "joined" and joined["message"]["body"].startswith("زهرا رضایی")
    state = await cit.recv_until("conversation")
    assert state["conversation"]["official"] == "زهرا رضایی"

    # typing both ways
    await cit.send({"type": "typing", "active": True})
    typing = await off.recv_until("typing")
    assert (typing["side"], typing["active"]) == ("citizen", True)
    await off.send({"type": "typing", "conversation_id": started.conversation.pk, "active": True})
    typing = await cit.recv_until("typing")
    assert (typing["side"], typing["name"]) == ("official", "زهرا رضایی")

    await off.send({"type": "message.send", "conversation_id": started.conversation.pk, "client_id": "o1", "body": "بفرمایید"})
    reply = await cit.recv_until("message")
    assert (reply["message"]["body"], reply["message"]["author"], reply["message"]["seq"]) == ("بفرمایید", "زهرا رضایی", 3)
    assert "ts_display" in reply["message"] and reply["message"]["ts_display"][:2] == "۱۴"

    await off.send({"type": "note.add", "conversation_id": started.conversation.pk, "client_id": "n1", "body": "یادداشت محرمانه"})
    await off.recv_until("note")
    await cit.send({"type": "ping"})
    # the citizen's next frame is the pong: the note never reached it
    assert (await cit.recv())["type"] == "pong"

    await off.send({"type": "chat.close", "conversation_id": started.conversation.pk})
    closed = await cit.recv_until("conversation")
    assert closed["conversation"]["status"] == "closed"
    await off.close()
    await cit.close()
    rows = await sync_to_async(lambda: list(Message.objects.order_by("seq").values_list("seq", "sender")))()
    assert rows == [(1, "citizen"), (2, "system"), (3, "official"), (4, "system")]
    assert await sync_to_async(Note.objects.count)() == 1


async def test_simultaneous_take_one_wins_other_is_told(socket_factory, unit, make_official):
    a = await sync_to_async(make_official)("a", [unit])
    b = await sync_to_async(make_official)("b", [unit])
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    sa, _ = await console(socket_factory, a)
    sb, _ = await console(socket_factory, b)
    await asyncio.gather(
        sa.send({"type": "chat.take", "conversation_id": started.conversation.pk}),
        sb.send({"type": "chat.take", "conversation_id": started.conversation.pk}),
    )

    async def outcome(sock):
        while True:
            frame = await sock.recv()
            if frame["type"] == "take.ok":
                return "ok"
            if frame["type"] == "error":
                assert frame["conversation_id"] == started.conversation.pk
                return frame["code"]

    results = sorted(await asyncio.gather(outcome(sa), outcome(sb)))
    assert results == ["already_taken", "ok"]
    conversation = await sync_to_async(Conversation.objects.get)(pk=started.conversation.pk)
    assert conversation.official_id in (a.pk, b.pk)
    await sa.close()
    await sb.close()


async def test_official_of_another_unit_sees_nothing_and_can_do_nothing(socket_factory, unit, other_unit, make_official):
    foreign = await sync_to_async(make_official)("foreign", [other_unit])
    owner = await sync_to_async(make_official)("owner", [unit])
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    sock, welcome = await console(socket_factory, foreign)
    assert welcome["queue"] == []
    cid = started.conversation.pk
    for frame in (
        {"type": "chat.take", "conversation_id": cid},
        {"type": "chat.open", "conversation_id": cid},
        {"type": "resume", "conversation_id": cid, "after": 0},
        {"type": "message.send", "conversation_id": cid, "client_id": "x", "body": "سلام"},
        {"type": "note.add", "conversation_id": cid, "client_id": "y", "body": "سلام"},
        {"type": "chat.close", "conversation_id": cid},
    ):
        await sock.send(frame)
        error = await sock.recv_until("error")
        assert error["code"] == "not_found", frame
    # the same answer as for a conversation that does not exist
    await sock.send({"type": "chat.open", "conversation_id": 99999})
    missing = await sock.recv_until("error")
    assert missing["code"] == "not_found" and missing["message"] == error["message"]
    conversation = await sync_to_async(Conversation.objects.get)(pk=cid)
    assert conversation.status == "waiting" and conversation.official_id is None
    assert await sync_to_async(Message.objects.count)() == 0
    # and a new chat in the other unit does not reach this console
    await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="دیگری")
    assert await sock.nothing(0.3)
    await sock.close()
    assert owner


async def test_closing_console_starts_grace_and_reconnect_keeps_chats(socket_factory, unit, make_official):
    official = await sync_to_async(make_official)("a", [unit])
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    await sync_to_async(services.conversation_take)(conversation_id=started.conversation.pk, official=official)
    sock, _ = await console(socket_factory, official)
    await sock.close()
    refreshed = await sync_to_async(Official.objects.get)(pk=official.pk)
    assert refreshed.offline_after is not None and refreshed.status == "available"
    sock, welcome = await console(socket_factory, official)
    assert [c["id"] for c in welcome["mine"]] == [started.conversation.pk]
    refreshed = await sync_to_async(Official.objects.get)(pk=official.pk)
    assert refreshed.offline_after is None
    # the reconnected console follows its chat again
    cit = await citizen(socket_factory, started.token)
    await cit.send({"type": "message.send", "client_id": "after", "body": "هنوز هستید؟"})
    assert (await sock.recv_until("message"))["message"]["body"] == "هنوز هستید؟"
    await sock.close()
    await cit.close()


async def test_other_officials_see_status_changes(socket_factory, unit, make_official):
    a = await sync_to_async(make_official)("a", [unit], name="الف", status="offline")
    b = await sync_to_async(make_official)("b", [unit], name="ب")
    sb, welcome = await console(socket_factory, b)
    assert {c["name"] for c in welcome["colleagues"]} == {"الف", "ب"}
    sa, _ = await console(socket_factory, a)
    await sa.send({"type": "duty.set", "status": "available"})
    presence = await sb.recv_until("presence")
    assert presence["official"] == {"id": a.pk, "name": "الف", "status": "available", "status_display": "آماده پاسخ‌گویی"}
    await sa.send({"type": "duty.set", "status": "nonsense"})
    assert (await sa.recv_until("error"))["code"] == "invalid_status"
    await sa.close()
    await sb.close()


async def test_supervisor_overview_and_transfer_over_the_socket(socket_factory, unit, make_official):
    a = await sync_to_async(make_official)("a", [unit], name="الف")
    b = await sync_to_async(make_official)("b", [unit], name="ب")
    boss = await sync_to_async(make_official)("boss", [unit], name="سرپرست", role="supervisor")
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="منتظر")
    await sync_to_async(services.conversation_take)(conversation_id=started.conversation.pk, official=a)

    plain, welcome = await console(socket_factory, a)
    assert {t["id"] for t in welcome["transfer_targets"]} == {unit.pk}
    await plain.send({"type": "overview"})
    assert (await plain.recv_until("error"))["code"] == "forbidden"

    sup, _ = await console(socket_factory, boss)
    await sup.send({"type": "overview"})
    overview = await sup.recv_until("overview")
    assert overview["units"][0]["waiting"] == 1 and set(overview["units"][0]["on_duty"]) == {a.pk, b.pk, boss.pk}
    loads = {o["name"]: o["active_chats"] for o in overview["officials"]}
    assert loads == {"الف": 1, "ب": 0, "سرپرست": 0}
    assert [c["official"] for c in overview["active"]] == ["الف"]

    # the supervisor reassigns the chat; the first official is told and stops following it
    await sup.send({"type": "chat.transfer", "conversation_id": started.conversation.pk, "to_official_id": b.pk, "note": "تقسیم بار"})
    assert (await sup.recv_until("transfer.ok"))["conversation_id"] == started.conversation.pk
    moved = await plain.recv_until("conversation")
    assert moved["conversation"]["official_id"] == b.pk
    await sup.send({"type": "chat.transfer", "conversation_id": started.conversation.pk, "note": ""})
    assert (await sup.recv_until("error"))["code"] == "note_required"
    await plain.close()
    await sup.close()
