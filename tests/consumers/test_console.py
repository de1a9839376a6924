"""The console socket: session auth, duty, queue, take race, replies, unit isolation."""

import asyncio
import datetime as dt

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock, jalali
from chatdesk.directory import services as directory_services
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
    assert "transfer_targets" not in welcome  # asked for on demand (test_transfer_targets_on_demand)
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


async def test_transfer_targets_on_demand(socket_factory, unit, other_unit, make_unit, make_official):
    """The console's welcome no longer lists every unit and official; ``transfer.targets`` does,
    when a transfer form opens: every active unit with live chat, in menu order (including units
    hidden from the menu and units the official does not serve), each with its officials whose
    account is active, in any status."""
    unit.menu_order, other_unit.menu_order = 2, 1
    await sync_to_async(unit.save)()
    await sync_to_async(other_unit.save)()
    hidden = await sync_to_async(make_unit)("واحد پنهان", code="hidden", show_in_menu=False, menu_order=3)
    await sync_to_async(make_unit)("بدون گفتگو", code="nochat", chat_enabled=False)
    await sync_to_async(make_unit)("غیرفعال", code="inactive", is_active=False)
    me = await sync_to_async(make_official)("me", [unit], name="زهرا", status="away")
    colleague = await sync_to_async(make_official)("col", [unit, other_unit], name="علی", status="available")
    gone = await sync_to_async(make_official)("gone", [other_unit], name="رفته")
    gone.user.is_active = False
    await sync_to_async(gone.user.save)()
    far = await sync_to_async(make_official)("far", [hidden], name="دور", status="offline")

    sock, welcome = await console(socket_factory, me)
    assert "transfer_targets" not in welcome
    assert [u["id"] for u in welcome["units"]] == [unit.pk]  # serves one unit only

    await sock.send({"type": "transfer.targets", "ref": 7})
    answer = await sock.recv_until("transfer.targets")
    assert "ref" not in answer  # successful answers do not echo it
    assert [(t["id"], t["name"]) for t in answer["targets"]] == [(other_unit.pk, "روابط عمومی"), (unit.pk, "معاونت درمان"), (hidden.pk, "واحد پنهان")]
    by_unit = {t["id"]: t["officials"] for t in answer["targets"]}
    assert by_unit[unit.pk] == [
        {"id": me.pk, "name": "زهرا", "status": "away", "status_display": "موقتاً دور"},
        {"id": colleague.pk, "name": "علی", "status": "available", "status_display": "آماده پاسخ‌گویی"},
    ]
    assert [o["id"] for o in by_unit[other_unit.pk]] == [colleague.pk]  # the deactivated one is left out
    assert [(o["id"], o["status"]) for o in by_unit[hidden.pk]] == [(far.pk, "offline")]

    # It is a fresh read each time: a status changed since shows on the next ask.
    await sync_to_async(Official.objects.filter(pk=far.pk).update)(status="available")
    await sock.send({"type": "transfer.targets"})
    again = await sock.recv_until("transfer.targets")
    assert [o["status"] for t in again["targets"] if t["id"] == hidden.pk for o in t["officials"]] == ["available"]

    # Whatever the answer offers, a transfer to it is accepted: a target from the list works.
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    await sync_to_async(Official.objects.filter(pk=me.pk).update)(status="available")
    await sync_to_async(services.conversation_take)(conversation_id=started.conversation.pk, official=me)
    await sock.send({"type": "chat.transfer", "conversation_id": started.conversation.pk, "note": "مالی", "to_official_id": far.pk, "to_unit_id": hidden.pk})
    assert (await sock.recv_until("transfer.ok"))["conversation_id"] == started.conversation.pk

    # An official whose account is deactivated while the console is open gets no targets (the
    # transfer itself would answer not_found).
    me.user.is_active = False
    await sync_to_async(me.user.save)()
    await sock.send({"type": "transfer.targets"})
    assert (await sock.recv_until("transfer.targets"))["targets"] == []
    await sock.close()


