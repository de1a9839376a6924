"""The console's tools of #21 over the real socket: saved replies, what an official has seen
(unread counts that survive a reconnect), queue previews, and the citizen's history limited by
the per-unit rules with the same ``not_found`` for what is missing or not theirs."""

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services
from chatdesk.chats.models import ConversationSeen, SavedReply
from chatdesk.directory.models import Official
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Ticket

from .test_console import citizen, console

pytestmark = pytest.mark.django_db(transaction=True)
MOBILE = "09123456789"


@pytest.fixture(autouse=True)
def _round_the_clock(unit, other_unit):
    """The units answer at any hour (Unit.always_open): a chat started with a message stays a
    live chat whatever time the test runs at (a closed unit would turn it into a ticket)."""
    for u in (unit, other_unit):
        u.always_open = True
        u.save(update_fields=["always_open"])


async def test_saved_replies_over_the_socket(socket_factory, unit, make_official):
    supervisor = await sync_to_async(make_official)("moradi", [unit], role=Official.Role.SUPERVISOR)
    official = await sync_to_async(make_official)("rezaei", [unit])
    sup, _ = await console(socket_factory, supervisor)
    off, _ = await console(socket_factory, official)
    await sup.send({"type": "reply.save", "unit_id": unit.pk, "shortcut": "ساعت", "title": "ساعت کاری", "body": "ساعت کاری ۸ تا ۱۴"})
    saved = await sup.recv_until("replies")
    assert saved["saved"] is True and [r["shortcut"] for r in saved["replies"]] == ["ساعت"]
    assert saved["units"] == [{"id": unit.pk, "name": unit.name}]
    # the unit's other consoles are told to ask again
    await off.recv_until("replies.changed")
    await off.send({"type": "replies.list"})
    listed = await off.recv_until("replies")
    assert listed["replies"][0]["editable"] is False and listed["units"] == []
    # an official cannot change the unit's reply; bad input: a Persian error, nothing changed
    reply_id = listed["replies"][0]["id"]
    await off.send({"type": "reply.delete", "id": reply_id})
    assert (await off.recv_until("error"))["code"] == "forbidden"
    await off.send({"type": "reply.save", "shortcut": "من", "title": "شخصی", "body": "سلام {نام_پدر}"})
    error = await off.recv_until("error")
    assert error["code"] == "invalid" and error["field"] == "body" and "{نام_پدر}" in error["message"]
    await off.send({"type": "reply.save", "shortcut": "من", "title": "شخصی", "body": "سلام {نام}"})
    mine = await off.recv_until("replies")
    assert sorted(r["scope"] for r in mine["replies"]) == ["personal", "unit"]
    await off.send({"type": "reply.delete", "id": 99999})
    assert (await off.recv_until("error"))["code"] == "not_found"
    assert await sync_to_async(SavedReply.objects.count)() == 2
    await sup.close()
    await off.close()


