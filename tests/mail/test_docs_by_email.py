"""The missing document sent by email reply (#18: «the citizen uploads it from the tracking page,
by email reply or chat»): a case waiting for the citizen's documents, its clocks paused, takes the
reply's attachment and is handled again, its deadlines moved on by the wait."""

import pytest

from chatdesk.core import clock
from chatdesk.mail import inbound
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Attachment, AuditEvent, Entry, Ticket

from ..tickets.conftest import MONDAY_10, at
from .conftest import CITIZEN, load

pytestmark = pytest.mark.django_db
UNIT_ADDRESS = "treatment@portal.example.ir"


def test_an_email_reply_with_the_document_reopens_the_case_waiting_for_it(open_ticket, official, unit, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    unit.email = UNIT_ADDRESS
    unit.save(update_fields=["email"])
    with clock.frozen_at(MONDAY_10):
        ticket = open_ticket()
    with clock.frozen_at(at(1405, 9, 2, 11)):
        ticket_services.ticket_request_documents(ticket_id=ticket.pk, official=official, missing="تصویر کارت ملی")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DOCS and ticket.clock_paused_at == at(1405, 9, 2, 11)
    due_before = ticket.statutory_due
    raw = load("thunderbird_attachments.eml", FROM=CITIZEN, UNIT_ADDRESS=UNIT_ADDRESS, CODE=ticket.display_code)
    with clock.frozen_at(at(1405, 9, 3, 10)):
        row = inbound.receive(raw, recipients=[UNIT_ADDRESS])
    assert (row.status, row.ticket_id) == ("routed", ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN and ticket.clock_paused_at is None
    assert ticket.statutory_due > due_before  # moved on by the office time of the wait
    assert AuditEvent.objects.filter(ticket=ticket, action="clock_resumed").count() == 1
    entry = Entry.objects.get(pk=row.entry_id)
    assert entry.kind == "citizen" and entry.channel == "email"
    (attachment,) = Attachment.objects.filter(entry=entry, ticket=ticket)
    assert attachment.name == "کارت ملی.png"
