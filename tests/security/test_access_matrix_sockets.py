"""The access matrix of the two sockets: every frame type a console or a citizen may send
(``consumers/*.handlers``; a new frame type without an entry fails), driven through the real
ASGI application.  For the console, a frame naming unit B's conversation or ticket gets the same
answer as one naming a missing id, and changes nothing; the citizen's socket is bound to its
token's conversation and ignores any id a frame carries."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from consumers.citizen import CitizenConsumer
from consumers.console import ConsoleConsumer
from tests.conftest import ORIGIN, session_cookie
from tests.security import world as W

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {"error", "ack", "history", "take.ok", "transfer.ok", "ticket.changed", "chat.escalated", "overview", "welcome", "pong", "duty.info"}

# frame type -> list of (label, frame with {id} for B's object / the missing id), or a reason
CONSOLE = {
    "hello": "no object: the official's own snapshot (checked for B's data below)",
    "ping": "no object",
    "duty.set": "no object: the official's own status",
    "duty.info": "no object: the official's own closed units and shifts (checked for B's data below)",
    "overview": "no object: the supervisor's own units (checked for B's data below)",
    "transfer.targets": "no object: every unit's public transfer list, the same for every official (tests/consumers/test_console.py)",
    "chat.take": [("take B's chat", {"type": "chat.take", "conversation_id": "{conv}"})],
    "chat.open": [("open B's chat", {"type": "chat.open", "conversation_id": "{conv}"}),
                  ("open B's chat after 0", {"type": "chat.open", "conversation_id": "{conv}", "after": 0})],
    "chat.close": [("close B's chat", {"type": "chat.close", "conversation_id": "{conv}"})],
    "message.send": [("write in B's chat", {"type": "message.send", "conversation_id": "{conv}", "client_id": "x1", "body": "سلام"})],
    "typing": [("type in B's chat", {"type": "typing", "conversation_id": "{conv}", "active": True})],
    "resume": [("resume B's chat", {"type": "resume", "conversation_id": "{conv}", "after": 0})],
    "note.add": [("note on B's chat", {"type": "note.add", "conversation_id": "{conv}", "client_id": "x2", "body": "یادداشت"})],
    "chat.transfer": [("transfer B's chat to A", {"type": "chat.transfer", "conversation_id": "{conv}", "note": "انتقال", "to_unit_id": "{unit_a}"})],
    "ticket.watch": [("watch B's ticket", {"type": "ticket.watch", "ticket_id": "{ticket}"})],
    "chat.escalate": [("escalate B's chat", {"type": "chat.escalate", "conversation_id": "{conv}"})],
    "read": [("mark B's chat read", {"type": "read", "conversation_id": "{conv}", "seq": 0})],
    "replies.list": "no object: the official's own and their units' saved replies (checked for B's data below)",
    "reply.save": [("change B's saved reply", {"type": "reply.save", "id": "{reply}", "shortcut": "x", "title": "x", "body": "x"}),
                   ("write a saved reply for unit B", {"type": "reply.save", "unit_id": "{unit_b}", "shortcut": "x", "title": "x", "body": "x"})],
    "reply.delete": [("delete B's saved reply", {"type": "reply.delete", "id": "{reply}"})],
    "chat.seen": [("mark B's chat seen", {"type": "chat.seen", "conversation_id": "{conv}", "seq": 1})],
    "citizen.history": [("B's citizen's history", {"type": "citizen.history", "conversation_id": "{conv}"})],
}

CITIZEN = {
    "hello": "the token opens its own conversation only (test_tokens.py: guessing, replay)",
    "ping": "no object",
    "message.send": [{"type": "message.send", "conversation_id": "{conv}", "client_id": "c1", "body": "سلام"}],
    "typing": [{"type": "typing", "conversation_id": "{conv}", "active": True}],
    "resume": [{"type": "resume", "conversation_id": "{conv}", "after": 0}],
    # beyond A's last seq: refused read_ahead with A's last_seq (an error echoes the frame's own
    # conversation_id, protocol §6); B's marks stay as they were
    "read": [{"type": "read", "conversation_id": "{conv}", "seq": 10**6}],
    "chat.end": [{"type": "chat.end", "conversation_id": "{conv}"}],
}


def test_every_frame_type_has_an_entry():
    assert set(ConsoleConsumer.handlers) == set(CONSOLE), "console frame types without a socket-matrix entry"
    assert set(CitizenConsumer.handlers) == set(CITIZEN), "citizen frame types without a socket-matrix entry"


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    settings.MEDIA_ROOT = tmp_path
    from django.core.cache import cache

    cache.clear()
    return W.build(make_unit, make_official)


def _fill(frame, values):
    out = {}
    for key, value in frame.items():
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = values[value[1:-1]]
        out[key] = value
    return out


async def _console(official):
    from chatdesk.asgi import application

    cookie = await sync_to_async(session_cookie)(official.user)
    comm = WebsocketCommunicator(application, "/ws/console/", headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())])
    connected, _ = await comm.connect()
    assert connected
    welcome = await comm.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return comm, welcome


async def _answer(comm):
    while True:
        frame = await comm.receive_json_from(timeout=5)
        if frame["type"] in ANSWERS:
            return frame


def _strip(frame):
    return {k: v for k, v in frame.items() if k not in ("conversation_id", "ticket_id", "client_id")}


def _reply_of_unit_b(world):
    from chatdesk.chats.models import SavedReply
    from chatdesk.core import clock

    return SavedReply.objects.create(unit=world.unit_b, shortcut="ب", title="پاسخ " + W.MARK_B, body="متن " + W.MARK_B, updated_at=clock.now()).pk


async def test_console_frames_on_unit_b_answer_as_missing(world):
    comm, welcome = await _console(world.a)
    assert W.MARK_B not in json.dumps(welcome, ensure_ascii=False)
    failures = []
    reply_b = await sync_to_async(_reply_of_unit_b)(world)
    b_ids = {"conv": world.conv_b.pk, "ticket": world.ticket_b.pk, "unit_a": world.unit_a.pk, "unit_b": world.unit_b.pk, "reply": reply_b}
    missing = {"conv": world.missing, "ticket": world.missing, "unit_a": world.unit_a.pk, "unit_b": world.missing, "reply": world.missing}
    for frame_type, cases in CONSOLE.items():
        if isinstance(cases, str):
            continue
        for label, frame in cases:
            before = await sync_to_async(W.state_hash)()
            await comm.send_json_to(_fill(frame, b_ids))
            got_b = await _answer(comm)
            await comm.send_json_to(_fill(frame, missing))
            got_missing = await _answer(comm)
            after = await sync_to_async(W.state_hash)()
            if got_b["type"] != "error" or _strip(got_b) != _strip(got_missing):
                failures.append(f"{frame_type} [{label}]: {got_b} vs {got_missing}")
            if W.MARK_B in json.dumps(got_b, ensure_ascii=False):
                failures.append(f"{frame_type} [{label}]: B's data in the answer")
            if before != after:
                failures.append(f"{frame_type} [{label}]: the database changed")
    await comm.disconnect()
    assert not failures, "\n".join(failures)


async def test_supervisor_overview_and_welcome_show_nothing_of_unit_b(world):
    comm, welcome = await _console(world.sa)
    assert W.MARK_B not in json.dumps(welcome, ensure_ascii=False)
    await comm.send_json_to({"type": "overview"})
    frame = await _answer(comm)
    assert frame["type"] == "overview"
    assert W.MARK_B not in json.dumps(frame, ensure_ascii=False)
    await comm.disconnect()


async def test_duty_info_names_nothing_of_unit_b(world):
    """An official of unit A asks which of their units are closed and what their shifts are: the
    answer is about unit A only, whatever unit B's hours or roster."""
    comm, welcome = await _console(world.a)
    assert W.MARK_B not in json.dumps(welcome.get("duty_info"), ensure_ascii=False)
    await comm.send_json_to({"type": "duty.info"})
    frame = await _answer(comm)
    assert frame["type"] == "duty.info"
    assert W.MARK_B not in json.dumps(frame, ensure_ascii=False)
    await comm.disconnect()


