"""Generated frames against both sockets (issue #20), through the real ASGI application.

Hypothesis builds frames of every type the sockets know, with fields that are right, wrong in
type, out of range, lone surrogates, deep or odd JSON; unknown types; text that is no JSON;
binary frames; nesting thousands deep.  After each one:

- no answer is ``server_error`` (every input is either done or refused as bad input);
- the socket still answers ``ping``;
- a refused input stored nothing (messages, notes and tickets are counted before and after).

One event loop runs the whole test (the sockets live across examples); each example is driven
from the synchronous ``@given`` test with ``loop.run_until_complete``.  Bounded: a fixed number
of examples per socket, each under a deadline."""

import asyncio
import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import events
from chatdesk.directory.models import Official
from chatdesk.tickets.models import Ticket
from tests.conftest import Socket

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 100
FUZZ = hsettings(
    max_examples=EXAMPLES,
    deadline=dt.timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # no example database written into the checkout
)

# Placeholders for the ids of the world the frames are thrown at (filled in per example).
CID, UNIT, OFFICIAL, TICKET = "@cid", "@unit", "@official", "@ticket"

SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\ud83d", "\udc00b", "سلام\udbff"])
ODD_TEXT = st.sampled_from(["", " ", "abc\n", "abc\r\n", "a" * 65, "\u202eabc", "\x00", "ي ك", "۱۲۳", "<b>x</b>", "null"])
TEXT = st.one_of(st.text(max_size=40), SURROGATES, ODD_TEXT)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False, allow_infinity=False), TEXT
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)
ANY = st.one_of(SCALARS, JSON)


def _id(placeholder):
    return st.one_of(st.just(placeholder), st.just(placeholder), st.integers(min_value=-3, max_value=10**12), ANY)


FIELDS = {
    "conversation_id": _id(CID),
    "client_id": st.one_of(st.from_regex(r"[A-Za-z0-9_\-:.]{1,64}", fullmatch=True), TEXT, ANY),
    "body": st.one_of(st.text(min_size=1, max_size=80), TEXT, st.integers(1990, 2100).map(lambda n: "ب" * n), ANY),
    "after": st.one_of(st.integers(min_value=-2, max_value=2**64), ANY),
    "last_seq": st.one_of(st.integers(min_value=-2, max_value=50), ANY),
    "seq": st.one_of(st.integers(min_value=-2, max_value=2**64), ANY),
    "active": st.one_of(st.booleans(), ANY),
    "token": st.one_of(TEXT, ANY),
    "status": st.one_of(st.sampled_from(["available", "away", "offline"]), TEXT, ANY),
    "note": st.one_of(st.text(min_size=1, max_size=40), TEXT, ANY),
    "to_unit_id": _id(UNIT),
    "to_official_id": _id(OFFICIAL),
    "ticket_id": _id(TICKET),
    "ref": st.one_of(TEXT, ANY),
}
TYPES = sorted(
    {
        events.HELLO, events.PING, events.MESSAGE_SEND, events.TYPING_SET, events.RESUME, events.CHAT_END, events.DUTY_SET,
        events.CHAT_TAKE, events.CHAT_OPEN, events.CHAT_CLOSE, events.NOTE_ADD, events.CHAT_TRANSFER, events.TRANSFER_TARGETS,
        events.OVERVIEW, events.TICKET_WATCH, events.CHAT_ESCALATE, events.READ,
    }
)
FRAMES = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(TYPES), st.sampled_from(TYPES), TEXT, ANY)},
    optional={**FIELDS, "extra": ANY},
)

