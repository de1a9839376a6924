"""What the widget is told before the citizen types (GET /api/units/<id>/state/)."""

import datetime as dt

import pytest

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message
from chatdesk.core import clock, jalali
from chatdesk.core.errors import ValidationError
from chatdesk.directory import services as directory_services
from chatdesk.directory.models import Holiday, Official

pytestmark = pytest.mark.django_db

MONDAY_10 = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(10, 0))  # 2 Azar 1405, a Monday: open
MONDAY_20 = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(20, 0))  # after hours


def state(client, unit):
    response = client.get(f"/api/units/{unit.pk}/state/")
    assert response.status_code == 200
    return response.json()


def test_open_with_someone_on_duty(client, unit, make_official):
    make_official("a", [unit])
    with clock.frozen_at(MONDAY_10):
        info = state(client, unit)
    assert (info["available"], info["reason"], info["on_duty"]) == (True, "open", 1)


def test_open_but_nobody_on_duty(client, unit, make_official):
    make_official("a", [unit], status="away")
    with clock.frozen_at(MONDAY_10):
        info = state(client, unit)
    assert (info["available"], info["reason"]) == (False, "nobody_on_duty")
    assert "کارشناسی" in info["message"]


def test_after_hours_gives_next_opening_in_jalali(client, unit, make_official):
    make_official("a", [unit])
    with clock.frozen_at(MONDAY_20):
        info = state(client, unit)
    assert (info["available"], info["reason"]) == (False, "outside_hours")
    assert info["next_opening_display"] == "سه\u200cشنبه ۳ آذر ۱۴۰۵ ساعت ۰۷:۳۰"


def test_a_closure_is_named_and_takes_effect_at_once(client, unit, make_official):
    make_official("a", [unit])
    Holiday.objects.create(date=MONDAY_10.date(), unit=unit, name="آلودگی هوا", kind="closure", source="staff")
    with clock.frozen_at(MONDAY_10):
        info = state(client, unit)
    assert (info["reason"], info["available"]) == ("closure", False) and "آلودگی هوا" in info["message"]


def test_unknown_or_hidden_unit_is_404(client, make_unit):
    hidden = make_unit("ریاست", show_in_menu=False)
    assert client.get(f"/api/units/{hidden.pk}/state/").status_code == 404
    assert client.get("/api/units/999999/state/").status_code == 404


def test_leaving_a_message_while_closed(unit, make_official):
    make_official("a", [unit])
    with clock.frozen_at(MONDAY_20):
        with pytest.raises(ValidationError) as info:
            services.conversation_start(unit_id=unit.pk, name="سارا", message="سلام")
        assert info.value.code == "contact_required"
        assert not Conversation.objects.exists()
        started = services.conversation_start(unit_id=unit.pk, name="سارا", email="s@example.com", message="سؤال درباره پرونده")
    c = started.conversation
    c.refresh_from_db()
    # Nobody can answer: the message became a ticket at once and the chat carries its code.
    assert c.started_offline and c.status == "closed" and c.closed_by == "system" and c.escalate_at is None
    ticket = c.ticket
    assert started.ticket_code == ticket.code and ticket.kind == "offline" and ticket.status == "new"
    rows = list(Message.objects.filter(conversation=c).values_list("seq", "sender", "body", "data"))
    assert rows[0][:3] == (1, "citizen", "سؤال درباره پرونده")
    assert rows[1][1] == "system" and rows[1][3]["event"] == "escalated" and rows[1][3]["tracking_code"] == ticket.code
    assert list(ticket.entries.values_list("kind", "body")) [0] == ("citizen", "سؤال درباره پرونده")
    with clock.frozen_at(MONDAY_10):
        assert not services.conversation_start(unit_id=unit.pk, name="سارا").conversation.started_offline


def test_a_message_typed_in_the_widget_opens_the_live_chat_when_someone_came_on_duty(unit, make_official):
    """The widget showed the leave-a-message form, then an official came on duty: what the
    citizen typed starts the live chat as its first message (no ticket), and an empty message
    box is no message at all (it used to be refused with «پیام خالی است»)."""
    official = make_official("a", [unit], status="away")
    with clock.frozen_at(MONDAY_10):
        directory_services.official_set_status(official=official, status="available")
        started = services.conversation_start(unit_id=unit.pk, name="سارا", message="  سؤال درباره نوبت  ")
        blank = services.conversation_start(unit_id=unit.pk, name="رضا", message=" \n ")
    c = Conversation.objects.get(pk=started.conversation.pk)
    assert (c.status, c.started_offline, started.ticket_code) == ("waiting", False, "")
    assert list(Message.objects.filter(conversation=c).values_list("sender", "body")) == [("citizen", "سؤال درباره نوبت")]
    b = Conversation.objects.get(pk=blank.conversation.pk)
    assert (b.status, b.last_seq) == ("waiting", 0)


def test_the_rostered_official_is_who_citizens_are_told_to_expect(client, unit, make_official):
    rezaei = make_official("rezaei", [unit], name="زهرا رضایی", status="offline")
    karimi = make_official("karimi", [unit], name="علی کریمی", status="available")
    make_official("other", [unit], name="کارشناس دیگر", status="available")
    directory_services.duty_shift_save(
        unit=unit, date=MONDAY_10.date(), start=dt.time(7, 30), end=dt.time(14, 30), official=rezaei, substitute=karimi
    )
    with clock.frozen_at(MONDAY_10):
        # the rostered official is offline: the substitute, who is on duty, is named
        info = state(client, unit)
        assert (info["available"], info["rostered"]) == (True, ["علی کریمی"])
        assert info["expect_display"] == "کارشناس کشیک اکنون: علی کریمی"
        directory_services.official_set_status(official=rezaei, status="available")
        info = state(client, unit)
        assert info["rostered"] == ["زهرا رضایی"]
        # nobody of the shift is here, a colleague off the roster is: nobody is promised by name
        for person in (rezaei, karimi):
            directory_services.official_set_status(official=person, status="away")
        info = state(client, unit)
        assert (info["available"], info["rostered"], info["expect_display"]) == (True, ["زهرا رضایی"], "")
        # nobody is on duty: the unit is unreachable, and the citizen is told whom the roster expects
        Official.objects.filter(display_name="کارشناس دیگر").update(status="away")
        info = state(client, unit)
    assert (info["available"], info["reason"], info["expect_display"]) == (False, "nobody_on_duty", "")
    assert "زهرا رضایی" in info["message"]
    with clock.frozen_at(MONDAY_20):  # outside the shift and office hours: nobody is named
        assert state(client, unit)["rostered"] == []