async def test_unread_counts_are_stored_and_previews_follow_the_queue(socket_factory, unit, make_official):
    official = await sync_to_async(make_official)("rezaei", [unit])
    off, _ = await console(socket_factory, official)
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا", mobile=MOBILE, message="سلام، پرسشی دارم")
    cid = started.conversation.pk
    added = await off.recv_until("queue.added")
    assert added["conversation"]["preview"]["body"] == "سلام، پرسشی دارم"
    assert added["conversation"]["preview"]["ts_display"][:2] == "۱۴" and added["conversation"]["unread"] == 1
    cit = await citizen(socket_factory, started.token)
    await cit.send({"type": "message.send", "client_id": "c2", "body": "کسی هست؟"})
    updated = await off.recv_until("queue.updated")
    assert (updated["conversation_id"], updated["unread"], updated["preview"]["body"]) == (cid, 2, "کسی هست؟")

    await off.send({"type": "chat.take", "conversation_id": cid})
    await off.recv_until("assigned")
    await off.send({"type": "chat.open", "conversation_id": cid, "after": 0})
    history = await off.recv_until("history")
    assert history["seen_seq"] == 0
    await off.send({"type": "chat.seen", "conversation_id": cid, "seq": 2})
    seen = await off.recv_until("seen")
    assert (seen["seq"], seen["unread"]) == (2, 0)
    await cit.send({"type": "message.send", "client_id": "c3", "body": "ممنون"})
    await off.close()
    # a new console (a reload) hears how far it had seen, and the welcome's queue has no chat
    again, welcome = await console(socket_factory, official)
    assert welcome["queue"] == []
    await again.send({"type": "chat.open", "conversation_id": cid, "after": 0})
    history = await again.recv_until("history")
    assert history["seen_seq"] == 2 and [m["seq"] for m in history["messages"] if m["sender"] == "citizen"][-1] > 2
    # never backwards, never past the last message, nothing for a bad seq
    await again.send({"type": "chat.seen", "conversation_id": cid, "seq": 1})
    assert (await again.recv_until("seen"))["seq"] == 2
    await again.send({"type": "chat.seen", "conversation_id": cid, "seq": 10_000})
    last = await again.recv_until("seen")
    assert last["unread"] == 0 and last["seq"] == history["messages"][-1]["seq"]
    await again.send({"type": "chat.seen", "conversation_id": cid, "seq": "۲"})
    assert (await again.recv_until("error"))["code"] == "invalid"
    await again.close()
    await cit.close()


async def test_history_limited_to_what_the_official_may_see(socket_factory, unit, other_unit, make_official):
    official = await sync_to_async(make_official)("rezaei", [unit])
    outsider = await sync_to_async(make_official)("karimi", [other_unit])

    def setup():
        earlier = services.conversation_start(unit_id=unit.pk, name="سارا", mobile=MOBILE, message="دفعهٔ پیش")
        elsewhere = services.conversation_start(unit_id=other_unit.pk, name="سارا", mobile=MOBILE, message="واحد دیگر")
        mine = ticket_services.ticket_open(kind="request", unit=unit, subject="درخواست پیشین", body="متن", name="سارا", mobile=MOBILE, rate_limit=False)
        ticket_services.ticket_open(kind="request", unit=other_unit, subject="پرونده واحد دیگر", body="متن", name="سارا", mobile=MOBILE, rate_limit=False)
        stranger = services.conversation_start(unit_id=unit.pk, name="دیگری", mobile="09350000000", message="نه")
        now = services.conversation_start(unit_id=unit.pk, name="سارا", mobile=MOBILE, message="دوباره سلام")
        return earlier.conversation.pk, elsewhere.conversation.pk, mine, stranger.conversation.pk, now.conversation.pk

    earlier, elsewhere, ticket, stranger, current = await sync_to_async(setup)()
    off, _ = await console(socket_factory, official)
    await off.send({"type": "citizen.history", "conversation_id": current})
    history = await off.recv_until("citizen.history")
    assert [c["id"] for c in history["chats"]] == [earlier]  # not the other unit's, not a stranger's
    assert history["chats"][0]["preview"]["body"] == "دفعهٔ پیش"
    assert [t["subject"] for t in history["tickets"]] == ["درخواست پیشین"]
    assert history["tracking_code"] == ticket.ticket.display_code
    assert elsewhere and stranger
    # another unit's chat: the same not_found as a chat that does not exist
    out, _ = await console(socket_factory, outsider)
    await out.send({"type": "citizen.history", "conversation_id": current})
    forbidden = await out.recv_until("error")
    await out.send({"type": "citizen.history", "conversation_id": 999999})
    missing = await out.recv_until("error")
    assert forbidden["code"] == missing["code"] == "not_found" and forbidden["message"] == missing["message"]
    assert await sync_to_async(Ticket.objects.count)() == 2
    assert not await sync_to_async(ConversationSeen.objects.exists)()
    await off.close()
    await out.close()
