"""Unanswered chats become tickets: timer in the database, exactly once, transcript carried."""

import datetime as dt

import pytest

from chatdesk.chats import services as chats
from chatdesk.chats.models import Conversation, Message
from chatdesk.core import clock, realtime
from chatdesk.core.errors import Conflict, NotFound
from chatdesk.tickets import escalation
from chatdesk.tickets.models import AuditEvent, Entry, Ticket

from .conftest import MONDAY_10

pytestmark = pytest.mark.django_db


def start(unit, **kw):
    kw.setdefault("name", "مریم شهروند")
    kw.setdefault("mobile", "09121234567")
    with clock.frozen_at(MONDAY_10):
        return chats.conversation_start(unit_id=unit.pk, **kw)


def say(conversation, body, client_id):
    with clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=5)):
        chats.message_send(conversation_id=conversation.pk, sender="citizen", client_id=client_id, body=body)


def test_a_chat_nobody_answers_becomes_a_ticket_after_the_units_limit(unit, officials, django_capture_on_commit_callbacks):
    unit.escalate_after_seconds = 120
    unit.save()
    started = start(unit, email="maryam@example.com")
    c = started.conversation
    assert c.escalate_at == MONDAY_10 + dt.timedelta(seconds=120)
    say(c, "نوبت جراحی من کی است؟", "m1")
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(seconds=119)) == 0
    with realtime.captured() as sent, django_capture_on_commit_callbacks(execute=True), clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=121)):
        assert escalation.escalation_sweep(now=clock.now()) == 1
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(seconds=500)) == 0  # never twice

    ticket = Ticket.objects.get()
    c.refresh_from_db()
    assert ticket.conversation == c and ticket.kind == "chat" and ticket.status == "new" and ticket.unit == unit
    assert ticket.subject == "نوبت جراحی من کی است؟"
    assert (ticket.citizen_name, ticket.citizen_mobile, ticket.citizen_email) == ("مریم شهروند", "09121234567", "maryam@example.com")
    assert [(e.kind, e.body, e.channel) for e in ticket.entries.filter(kind="citizen")] == [("citizen", "نوبت جراحی من کی است؟", "chat")]
    assert ticket.entries.filter(kind="event", data__event="escalated").count() == 1
    assert AuditEvent.objects.filter(ticket=ticket, action="created", actor="system").count() == 1
    # the chat is closed with the code in the citizen's stream, and the citizen is told at once
    assert c.status == "closed" and c.closed_by == "system" and c.escalate_at is None
    event = Message.objects.get(conversation=c, data__event="escalated")
    assert event.data["tracking_code"] == ticket.code
    citizen_frames = [m["frame"] for g, m in sent if g == f"conv.{c.pk}.citizen" and m["frame"]["type"] == "message"]
    assert any(f["message"].get("tracking_code") == ticket.code for f in citizen_frames)
    # staff-only frames about the ticket never go to the citizen group
    assert not any(m["frame"]["type"].startswith("ticket.") for g, m in sent if g.endswith(".citizen"))
    assert any(m["frame"]["type"] == "ticket.changed" for g, m in sent if g == f"unit.{unit.pk}")


def test_an_answered_chat_is_not_escalated(unit, officials):
    c = start(unit).conversation
    with clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=10)):
        chats.conversation_take(conversation_id=c.pk, official=officials["a"])
        chats.message_send(conversation_id=c.pk, sender="official", official=officials["a"], client_id="o1", body="سلام، بفرمایید")
    c.refresh_from_db()
    assert c.escalate_at is None
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(hours=2)) == 0
    assert not Ticket.objects.exists()


def test_taken_but_unanswered_escalates_to_the_official_who_took_it(unit, officials):
    c = start(unit).conversation
    say(c, "سلام", "m1")
    with clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=10)):
        chats.conversation_take(conversation_id=c.pk, official=officials["a"])
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(seconds=181)) == 1
    ticket = Ticket.objects.get()
    assert ticket.assignee == officials["a"] and ticket.status == "open"