async def test_transfer_targets_cost_a_fixed_number_of_queries(socket_factory, unit, make_unit, make_official):
    """Two queries and an account check however many units and officials there are (it was a
    part of every welcome; now it is asked for, and it must stay cheap)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chatdesk.chats import selectors

    me = await sync_to_async(make_official)("me", [unit])
    for n in range(5):
        extra = await sync_to_async(make_unit)(f"واحد {n}", code=f"u{n}")
        for k in range(4):
            await sync_to_async(make_official)(f"o{n}-{k}", [extra, unit], name=f"کارشناس {n}-{k}")

    def count():
        with CaptureQueriesContext(connection) as queries:
            pairs = selectors.transfer_targets(me)
        return len(queries), sum(len(officials) for _, officials in pairs)

    queries, listed = await sync_to_async(count)()
    assert listed == 5 * 4 + 21  # every extra unit's four, and the first unit's twenty-one
    assert queries == 3


MONDAY = (1405, 9, 2)  # 2 Azar 1405, a workday (office hours 07:30–14:30)


def _tehran(hh, mm=0):
    return jalali.local_datetime(jalali.jalali_date(*MONDAY), dt.time(hh, mm))


async def test_console_names_closed_units_and_offers_the_rostered_official_to_go_on_duty(socket_factory, unit, other_unit, make_official):
    """Outside office hours «آماده پاسخ‌گویی» reaches no citizen: the console says which units are
    closed and when they open.  A rostered official is told of their shift at once."""
    rezaei = await sync_to_async(make_official)("rezaei", [unit, other_unit], name="زهرا رضایی", status="offline")
    await sync_to_async(directory_services.duty_shift_save)(
        unit=unit, date=_tehran(10).date(), start=dt.time(7, 30), end=dt.time(14, 30), official=rezaei
    )
    with clock.frozen_at(_tehran(10)):
        sock, welcome = await console(socket_factory, rezaei)
        info = welcome["duty_info"]
        assert info["closed"] == []
        assert info["roster"] == [{"unit_id": unit.pk, "unit_name": unit.name, "span_display": "۰۷:۳۰ تا ۱۴:۳۰", "as_substitute": False}]
        await sock.close()
    with clock.frozen_at(_tehran(20)):
        sock, welcome = await console(socket_factory, rezaei)
        assert welcome["duty_info"]["roster"] == []
        await sock.send({"type": "duty.set", "status": "available"})
        info = await sock.recv_until("duty.info")
        closed = {u["name"]: u for u in info["closed"]}
        assert set(closed) == {unit.name, other_unit.name}
        assert closed[unit.name]["reason"] == "outside_hours" and "ساعت اداری" in closed[unit.name]["message"]
        assert closed[unit.name]["next_opening_display"] == "سه\u200cشنبه ۳ آذر ۱۴۰۵ ساعت ۰۷:۳۰"
        await sock.close()


async def test_supervisor_sees_a_shift_with_nobody_online(socket_factory, unit, make_official):
    rezaei = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی", status="offline")
    karimi = await sync_to_async(make_official)("karimi", [unit], name="علی کریمی", status="away")
    boss = await sync_to_async(make_official)("boss", [unit], name="سرپرست", role="supervisor")
    await sync_to_async(directory_services.duty_shift_save)(
        unit=unit, date=_tehran(10).date(), start=dt.time(7, 30), end=dt.time(14, 30), official=rezaei, substitute=karimi
    )
    with clock.frozen_at(_tehran(10)):
        sock, _ = await console(socket_factory, boss)
        await sock.send({"type": "overview"})
        card = (await sock.recv_until("overview"))["units"][0]
        assert card["uncovered"] is True
        assert card["roster"] == [{"official": "زهرا رضایی", "substitute": "علی کریمی", "span_display": "۰۷:۳۰ تا ۱۴:۳۰", "answering": None}]
        await sync_to_async(directory_services.official_set_status)(official=karimi, status="available")
        await sock.send({"type": "overview"})
        card = (await sock.recv_until("overview"))["units"][0]
        assert (card["uncovered"], card["roster"][0]["answering"]) == (False, "علی کریمی")
        await sock.close()
