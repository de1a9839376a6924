"""Group commit (#22): ``message_send_together`` writes several sockets' messages in one
transaction and answers each exactly as ``message_send`` alone would have (chats/stream.py); the
sockets' side (consumers/base.py ``together``) gathers them and hands each its own outcome.

These run on the embedded default (SQLite); the batch spoilt by the database and written again
one by one is in tests/integration/test_write_path.py (PostgreSQL's row locks)."""

import asyncio
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message
from chatdesk.core import events, realtime
from chatdesk.core.errors import Conflict, NotFound, RateLimited, ValidationError
from consumers import base

pytestmark = pytest.mark.django_db


def start(unit, name="سارا محمدی"):
    return services.conversation_start(unit_id=unit.pk, name=name).conversation


def answer(outcome):
    """What a socket would be told: the message's seq, body and whether it is new, or the error."""
    if isinstance(outcome, BaseException):
        return (type(outcome).__name__, outcome.code)
    message, created = outcome
    return (message.conversation_id, message.seq, message.sender, message.body, created)


def alone(request):
    try:
        return services.message_send(**request)
    except (ValidationError, NotFound, Conflict, RateLimited) as refused:
        return refused


@pytest.fixture
def chats(unit, make_official, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 2}
    rezaei, karimi = make_official("rezaei", [unit]), make_official("karimi", [unit])
    taken, other, closed, paced = (start(unit, name) for name in ("سارا", "نرگس", "مریم", "کاوه"))
    services.conversation_take(conversation_id=taken.pk, official=rezaei)
    services.conversation_take(conversation_id=other.pk, official=karimi)
    services.message_send(conversation_id=taken.pk, sender="citizen", client_id="sent", body="پیشین")
    services.conversation_end_by_citizen(conversation_id=closed.pk)
    for i in range(2):
        services.message_send(conversation_id=paced.pk, sender="citizen", client_id=f"p{i}", body="تند")
    return dict(taken=taken, other=other, closed=closed, paced=paced, rezaei=rezaei, karimi=karimi)


def requests_of(c):
    taken, other, closed, paced, rezaei = c["taken"].pk, c["other"].pk, c["closed"].pk, c["paced"].pk, c["rezaei"]
    return [
        dict(conversation_id=taken, sender="citizen", client_id="c1", body="  سلام  "),
        dict(conversation_id=taken, sender="official", official=rezaei, client_id="o1", body="بفرمایید"),
        dict(conversation_id=other, sender="official", official=rezaei, client_id="o2", body="نه مال من"),  # not assigned
        dict(conversation_id=closed, sender="citizen", client_id="c2", body="دیر"),  # closed
        dict(conversation_id=paced, sender="citizen", client_id="c3", body="تندتر"),  # the per-minute limit
        dict(conversation_id=taken, sender="citizen", client_id="bad id", body="شناسه بد"),
        dict(conversation_id=999_999, sender="citizen", client_id="c4", body="گم"),
        dict(conversation_id="abc", sender="citizen", client_id="c5", body="شناسه متنی"),
        dict(conversation_id=taken, sender="citizen", client_id="c6", body="   "),  # empty once cleaned
        dict(conversation_id=taken, sender="citizen", client_id="sent", body="دوباره"),  # a resend
        dict(conversation_id=other, sender="citizen", client_id="c7", body="از دیگری"),
    ]


def stored():
    return list(Message.objects.order_by("conversation_id", "seq").values_list("conversation_id", "seq", "sender", "client_id", "body"))


def test_a_batch_answers_each_request_as_message_send_alone_would(chats, django_capture_on_commit_callbacks):
    # the same requests one by one, rolled back, give the answers the batch must give
    from django.db import transaction

    with transaction.atomic():
        expected = [answer(alone(r)) for r in requests_of(chats)]
        expected_rows = stored()
        transaction.set_rollback(True)
    before = stored()
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True) as hooks:
        outcomes = services.message_send_together(requests_of(chats))
    assert [answer(o) for o in outcomes] == expected
    # in request order, whatever the locking order: written, refused, refused…, the resend found
    assert [a[0] if isinstance(a[0], str) else a[-1] for a in expected] == [
        True, True, "Conflict", "Conflict", "RateLimited", "ValidationError", "NotFound", "NotFound", "ValidationError", False, True,
    ]
    assert stored() == expected_rows != before
    # nothing is announced before the commit; then each written message (and the resend, again)
    # once to both audiences, in one hook per round that wrote (the first: c1; the second: o1
    # and c7, the second message of each of their chats) and one for the resend
    assert len(hooks) == 3
    sent = [(g, m["frame"]["message"]["client_id"]) for g, m in record if m["type"] == events.LAYER_EVENT and m["frame"]["type"] == "message"]
    for client_id, conversation in (("c1", chats["taken"]), ("o1", chats["taken"]), ("sent", chats["taken"]), ("c7", chats["other"])):
        assert sorted(g for g, c in sent if c == client_id) == sorted(
            [realtime.group_conversation_citizen(conversation.pk), realtime.group_conversation_staff(conversation.pk)]
        )