async def test_citizen_frames_stay_in_their_own_conversation(world):
    from chatdesk.asgi import application
    from chatdesk.chats.models import Message

    comm = WebsocketCommunicator(application, "/ws/chat/", headers=[ORIGIN])
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "hello", "token": world.token_a})
    welcome = await comm.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome" and welcome["conversation"]["id"] == world.conv_a.pk
    b_before = await sync_to_async(lambda: list(Message.objects.filter(conversation=world.conv_b).values_list("pk", "body")))()
    for frame_type, cases in CITIZEN.items():
        if isinstance(cases, str):
            continue
        for frame in cases:
            await comm.send_json_to(_fill(frame, {"conv": world.conv_b.pk}))
            if frame_type == "typing":
                continue
            if frame_type == "chat.end":
                break
            answer = await _answer(comm)
            assert W.MARK_B not in json.dumps(answer, ensure_ascii=False)
            if frame_type == "read":
                a_last = await sync_to_async(lambda: type(world.conv_a).objects.get(pk=world.conv_a.pk).last_seq)()
                assert answer["code"] == "read_ahead" and answer["last_seq"] == a_last
            elif "conversation_id" in answer:
                assert answer["conversation_id"] == world.conv_a.pk
    b_after = await sync_to_async(lambda: list(Message.objects.filter(conversation=world.conv_b).values_list("pk", "body")))()
    assert b_before == b_after
    conv_b_status = await sync_to_async(lambda: type(world.conv_b).objects.get(pk=world.conv_b.pk).status)()
    assert conv_b_status != "closed"  # chat.end ended A's own chat, not B's
    b_reads = await sync_to_async(lambda: type(world.conv_b).objects.filter(pk=world.conv_b.pk).values_list("citizen_read_seq", "official_read_seq").get())()
    assert b_reads == (0, 0)
    await comm.disconnect()


async def test_saved_replies_and_history_show_nothing_of_unit_b(world):
    """Unit B's saved replies never reach A's console; and a chat of unit A from B's citizen (the
    same mobile and email) lists none of B's chats or tickets in its history."""
    from chatdesk.chats import services as chat_services

    await sync_to_async(_reply_of_unit_b)(world)
    started = await sync_to_async(chat_services.conversation_start)(
        unit_id=world.unit_a.pk, name="شهروند", mobile="09120000002", email="b@example.com"
    )
    for official in (world.a, world.sa):
        comm, _ = await _console(official)
        await comm.send_json_to({"type": "replies.list"})
        frame = await comm.receive_json_from(timeout=5)
        while frame["type"] != "replies":
            frame = await comm.receive_json_from(timeout=5)
        assert W.MARK_B not in json.dumps(frame, ensure_ascii=False)
        await comm.send_json_to({"type": "citizen.history", "conversation_id": started.conversation.pk})
        frame = await comm.receive_json_from(timeout=5)
        while frame["type"] != "citizen.history":
            frame = await comm.receive_json_from(timeout=5)
        assert frame["chats"] == [] and frame["tickets"] == [] and frame["tracking_code"] is None
        await comm.disconnect()