# Frames of the right shape for their type, with values of the right kind but generated (text,
# counts, ids of this world and others): these reach the services, not only the frame checks.
CLEAN = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), ODD_TEXT)
PLAIN_IDS = {
    placeholder: st.one_of(st.just(placeholder), st.just(placeholder), st.just(placeholder), st.integers(-1, 10**6), st.integers(2**63 - 2, 2**70), st.just("1"), st.none(), st.booleans())
    for placeholder in (CID, UNIT, OFFICIAL, TICKET)
}
PLAIN = {
    "conversation_id": PLAIN_IDS[CID],
    "client_id": st.one_of(st.from_regex(r"[A-Za-z0-9_\-:.]{1,64}", fullmatch=True), st.from_regex(r"[A-Za-z0-9_\-:.]{1,64}", fullmatch=True), CLEAN),
    "body": st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80), CLEAN, st.integers(1990, 2100).map(lambda n: "ب" * n)),
    "after": st.one_of(st.integers(-1, 60), st.integers(2**31, 2**64), st.none(), st.just("1")),
    "last_seq": st.one_of(st.integers(-1, 60), st.none()),
    "seq": st.one_of(st.integers(-1, 60), st.integers(2**63 - 2, 2**70), st.none(), st.just("1")),
    "active": st.one_of(st.booleans(), st.booleans(), st.sampled_from(["x", 1, 0, None, {}, []])),
    "token": CLEAN,
    "status": st.one_of(st.sampled_from(["available", "away", "offline"]), CLEAN),
    "note": CLEAN,
    "to_unit_id": PLAIN_IDS[UNIT],
    "to_official_id": PLAIN_IDS[OFFICIAL],
    "ticket_id": PLAIN_IDS[TICKET],
}
SHAPES = {
    events.HELLO: ("token", "last_seq"),
    events.PING: (),
    events.MESSAGE_SEND: ("conversation_id", "client_id", "body"),
    events.TYPING_SET: ("conversation_id", "active"),
    events.RESUME: ("conversation_id", "after"),
    events.CHAT_END: (),
    events.DUTY_SET: ("status",),
    events.CHAT_TAKE: ("conversation_id",),
    events.CHAT_OPEN: ("conversation_id", "after"),
    events.CHAT_CLOSE: ("conversation_id",),
    events.NOTE_ADD: ("conversation_id", "client_id", "body"),
    events.CHAT_TRANSFER: ("conversation_id", "note", "to_official_id", "to_unit_id"),
    events.TRANSFER_TARGETS: (),
    events.OVERVIEW: (),
    events.TICKET_WATCH: ("ticket_id",),
    events.CHAT_ESCALATE: ("conversation_id",),
    events.READ: ("conversation_id", "seq"),
}
assert set(SHAPES) == set(TYPES)


def shaped(types):
    return st.sampled_from(sorted(types)).flatmap(
        lambda t: st.fixed_dictionaries({"type": st.just(t), **{k: PLAIN[k] for k in SHAPES[t]}}, optional={"ref": CLEAN})
    )


def wire(own_types):
    """What goes on the wire: a frame as JSON (surrogates escaped, as a client's encoder writes
    them), mostly of the socket's own types; or text that is not a frame, or bytes."""
    own = shaped(own_types).map(lambda f: ("frame", f))
    return st.one_of(
        own, own, own, own,
        shaped(TYPES).map(lambda f: ("frame", f)),
        FRAMES.map(lambda f: ("frame", f)),
        FRAMES.map(lambda f: ("frame", f)),
        st.text(max_size=80).map(lambda t: ("text", t)),
        JSON.map(lambda v: ("text", json.dumps(v))),
        st.integers(min_value=30, max_value=8000).map(lambda n: ("text", "[" * n + "]" * n)),
        st.integers(min_value=30, max_value=3000).map(lambda n: ("text", '{"type":"ping","x":' + '{"a":' * n + "1" + "}" * n + "}")),
        st.binary(max_size=80).map(lambda b: ("bytes", b)),
    )


CITIZEN_TYPES = {events.HELLO, events.PING, events.MESSAGE_SEND, events.TYPING_SET, events.RESUME, events.CHAT_END, events.READ}
CONSOLE_TYPES = set(TYPES) - {events.CHAT_END}


