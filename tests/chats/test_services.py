"""Chat services: rows written, broadcasts announced (captured at the realtime seam), errors."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import Conflict, NotFound, RateLimited, ValidationError
from chatdesk.core.tracking import token_digest

pytestmark = pytest.mark.django_db


def frames(record, group=None):
    return [m["frame"] for g, m in record if m["type"] == events.LAYER_EVENT and (group is None or g == group)]


def start(unit, **kwargs):
    kwargs.setdefault("name", "سارا محمدی")
    return services.conversation_start(unit_id=unit.pk, **kwargs)


def test_start_stores_digest_not_token_and_announces_to_unit(unit, django_capture_on_commit_callbacks):
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        started = start(unit, mobile="۰۹۱۲۳۴۵۶۷۸۹", email="sara@example.com")
    c = started.conversation
    assert len(started.token) >= 43  # 256 bits, URL-safe base64
    assert c.token_digest == token_digest(started.token) and started.token not in c.token_digest
    assert (c.status, c.citizen_mobile, c.last_seq) == ("waiting", "09123456789", 0)
    queued = frames(record, realtime.group_unit(unit.pk))
    assert queued[0]["type"] == events.QUEUE_ADDED and queued[0]["conversation"]["id"] == c.pk
    assert "citizen_mobile" not in queued[0]["conversation"]


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"name": "x"}, "invalid_name"),
        ({"name": "a" * 81}, "invalid_name"),
        ({"mobile": "12345"}, "invalid_mobile"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"name": None}, "invalid_name"),
    ],
)
def test_start_rejects_bad_input_and_writes_nothing(unit, fields, code):
    with pytest.raises(ValidationError) as info:
        start(unit, **fields)
    assert info.value.code == code
    assert Conversation.objects.count() == 0


def test_start_rejects_unknown_or_closed_unit(unit, make_unit):
    closed = make_unit("بسته", chat_enabled=False)
    for unit_id in (999999, "abc", closed.pk, None):
        with pytest.raises(ValidationError) as info:
            services.conversation_start(unit_id=unit_id, name="سارا")
        assert info.value.code == "invalid_unit"
    assert Conversation.objects.count() == 0


def test_chats_per_hour_per_address_is_limited(unit, settings):
    settings.CHAT = {**settings.CHAT, "CHATS_PER_HOUR_PER_ADDRESS": 2}
    start(unit, ip_address="10.1.1.1")
    start(unit, ip_address="10.1.1.1")
    with pytest.raises(RateLimited):
        start(unit, ip_address="10.1.1.1")
    start(unit, ip_address="10.1.1.2")
    assert Conversation.objects.count() == 3


def test_messages_get_gap_free_seq_and_client_id_is_idempotent(unit, make_official, django_capture_on_commit_callbacks):
    official = make_official("rezaei", [unit])
    c = start(unit).conversation
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        m1, created1 = services.message_send(conversation_id=c.pk, sender="citizen", client_id="c-1", body="  سلام  ")
        again, created_again = services.message_send(conversation_id=c.pk, sender="citizen", client_id="c-1", body="سلام")
        services.conversation_take(conversation_id=c.pk, official=official)
        m3, _ = services.message_send(conversation_id=c.pk, sender="official", official=official, client_id="c-1", body="بفرمایید")
    assert (created1, created_again, again.pk) == (True, False, m1.pk)
    assert m1.body == "سلام"
    assert list(Message.objects.filter(conversation=c).values_list("seq", "sender")) == [(1, "citizen"), (2, "system"), (3, "official")]
    c.refresh_from_db()
    assert c.last_seq == 3 and c.first_response_at == m3.created_at
    # the resend is announced again (clients skip seqs they have), so a broadcast lost by a dying
    # server between write and announce is repaired by the client's resend
    citizen_frames = frames(record, realtime.group_conversation_citizen(c.pk))
    assert [f["message"]["seq"] for f in citizen_frames if f["type"] == "message"] == [1, 1, 2, 3]
    staff_frames = frames(record, realtime.group_conversation_staff(c.pk))
    assert [f["message"]["seq"] for f in staff_frames if f["type"] == "message"] == [1, 1, 2, 3]


@pytest.mark.parametrize(
    "body, code",
    [("", "empty"), ("   \n ", "empty"), ("x" * 2001, "too_long"), (None, "invalid_body"), (["a"], "invalid_body")],
)
def test_bad_message_changes_nothing(unit, body, code):
    c = start(unit).conversation
    with pytest.raises(ValidationError) as info:
        services.message_send(conversation_id=c.pk, sender="citizen", client_id="x1", body=body)
    assert info.value.code == code
    c.refresh_from_db()
    assert c.last_seq == 0 and not Message.objects.exists()


@pytest.mark.parametrize("client_id", ["", None, "a" * 65, "bad id", "<script>", 12])
def test_bad_client_id_is_refused(unit, client_id):
    c = start(unit).conversation
    with pytest.raises(ValidationError) as info:
        services.message_send(conversation_id=c.pk, sender="citizen", client_id=client_id, body="سلام")
    assert info.value.code == "invalid_client_id"
    assert not Message.objects.exists()


def test_citizen_message_rate_limit(unit, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 3}
    c = start(unit).conversation
    for i in range(3):
        services.message_send(conversation_id=c.pk, sender="citizen", client_id=f"m{i}", body="سلام")
    with pytest.raises(RateLimited):
        services.message_send(conversation_id=c.pk, sender="citizen", client_id="m3", body="سلام")
    # a resend of an already stored message is still answered (idempotency beats the limit)
    assert services.message_send(conversation_id=c.pk, sender="citizen", client_id="m0", body="سلام")[1] is False
    later = clock.now() + dt.timedelta(minutes=2)
    with clock.frozen_at(later):
        services.message_send(conversation_id=c.pk, sender="citizen", client_id="m3", body="سلام")
    assert Message.objects.count() == 4


def test_take_rules(unit, other_unit, make_official):
    official = make_official("a", [unit])
    foreign = make_official("b", [other_unit])
    away = make_official("c", [unit], status="away")
    c = start(unit).conversation
    with pytest.raises(NotFound):  # another unit's chat: same answer as a missing one
        services.conversation_take(conversation_id=c.pk, official=foreign)
    with pytest.raises(NotFound):
        services.conversation_take(conversation_id=987654, official=official)
    with pytest.raises(Conflict) as info:
        services.conversation_take(conversation_id=c.pk, official=away)
    assert info.value.code == "not_on_duty"
    services.conversation_take(conversation_id=c.pk, official=official)
    with pytest.raises(Conflict) as info:
        services.conversation_take(conversation_id=c.pk, official=official)
    assert info.value.code == "already_taken"
    c.refresh_from_db()
    assert (c.status, c.official_id) == ("active", official.pk)


def test_take_respects_max_chats(unit, make_official):
    official = make_official("a", [unit], max_chats=1)
    first, second = start(unit).conversation, start(unit).conversation
    services.conversation_take(conversation_id=first.pk, official=official)
    with pytest.raises(Conflict) as info:
        services.conversation_take(conversation_id=second.pk, official=official)
    assert info.value.code == "full"
    second.refresh_from_db()
    assert second.status == "waiting"


def test_take_announces_assignment_queue_and_state(unit, make_official, django_capture_on_commit_callbacks):
    official = make_official("a", [unit], name="زهرا رضایی")
    c = start(unit).conversation
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        services.conversation_take(conversation_id=c.pk, official=official)
    unit_frames = frames(record, realtime.group_unit(unit.pk))
    assert unit_frames == [{"type": "queue.removed", "conversation_id": c.pk, "reason": "taken"}]
    assert frames(record, realtime.group_official(official.pk))[0]["type"] == events.ASSIGNED
    joins = [m for g, m in record if m["type"] == events.LAYER_CONTROL]
    assert joins == [{"type": events.LAYER_CONTROL, "action": "join", "group": realtime.group_conversation_staff(c.pk)}]
    state = [f for f in frames(record, realtime.group_conversation_citizen(c.pk)) if f["type"] == "conversation"][0]
    assert state["conversation"]["official"] == "زهرا رضایی"
    assert "citizen_mobile" not in state["conversation"] and "official_id" not in state["conversation"]


@pytest.mark.django_db(transaction=True)
def test_two_officials_taking_at_once_exactly_one_wins(unit, make_official):
    officials = [make_official(f"o{i}", [unit]) for i in range(2)]
    c = start(unit).conversation
    barrier = threading.Barrier(2)
    results = []

    def take(official):
        barrier.wait()
        try:
            services.conversation_take(conversation_id=c.pk, official=official)
            results.append("ok")
        except Conflict as error:
            results.append(error.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=take, args=(o,)) for o in officials]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_taken", "ok"]
    assert Message.objects.filter(conversation=c, data__event="joined").count() == 1


def test_official_may_only_write_to_own_chat(unit, make_official):
    owner, colleague = make_official("a", [unit]), make_official("b", [unit])
    c = start(unit).conversation
    with pytest.raises(Conflict) as info:  # waiting: nobody's yet
        services.message_send(conversation_id=c.pk, sender="official", official=colleague, client_id="x", body="سلام")
    assert info.value.code == "not_assigned"
    services.conversation_take(conversation_id=c.pk, official=owner)
    with pytest.raises(Conflict):
        services.message_send(conversation_id=c.pk, sender="official", official=colleague, client_id="x", body="سلام")
    assert not Message.objects.filter(sender="official").exists()


def test_close_by_citizen_and_messages_after_close(unit, django_capture_on_commit_callbacks):
    c = start(unit).conversation
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        services.conversation_end_by_citizen(conversation_id=c.pk)
        services.conversation_end_by_citizen(conversation_id=c.pk)  # idempotent
    c.refresh_from_db()
    assert (c.status, c.closed_by) == ("closed", "citizen")
    assert Message.objects.filter(conversation=c, data__event="closed").count() == 1
    assert {"type": "queue.removed", "conversation_id": c.pk, "reason": "closed"} in frames(record, realtime.group_unit(unit.pk))
    with pytest.raises(Conflict) as info:
        services.message_send(conversation_id=c.pk, sender="citizen", client_id="late", body="سلام")
    assert info.value.code == "conversation_closed"


def test_close_by_official_rules(unit, make_official):
    owner, colleague = make_official("a", [unit]), make_official("b", [unit])
    supervisor = make_official("s", [unit], role="supervisor")
    c = start(unit).conversation
    services.conversation_take(conversation_id=c.pk, official=owner)
    with pytest.raises(Conflict):
        services.conversation_close_by_official(conversation_id=c.pk, official=colleague)
    services.conversation_close_by_official(conversation_id=c.pk, official=supervisor)
    c.refresh_from_db()
    assert (c.status, c.closed_by) == ("closed", "official")


def test_notes_never_reach_the_citizen(unit, make_official, django_capture_on_commit_callbacks):
    official = make_official("a", [unit])
    c = start(unit).conversation
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        note, created = services.note_add(conversation_id=c.pk, official=official, client_id="n1", body="شماره پرونده ۱۲")
        _, created_again = services.note_add(conversation_id=c.pk, official=official, client_id="n1", body="شماره پرونده ۱۲")
    assert (created, created_again) == (True, False) and Note.objects.count() == 1
    assert not any(g == realtime.group_conversation_citizen(c.pk) for g, _ in record)
    assert frames(record, realtime.group_conversation_staff(c.pk))[0]["note"]["body"] == "شماره پرونده ۱۲"
    c.refresh_from_db()
    assert c.last_seq == 0  # notes are not in the citizen's numbered stream