def test_the_timer_survives_a_restart_because_it_is_a_column(unit, officials):
    c = start(unit).conversation
    say(c, "سلام", "m1")
    # a "restart": nothing in memory, only the row; a later sweep at any time still escalates
    assert Conversation.objects.filter(pk=c.pk, escalate_at__isnull=False).exists()
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(days=1)) == 1


def test_the_citizen_leaving_an_unanswered_question_leaves_a_ticket(unit, officials):
    c = start(unit).conversation
    say(c, "پرسش من بی‌پاسخ ماند", "m1")
    with clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=30)):
        chats.conversation_end_by_citizen(conversation_id=c.pk)
    ticket = Ticket.objects.get()
    assert ticket.data["escalation"] == "ended"
    c.refresh_from_db()
    assert c.status == "closed"


def test_leaving_without_a_question_or_contact_is_just_abandoned(unit, officials):
    silent = start(unit).conversation
    anonymous = start(unit, mobile="").conversation
    say(anonymous, "سلام", "m1")
    for c in (silent, anonymous):
        chats.conversation_end_by_citizen(conversation_id=c.pk)
        c.refresh_from_db()
        assert c.status == "closed" and c.escalate_at is None
    assert not Ticket.objects.exists()
    assert escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(days=1)) == 0


def test_an_official_turns_an_ongoing_chat_into_a_ticket(unit, officials):
    c = start(unit).conversation
    say(c, "نیاز به بررسی مدارک دارم", "m1")
    with clock.frozen_at(MONDAY_10 + dt.timedelta(seconds=20)):
        chats.conversation_take(conversation_id=c.pk, official=officials["a"])
        chats.message_send(conversation_id=c.pk, sender="official", official=officials["a"], client_id="o1", body="مدارک را بررسی می‌کنم")
        chats.note_add(conversation_id=c.pk, official=officials["a"], client_id="n1", body="یادداشت داخلی")
    with pytest.raises(NotFound):
        escalation.conversation_escalate(conversation_id=c.pk, reason="official", official=officials["other"])
    ticket = escalation.conversation_escalate(conversation_id=c.pk, reason="official", official=officials["a"])
    assert ticket.assignee == officials["a"] and ticket.first_response_at is not None and ticket.status == "open"
    kinds = list(ticket.entries.values_list("kind", "public"))
    assert ("citizen", True) in kinds and ("reply", True) in kinds and ("note", False) in kinds
    with pytest.raises(Conflict):
        escalation.conversation_escalate(conversation_id=c.pk, reason="official", official=officials["a"])
    assert Ticket.objects.count() == 1


def test_a_message_left_while_closed_is_a_ticket_at_once(unit, officials):
    after_hours = MONDAY_10.replace(hour=21)
    with clock.frozen_at(after_hours):
        started = chats.conversation_start(unit_id=unit.pk, name="رضا", email="r@example.com", message="پیام خارج از وقت اداری")
    ticket = Ticket.objects.get(code=started.ticket_code)
    assert ticket.kind == "offline" and ticket.entries.filter(kind="citizen").count() == 1


def test_the_chats_documents_stay_with_the_case(unit, officials, tmp_path, settings):
    from django.core.files.base import ContentFile

    from chatdesk.tickets.models import Attachment

    settings.MEDIA_ROOT = str(tmp_path)
    c = start(unit).conversation
    say(c, "مدرک پیوست شد", "m1")
    message = Message.objects.get(conversation=c, sender="citizen")
    attachment = Attachment(conversation=c, message=message, name="x.pdf", content_type="application/pdf", size=8, sha256="0" * 64, uploaded_by="citizen", created_at=MONDAY_10)
    attachment.file.save("f", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    escalation.escalation_sweep(now=MONDAY_10 + dt.timedelta(minutes=10))
    attachment.refresh_from_db()
    ticket = Ticket.objects.get()
    assert attachment.ticket == ticket and attachment.entry == Entry.objects.get(ticket=ticket, kind="citizen")