def test_one_transaction_for_the_batch(chats, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 30}
    requests = [dict(conversation_id=chats["taken"].pk, sender="citizen", client_id=f"t{i}", body=f"پیام {i}") for i in range(2)]
    requests.append(dict(conversation_id=chats["other"].pk, sender="citizen", client_id="t9", body="دیگری"))
    taken, other = (Conversation.objects.get(pk=chats[name].pk).last_seq for name in ("taken", "other"))
    with CaptureQueriesContext(connection) as log:
        outcomes = services.message_send_together(requests)
    assert [answer(o)[1:] for o in outcomes] == [
        (taken + 1, "citizen", "پیام 0", True), (taken + 2, "citizen", "پیام 1", True), (other + 1, "citizen", "دیگری", True)
    ]
    # the test's own transaction is open, so the batch's is a savepoint: one for the three
    # messages (message_send would open one each)
    statements = [q["sql"].split()[0].upper() for q in log.captured_queries]
    assert statements.count("SAVEPOINT") == 1, statements
    assert Conversation.objects.get(pk=chats["taken"].pk).last_seq == taken + 2


@pytest.mark.django_db(transaction=True)  # the batch runs on a socket database thread, its own connection
def test_the_sockets_side_gathers_and_answers_each_its_own(chats, settings):
    """``together``: requests made in one turn of the event loop leave as one batch when the
    threads are busy, and each caller gets its own outcome, an error raised as itself."""
    settings.CHAT = {**settings.CHAT, "SOCKET_DB_THREADS": 1, "MESSAGES_PER_MINUTE": 30}
    batches = []

    def service(requests):
        batches.append(len(requests))
        return services.message_send_together(requests)

    taken, closed = chats["taken"].pk, chats["closed"].pk
    last = Conversation.objects.get(pk=taken).last_seq

    async def main():
        calls = [base.together(service, dict(conversation_id=taken, sender="citizen", client_id=f"s{i}", body=f"پیام {i}")) for i in range(5)]
        calls.append(base.together(service, dict(conversation_id=closed, sender="citizen", client_id="s9", body="دیر")))
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert [answer(o)[1:] for o in outcomes[:5]] == [(last + 1 + i, "citizen", f"پیام {i}", True) for i in range(5)]
    assert isinstance(outcomes[5], Conflict) and outcomes[5].code == "conversation_closed"
    assert sum(batches) == 6 and len(batches) < 6, batches  # one thread: they waited and left together


def test_one_batch_at_a_time_gathers_what_came_meanwhile_and_leaves_a_thread_free(settings):
    """``together`` writes one batch of a service at a time (``TOGETHER_IN_FLIGHT``, #22): with
    two socket database threads, requests made while a batch is written wait for it and leave
    as one batch, instead of a second small batch on the free thread; that thread still serves
    any other database call at once."""
    settings.CHAT = {**settings.CHAT, "SOCKET_DB_THREADS": 2}
    batches, release = [], threading.Event()

    def service(requests):
        batches.append(list(requests))
        if len(batches) == 1:
            release.wait(10)  # the first batch is being written
        return [f"done {r}" for r in requests]

    async def main():
        first = asyncio.ensure_future(base.together(service, 0))
        while not batches:
            await asyncio.sleep(0.005)
        meanwhile = [asyncio.ensure_future(base.together(service, n)) for n in (1, 2, 3)]
        await asyncio.sleep(0.05)
        assert len(batches) == 1  # no second batch beside the first
        assert await base.db(threading.get_ident)() != 0  # the other thread answers meanwhile
        release.set()
        return await asyncio.gather(first, *meanwhile)

    assert asyncio.run(main()) == ["done 0", "done 1", "done 2", "done 3"]
    assert batches == [[0], [1, 2, 3]]
