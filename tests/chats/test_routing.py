"""Routing: automatic least-loaded assignment, queue position, transfer, supervisor rights."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections

from chatdesk.chats import selectors, services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock, events, jalali, realtime
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.directory import services as directory_services
from chatdesk.directory.models import Unit

pytestmark = pytest.mark.django_db


def start(unit, name="سارا"):
    return services.conversation_start(unit_id=unit.pk, name=name).conversation


@pytest.fixture
def auto_unit(make_unit):
    return make_unit("معاونت بهداشت", code="health", routing=Unit.Routing.AUTO)


def owner(c):
    c.refresh_from_db()
    return c.official_id


def test_auto_assigns_to_least_loaded_with_room(auto_unit, make_official, django_capture_on_commit_callbacks):
    a = make_official("a", [auto_unit], max_chats=2)
    b = make_official("b", [auto_unit], max_chats=2)
    make_official("away", [auto_unit], status="away")
    make_official("offline", [auto_unit], status="offline")
    chats = [start(auto_unit, f"شهروند {i}") for i in range(5)]
    owners = [owner(c) for c in chats]
    # a, b, a, b alternate by load (ties to the one idle longest), then both are full
    assert sorted(owners[:4]) == sorted([a.pk, a.pk, b.pk, b.pk])
    assert owners[0] != owners[1]
    assert owners[4] is None and Conversation.objects.get(pk=chats[4].pk).status == "waiting"
    # a slot frees up: the waiting chat goes to the freed official
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_close_by_official(conversation_id=chats[0].pk, official=chats[0].official)
    assert owner(chats[4]) == owners[0]


def test_manual_unit_is_never_auto_assigned(unit, make_official):
    make_official("a", [unit])
    c = start(unit)
    assert owner(c) is None
    assert services.routing_sweep() == 0


def test_coming_on_duty_picks_up_waiting_chats_in_order(auto_unit, make_official):
    from chatdesk.directory import services as directory_services

    official = make_official("a", [auto_unit], status="offline", max_chats=1)
    first, second = start(auto_unit, "اول"), start(auto_unit, "دوم")
    assert owner(first) is None
    directory_services.official_set_status(official=official, status="available")
    assert services.routing_sweep() == 1
    assert (owner(first), owner(second)) == (official.pk, None)


def test_queue_positions_and_estimates(unit, make_official, django_capture_on_commit_callbacks):
    make_official("a", [unit], max_chats=1)
    chats = [start(unit, f"ش{i}") for i in range(3)]
    snapshot = selectors.queue_snapshot(unit.pk)
    assert [(s["conversation_id"], s["position"]) for s in snapshot] == [(c.pk, i + 1) for i, c in enumerate(chats)]
    assert snapshot[0]["eta_seconds"] < snapshot[2]["eta_seconds"]
    # taking the first moves the others up, and each waiting citizen is told
    official = chats[0].unit.officials.first()
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        services.conversation_take(conversation_id=chats[0].pk, official=official)
    told = {g: m["frame"] for g, m in record if m["type"] == events.LAYER_EVENT and m["frame"]["type"] == events.QUEUE}
    assert told[realtime.group_conversation_citizen(chats[1].pk)]["position"] == 1
    assert told[realtime.group_conversation_citizen(chats[2].pk)]["position_display"] == "۲"
    assert realtime.group_conversation_citizen(chats[0].pk) not in told


def test_transfer_to_official_carries_history_and_hides_note(unit, make_official, django_capture_on_commit_callbacks):
    a = make_official("a", [unit], name="الف")
    b = make_official("b", [unit], name="ب")
    c = start(unit)
    services.message_send(conversation_id=c.pk, sender="citizen", client_id="1", body="سلام")
    services.conversation_take(conversation_id=c.pk, official=a)
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        services.conversation_transfer(conversation_id=c.pk, official=a, to_official_id=b.pk, note="موضوع مالی است؛ کد ۴۵")
    c.refresh_from_db()
    assert (c.status, c.official_id) == ("active", b.pk)
    assert Note.objects.get(conversation=c).body == "انتقال: موضوع مالی است؛ کد ۴۵"
    event = Message.objects.filter(conversation=c).order_by("-seq").first()
    assert event.data["event"] == "transferred" and "ب" in event.body and "مالی" not in event.body
    citizen_frames = [m["frame"] for g, m in record if g == realtime.group_conversation_citizen(c.pk)]
    assert citizen_frames and all("مالی" not in str(f) for f in citizen_frames)
    controls = [(g, m["action"]) for g, m in record if m["type"] == events.LAYER_CONTROL]
    assert (realtime.group_official(b.pk), "join") in controls and (realtime.group_official(a.pk), "leave") in controls
    # the new official can answer, the old one can no longer
    services.message_send(conversation_id=c.pk, sender="official", official=b, client_id="b1", body="در خدمتم")
    with pytest.raises(Conflict):
        services.message_send(conversation_id=c.pk, sender="official", official=a, client_id="a9", body="من هنوز اینجام")


def test_transfer_to_another_unit_requeues_there(unit, other_unit, make_official):
    a = make_official("a", [unit])
    pr_official = make_official("pr", [other_unit])
    c = start(unit)
    services.conversation_take(conversation_id=c.pk, official=a)
    services.conversation_transfer(conversation_id=c.pk, official=a, to_unit_id=other_unit.pk, note="مربوط به روابط عمومی")
    c.refresh_from_db()
    assert (c.unit_id, c.status, c.official_id) == (other_unit.pk, "waiting", None)
    # now it is the other unit's case: its official may take it, the first unit's may not see it
    with pytest.raises(NotFound):
        services.conversation_take(conversation_id=c.pk, official=a)
    services.conversation_take(conversation_id=c.pk, official=pr_official)


def test_transfer_refuses_away_full_foreign_and_missing_note(unit, other_unit, make_official):
    a = make_official("a", [unit])
    away = make_official("away", [unit], status="away")
    full = make_official("full", [unit], max_chats=0)
    foreign = make_official("foreign", [other_unit])
    c = start(unit)
    services.conversation_take(conversation_id=c.pk, official=a)
    cases = [
        ({"to_official_id": away.pk, "note": "x"}, "not_on_duty"),
        ({"to_official_id": full.pk, "note": "x"}, "full"),
        ({"to_official_id": foreign.pk, "note": "x"}, "invalid_official"),
        ({"to_official_id": a.pk, "note": "x"}, "invalid_official"),
        ({"to_official_id": away.pk, "note": "  "}, "note_required"),
        ({"note": "x"}, "invalid_target"),
        ({"to_unit_id": 999999, "note": "x"}, "invalid_unit"),
    ]
    for kwargs, code in cases:
        with pytest.raises((Conflict, ValidationError)) as info:
            services.conversation_transfer(conversation_id=c.pk, official=a, **kwargs)
        assert info.value.code == code, kwargs
    c.refresh_from_db()
    assert (c.status, c.official_id, c.unit_id) == ("active", a.pk, unit.pk)
    assert not Note.objects.exists()


def test_only_owner_or_supervisor_may_transfer(unit, make_official):
    a, b = make_official("a", [unit]), make_official("b", [unit])
    supervisor = make_official("s", [unit], role="supervisor")
    c = start(unit)
    services.conversation_take(conversation_id=c.pk, official=a)
    with pytest.raises(Conflict) as info:
        services.conversation_transfer(conversation_id=c.pk, official=b, to_official_id=b.pk, note="من برمی‌دارم")
    assert info.value.code == "not_assigned"
    services.conversation_transfer(conversation_id=c.pk, official=supervisor, to_official_id=b.pk, note="بار الف زیاد است")
    assert owner(c) == b.pk


@pytest.mark.django_db(transaction=True)
def test_transfer_while_the_citizen_writes_loses_nothing(unit, make_official):
    a, b = make_official("a", [unit]), make_official("b", [unit])
    c = start(unit)
    services.conversation_take(conversation_id=c.pk, official=a)
    errors = []

    def write():
        try:
            for i in range(30):
                services.message_send(conversation_id=c.pk, sender="citizen", client_id=f"w{i}", body=f"پیام {i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    writer = threading.Thread(target=write)
    writer.start()
    services.conversation_transfer(conversation_id=c.pk, official=a, to_official_id=b.pk, note="انتقال هم‌زمان")
    writer.join()
    close_old_connections()
    assert errors == []
    seqs = list(Message.objects.filter(conversation=c).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Message.objects.filter(conversation=c, sender="citizen").count() == 30
    assert owner(c) == b.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_routing_never_assigns_twice_or_over_max(auto_unit, make_official):
    officials = [make_official(f"o{i}", [auto_unit], status="offline", max_chats=2) for i in range(2)]
    chats = [start(auto_unit, f"ش{i}") for i in range(6)]

    from chatdesk.directory.models import Official

    Official.objects.filter(pk__in=[o.pk for o in officials]).update(status="available")
    barrier = threading.Barrier(3)

    def sweep():
        barrier.wait()
        try:
            services.routing_sweep()
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loads = {o.pk: Conversation.objects.filter(official=o, status="active").count() for o in officials}
    assert loads == {officials[0].pk: 2, officials[1].pk: 2}
    assert Conversation.objects.filter(status="waiting").count() == 2
    for c in chats:
        assert Message.objects.filter(conversation=c, data__event="joined").count() <= 1


def test_routing_prefers_the_rostered_official_then_the_substitute(auto_unit, make_official):
    """The duty roster drives automatic assignment: the rostered official first (even with more
    chats than a colleague, while they have room), the substitute when the official is away."""
    monday_10 = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(10, 0))
    free = make_official("free", [auto_unit], max_chats=3)
    rostered = make_official("rostered", [auto_unit], max_chats=2)
    substitute = make_official("substitute", [auto_unit], max_chats=3)
    directory_services.duty_shift_save(
        unit=auto_unit, date=monday_10.date(), start=dt.time(7, 30), end=dt.time(14, 30), official=rostered, substitute=substitute
    )
    with clock.frozen_at(monday_10):
        chats = [start(auto_unit, f"شهروند {i}") for i in range(3)]
        # the rostered official takes both their places, the third chat goes to the least loaded
        assert [owner(c) for c in chats] == [rostered.pk, rostered.pk, free.pk]
        directory_services.official_set_status(official=rostered, status="away")
        later = start(auto_unit, "شهروند دیگر")
        assert owner(later) == substitute.pk  # not «free», who has fewer chats but is not on the roster
    with clock.frozen_at(monday_10 + dt.timedelta(hours=6)):  # after the shift: plain least-loaded
        assert owner(start(auto_unit, "شب")) == free.pk


def test_the_wait_estimate_grows_with_the_wait(unit, make_official, django_capture_on_commit_callbacks, monkeypatch):
    """«حدود ۱ دقیقه» stayed on screen after 90 s: the estimate is what remains of the expected
    wait, and once that is past it grows with the time waited; the worker tells it again."""
    from chatdesk.chats import wire

    make_official("a", [unit])
    monday_10 = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(10, 0))
    with clock.frozen_at(monday_10):
        c = start(unit)

    def shown(seconds):
        (item,) = selectors.queue_snapshot(unit.pk, now=monday_10 + dt.timedelta(seconds=seconds))
        return wire.queue_frame(item)

    assert (shown(0)["eta_display"], shown(0)["overdue"]) == ("حدود ۱ دقیقه", False)  # no history: a minute expected
    assert (shown(90)["eta_display"], shown(90)["overdue"], shown(90)["waited_seconds"]) == ("حدود ۲ دقیقه", True, 90)
    assert shown(300)["eta_display"] == "حدود ۵ دقیقه"
    assert [shown(s)["eta_seconds"] for s in (60, 120, 240)] == [60, 120, 240]

    monkeypatch.setattr(services, "_queue_refreshed_at", None)  # as in a fresh worker process
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        assert services.queue_refresh_sweep(now=monday_10 + dt.timedelta(seconds=170)) == 1
        assert services.queue_refresh_sweep(now=monday_10 + dt.timedelta(seconds=180)) == 0  # at most every 30 s
    frames = [m["frame"] for g, m in record if m["type"] == events.LAYER_EVENT and m["frame"]["type"] == events.QUEUE]
    assert [(f["eta_display"], f["waited_seconds"]) for f in frames] == [("حدود ۳ دقیقه", 170)]
    assert realtime.group_conversation_citizen(c.pk) in [g for g, _ in record]


def test_the_refresh_tells_each_waiting_citizen_once(unit, other_unit, make_official, django_capture_on_commit_callbacks, monkeypatch):
    """A unit with several waiting chats was listed once per chat (the model's ordering joined
    the DISTINCT), so every refresh told each of its citizens their place that many times: with
    100 waiting, 10,000 frames, and the worker published them back to back (#22)."""
    make_official("a", [unit])
    make_official("b", [other_unit])
    waiting = [start(unit, f"شهروند {i}") for i in range(4)] + [start(other_unit, "دیگری")]
    assert sorted(selectors.units_with_waiting()) == sorted([unit.pk, other_unit.pk])
    monkeypatch.setattr(services, "_queue_refreshed_at", None)  # as in a fresh worker process
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        assert services.queue_refresh_sweep(now=clock.now()) == 2
    told = [g for g, m in record if m["type"] == events.LAYER_EVENT and m["frame"]["type"] == events.QUEUE]
    assert sorted(told) == sorted(realtime.group_conversation_citizen(c.pk) for c in waiting)