class World:
    """A unit, a supervisor on duty with a chat taken, its citizen, a ticket; both sockets open."""

    def __init__(self, unit, other_unit, make_official):
        unit.always_open = True
        unit.save()
        self.unit = unit
        self.official = make_official("fuzz", [unit, other_unit], name="زهرا رضایی", role=Official.Role.SUPERVISOR, max_chats=500)
        self.colleague = make_official("colleague", [unit], name="علی کاظمی", max_chats=500)
        escalated = services.conversation_start(unit_id=unit.pk, name="شهروند پرونده")
        self.ticket = self._escalate(escalated.conversation.pk)
        self.loop = asyncio.new_event_loop()
        self.citizen = self.console = None
        self.conversation_id = None
        self.run(self._open_console())
        self.run(self.refresh())

    def _escalate(self, conversation_id):
        from chatdesk.tickets.escalation import conversation_escalate

        return conversation_escalate(conversation_id=conversation_id, reason="official", official=self.official)

    def run(self, coroutine):
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, 20))

    async def _open_console(self):
        self.console = Socket("/ws/console/", user=await sync_to_async(lambda: self.official.user)())
        assert (await self.console.connect())[0]
        await self.console.recv_until("welcome")

    async def refresh(self):
        """A fresh active chat (and its citizen's socket) when the last one was closed, moved or
        turned into a ticket by a frame that was right."""
        if self.conversation_id is not None:
            status, official_id = await sync_to_async(
                lambda: Conversation.objects.filter(pk=self.conversation_id).values_list("status", "official_id").get()
            )()
            if status == Conversation.Status.ACTIVE and official_id == self.official.pk:
                return

        def start():
            Official.objects.filter(pk=self.official.pk).update(status=Official.Status.AVAILABLE)
            started = services.conversation_start(unit_id=self.unit.pk, name="سارا محمدی", email="sara@example.ir")
            services.conversation_take(conversation_id=started.conversation.pk, official=self.official)
            return started

        started = await sync_to_async(start)()
        self.conversation_id, self.token = started.conversation.pk, started.token
        if self.citizen is not None:
            await self.citizen.close()
        self.citizen = Socket("/ws/chat/")
        assert (await self.citizen.connect())[0]
        await self.citizen.send({"type": "hello", "token": self.token})
        await self.citizen.recv_until("welcome")

    def fill(self, value):
        ids = {CID: self.conversation_id, UNIT: self.unit.pk, OFFICIAL: self.colleague.pk, TICKET: self.ticket.pk}
        if isinstance(value, dict):
            return {k: ids.get(v, v) if isinstance(v, str) else v for k, v in value.items()}
        return value

    def close(self):
        async def close_all():
            for sock in (self.citizen, self.console):
                if sock is not None:
                    await sock.close()

        try:
            self.run(close_all())
        finally:
            self.loop.close()


@pytest.fixture
def world(unit, other_unit, make_official, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 10_000}  # the pace limit is tested elsewhere
    world = World(unit, other_unit, make_official)
    yield world
    world.close()


def _stored():
    # the read marks too (#21): a refused ``read`` moves none
    reads = tuple(Conversation.objects.order_by("pk").values_list("citizen_read_seq", "official_read_seq"))
    return (Message.objects.count(), Note.objects.count(), Ticket.objects.count(), reads)


async def _throw(world, sock, wire):
    """Send one input and a ping; return every frame up to the ping's pong."""
    kind, value = wire
    # A barrier first: whatever an earlier example left on the socket (a late answer on a loaded
    # machine) is read and dropped here, so it is never taken for this input's answer.
    await sock.send({"type": "ping"})
    while (await sock.recv(timeout=10))["type"] != "pong":
        pass
    # straight to the application (the communicator's send_to refuses an empty frame)
    if kind == "bytes":
        await sock.comm.send_input({"type": "websocket.receive", "bytes": value})
    else:
        text = json.dumps(world.fill(value)) if kind == "frame" else value
        await sock.comm.send_input({"type": "websocket.receive", "text": text})
    await sock.send({"type": "ping"})
    maybe_ping = kind == "frame" and isinstance(value, dict) and value.get("type") == "ping"
    answers, pongs = [], 0
    while True:
        frame = await sock.recv(timeout=10)
        answers.append(frame)
        if frame["type"] == "pong":
            pongs += 1
            refused = any(f["type"] == "error" for f in answers)
            if pongs == 2 or not maybe_ping or refused:
                return answers


def _check(world, sock, wire):
    before = world.run(sync_to_async(_stored)())
    answers = world.run(_throw(world, sock, wire))
    errors = [f for f in answers if f["type"] == "error"]
    assert not [e for e in errors if e["code"] == "server_error"], (wire, errors)
    assert all(isinstance(e.get("message"), str) and e["message"] for e in errors)
    after = world.run(sync_to_async(_stored)())
    if errors:  # refused: nothing of it is stored
        assert after == before, (wire, errors)
    # what the examples reached (pytest --hypothesis-show-statistics)
    event("refused: " + ",".join(sorted({e["code"] for e in errors})) if errors else ("stored" if after != before else "done"))
    world.run(world.refresh())


@FUZZ
@given(sent=wire(CITIZEN_TYPES))
def test_generated_frames_on_the_citizen_socket(world, sent):
    _check(world, world.citizen, sent)


@FUZZ
@given(sent=wire(CONSOLE_TYPES))
def test_generated_frames_on_the_console_socket(world, sent):
    _check(world, world.console, sent)
