"""A chat message is published once, to the conversation's both-audiences group, and both sides
still get it exactly once; the citizen's socket never gets a staff-only field (#22).

The test drives a whole chat through the real ASGI application (start with contact details,
take, messages both ways, an internal note, a transfer with a note, close) and records every
frame each socket receives and every broadcast made."""

import pytest
from asgiref.sync import sync_to_async

from chatdesk.chats import services
from chatdesk.core import events, realtime

from .test_console import citizen, console

pytestmark = pytest.mark.django_db(transaction=True)

#: fields only staff frames carry (chats/wire.py ``conversation_for_staff``, notes, tickets)
STAFF_ONLY_KEYS = {"official_id", "citizen_mobile", "citizen_email", "waiting_since", "closed_by", "channel", "channel_display", "note"}
CONTACT = ("09121234567", "sara@example.com")
SECRET_NOTE = "یادداشت محرمانه ۷۷"


def keys_and_texts(value):
    """Every dict key and every string anywhere inside a frame."""
    stack, keys, texts = [value], set(), []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            texts.append(item)
    return keys, texts


async def until(sock, type_, into):
    """Frames up to and including the first of ``type_``, every one kept in ``into``."""
    while True:
        frame = await sock.recv()
        into.append(frame)
        if frame["type"] == type_:
            return frame


async def drain(sock, into=None):
    """Every frame waiting on a socket: a ping is answered last, so everything before it came."""
    frames = [] if into is None else into
    await sock.send({"type": "ping"})
    await until(sock, "pong", frames)
    return frames


async def test_one_publish_per_message_and_the_citizen_never_gets_a_staff_only_field(socket_factory, unit, make_official):
    official = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    other = await sync_to_async(make_official)("karimi", [unit], name="علی کریمی")
    off, _ = await console(socket_factory, official)
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا", mobile=CONTACT[0], email=CONTACT[1])
    cid = started.conversation.pk
    cit = await citizen(socket_factory, started.token)
    citizen_frames, console_frames = [], []

    with realtime.captured() as record:
        await off.send({"type": "chat.take", "conversation_id": cid})
        await until(off, "take.ok", console_frames)
        await cit.send({"type": "message.send", "client_id": "c1", "body": "سلام"})
        await until(cit, "ack", citizen_frames)
        await off.send({"type": "message.send", "conversation_id": cid, "client_id": "o1", "body": "بفرمایید"})
        await until(off, "ack", console_frames)
        await off.send({"type": "note.add", "conversation_id": cid, "client_id": "n1", "body": SECRET_NOTE})
        await until(off, "note", console_frames)
        await cit.send({"type": "message.send", "client_id": "c2", "body": "ممنون"})
        await until(cit, "ack", citizen_frames)
        await drain(cit, citizen_frames)
        await drain(off, console_frames)
        await off.send({"type": "chat.transfer", "conversation_id": cid, "to_official_id": other.pk, "note": SECRET_NOTE})
        await until(off, "transfer.ok", console_frames)
        await drain(cit, citizen_frames)

    # each message was published once, to the both-audiences group, and to no other group
    message_groups = [g for g, m in record if m["type"] == events.LAYER_EVENT and m["frame"]["type"] == events.MESSAGE]
    assert message_groups and set(message_groups) == {realtime.group_conversation(cid)}
    seqs = [m["frame"]["message"]["seq"] for g, m in record if g == realtime.group_conversation(cid)]
    assert len(seqs) == len(set(seqs)) == len(message_groups)
    # only message frames go to that group: nothing built for staff can reach the citizen through it
    assert {m["frame"]["type"] for g, m in record if g == realtime.group_conversation(cid)} == {events.MESSAGE}

    # both sides got every message exactly once, live
    def live(frames):
        return [(f["message"]["seq"], f["message"]["body"]) for f in frames if f["type"] == events.MESSAGE and f["message"]["kind"] == "text"]

    texts = [(2, "سلام"), (3, "بفرمایید"), (4, "ممنون")]
    assert live(citizen_frames) == texts and live(console_frames) == texts

    # the citizen's socket never got a staff-only field, the note or the contact details
    assert citizen_frames
    for frame in citizen_frames:
        keys, strings = keys_and_texts(frame)
        assert not keys & STAFF_ONLY_KEYS, frame
        assert frame["type"] != events.NOTE
        assert not any(SECRET_NOTE in s or CONTACT[0] in s or CONTACT[1] in s for s in strings), frame
    # while the console did get the staff-only fields (the check above can fail)
    assert any(f["type"] == events.NOTE for f in console_frames)
    await off.close()
    await cit.close()


async def test_leaving_a_conversation_leaves_its_both_audiences_group(socket_factory, unit, make_official):
    """A console that leaves a conversation (transfer) stops hearing its messages."""
    a = await sync_to_async(make_official)("rezaei", [unit], name="زهرا رضایی")
    b = await sync_to_async(make_official)("karimi", [unit], name="علی کریمی")
    off_a, _ = await console(socket_factory, a)
    started = await sync_to_async(services.conversation_start)(unit_id=unit.pk, name="سارا")
    cid = started.conversation.pk
    cit = await citizen(socket_factory, started.token)
    await off_a.send({"type": "chat.take", "conversation_id": cid})
    await off_a.recv_until("take.ok")
    await off_a.send({"type": "chat.transfer", "conversation_id": cid, "to_official_id": b.pk, "note": "تقسیم بار"})
    await off_a.recv_until("transfer.ok")
    await drain(off_a)  # the transfer's own frames, and the control frame that leaves the groups
    await cit.send({"type": "message.send", "client_id": "after", "body": "هنوز هستید؟"})
    await cit.recv_until("ack")
    assert not [f for f in await drain(off_a) if f["type"] == events.MESSAGE]
    await off_a.close()
    await cit.close()
