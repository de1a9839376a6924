"""Retention (site/retention.py): closed cases past RETENTION_DAYS lose their personal data, the
reports give the same figures before and after, a second run changes nothing, and old links and
tokens open nothing."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from chatdesk.chats import services as chat_services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock, jalali
from chatdesk.site import retention
from chatdesk.core.access_log import AccessLog
from chatdesk.directory.models import Official
from chatdesk.mail.models import InboundMail
from chatdesk.reports import periods, selectors as report_selectors
from chatdesk.reports.services import metrics_compute
from chatdesk.tickets.models import Attachment, AuditEvent, Entry, Ticket
from tests.security import world as W

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=800)  # past the default 730 days


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_DAYS = 730
    cache.clear()
    w = W.build(make_unit, make_official)
    W.staff(w.b).get(f"/console/tickets/{w.ticket_b.pk}/")  # an access-log row with B's citizen key
    chat_services.conversation_close_by_official(conversation_id=w.conv_b.pk, official=w.b)
    now = clock.now()
    Ticket.objects.filter(pk=w.ticket_b.pk).update(status=Ticket.Status.CLOSED, closed_at=now, resolved_at=now)
    InboundMail.objects.filter(pk=w.held_b.pk).update(status=InboundMail.Status.DISCARDED)
    metrics_compute(chat_ids=[w.conv_b.pk, w.conv_a.pk], ticket_ids=list(Ticket.objects.values_list("pk", flat=True)))
    return w


def figures():
    now = clock.now()
    period, _ = periods.parse_period({"period": "year"}, jalali.local(now).date())
    from chatdesk.directory.models import Unit

    scope = report_selectors.Scope(period, tuple(Unit.objects.values_list("pk", flat=True)))
    data = {
        "summary": report_selectors.summary(scope, now),
        "by_unit": report_selectors.summary(scope, now, by="unit"),
        "by_official": report_selectors.summary(scope, now, by="official"),
        "kinds": report_selectors.tickets_by(scope, "kind"),
        "statuses": report_selectors.tickets_by(scope, "status"),
        "referrals": report_selectors.referrals(scope),
    }
    return json.dumps(_keys(data), sort_keys=True, default=str)


def _keys(value):
    if isinstance(value, dict):
        return {str(k): _keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_keys(v) for v in value]
    return value


def test_dry_run_counts_and_changes_nothing(world):
    before = W.state_hash()
    result = retention.run(now=clock.now() + LATER, dry_run=True)
    assert (result.conversations, result.tickets) == (1, 1)
    assert W.state_hash() == before
    assert retention.run(dry_run=True).tickets == 0  # not yet due today


def test_anonymises_closed_cases_keeps_figures_and_is_idempotent(world):
    w = world
    figures_before = figures()
    chat_path, ticket_path = w.chat_file_b.file.path, w.ticket_file_b.file.path
    raw_path = w.held_b.raw.path
    open_ticket_a = Ticket.objects.get(pk=w.ticket_a.pk)
    secret_before = Ticket.objects.get(pk=w.ticket_b.pk).secret

    result = retention.run(now=clock.now() + LATER)
    assert (result.conversations, result.tickets) == (1, 1)
    assert result.files == 2

    conv = Conversation.objects.get(pk=w.conv_b.pk)
    assert (conv.citizen_name, conv.citizen_mobile, conv.citizen_email, conv.ip_address) == (retention.ANON_NAME, "", "", None)
    assert not Message.objects.filter(conversation=conv).exclude(body=retention.PLACEHOLDER).exists()
    assert not Note.objects.filter(conversation=conv).exclude(body=retention.PLACEHOLDER).exists()
    ticket = Ticket.objects.get(pk=w.ticket_b.pk)
    assert ticket.citizen_name == retention.ANON_NAME and ticket.subject == retention.PLACEHOLDER
    assert (ticket.citizen_mobile, ticket.citizen_email, ticket.citizen_national_code) == ("", "", "")
    assert ticket.secret != secret_before and ticket.search_key == ticket.code
    assert not Entry.objects.filter(ticket=ticket).exclude(body=retention.PLACEHOLDER).exists()
    assert AuditEvent.objects.filter(ticket=ticket, action="anonymised").count() == 1
    import os

    assert not os.path.exists(chat_path) and not os.path.exists(ticket_path) and not os.path.exists(raw_path)
    assert Attachment.objects.filter(pk__in=[w.chat_file_b.pk, w.ticket_file_b.pk], file="").count() == 2
    held = InboundMail.objects.get(pk=w.held_b.pk)
    assert (held.raw.name, held.from_address, held.subject, held.body) == ("", "", "", "")
    assert not AccessLog.objects.filter(ticket_id=ticket.pk).exclude(citizen_key="").exists()
    # Nothing of B's closed cases remains in any case table (B's meeting ticket is still open).
    open_meeting = w.meeting_ticket_b.pk
    rows = [r for m in W.CASE_MODELS for r in json.loads(W.serializers.serialize("json", m.objects.all()))]
    open_code = Ticket.objects.get(pk=open_meeting).code
    rows = [
        r for r in rows
        if not (r["model"] == "tickets.ticket" and r["pk"] == open_meeting) and r["fields"].get("ticket") != open_meeting
        and r["fields"].get("case_code") != open_code  # the open meeting's SMS
    ]
    assert any(r["model"] == "sms.outboundsms" for r in rows)  # B's closed case had its SMS
    dump = json.dumps(rows, ensure_ascii=False)
    assert W.MARK_B not in dump and "09120000002" not in dump and "b@example.com" not in dump
    # Open cases are untouched.
    assert Ticket.objects.get(pk=w.ticket_a.pk).citizen_name == open_ticket_a.citizen_name
    assert Conversation.objects.get(pk=w.conv_a.pk).citizen_name == "شهروند الف"

    assert figures() == figures_before
    state = W.state_hash()
    again = retention.run(now=clock.now() + LATER)
    assert (again.conversations, again.tickets, again.files) == (0, 0, 0)
    assert W.state_hash() == state


def test_old_tokens_and_links_open_nothing_after_retention(world):
    w = world
    link = f"/track/{w.ticket_b.code}/{W.link_token(w.ticket_b, 'link')}/"
    assert W.Client().get(link).status_code == 302  # works before
    retention.run(now=clock.now() + LATER)
    assert W.Client().get(link).status_code == 404
    assert W.Client().post("/track/", {"code": w.ticket_b.code, "contact": "09120000002"}).status_code == 404
    response = W.Client().post("/api/chat/transcript/", json.dumps({"token": w.token_b}), content_type="application/json")
    assert response.status_code == 404
    assert W.Client().get(f"/api/chat/files/{w.chat_file_b.pk}/", HTTP_X_CHAT_TOKEN=w.token_b).status_code == 404


def test_a_chat_that_became_an_open_ticket_waits(world, make_official):
    from chatdesk.tickets.escalation import conversation_escalate

    w = world
    started = chat_services.conversation_start(unit_id=w.unit_b.pk, name="شهروند دوم", mobile="09120000003")
    chat_services.conversation_take(conversation_id=started.conversation.pk, official=w.b)
    conversation_escalate(conversation_id=started.conversation.pk, reason="official", official=w.b)
    Conversation.objects.filter(pk=started.conversation.pk).update(status="closed", closed_at=clock.now())
    retention.run(now=clock.now() + LATER)
    assert Conversation.objects.get(pk=started.conversation.pk).citizen_name == "شهروند دوم"


def test_command_and_worker_job(world, settings):
    from io import StringIO

    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "۷۳۰" in out.getvalue()
    from django.core.cache import cache

    cache.clear()
    assert retention.retention_job(now=clock.now() + LATER).tickets == 1
    assert retention.retention_job(now=clock.now() + LATER) is None  # once an hour
    settings.RETENTION_DAYS = 0
    assert retention.run(now=clock.now() + LATER).tickets == 0
    assert Official.objects.count() == 3
