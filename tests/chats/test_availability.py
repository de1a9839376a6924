"""What the widget is told before the citizen types (GET /api/units/<id>/state/)."""

import datetime as dt

import pytest

from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message
from chatdesk.core import clock, jalali
from chatdesk.core.errors import ValidationError
from chatdesk.directory.models import Holiday

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
