"""A small world for the security suite: two units, their staff, and one of every kind of case
object in unit B (a chat with a document, a ticket with a document, a meeting, held mail), plus
an A-side ticket the citizen of A may track.  Built with the real services."""

import hashlib
from dataclasses import dataclass, field

from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.chats import services as chat_services
from chatdesk.chats.files import chat_file_send
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core.access_log import AccessLog
from chatdesk.core.tracking import new_tracking_code, ticket_token, token_digest
from chatdesk.desk.models_forms import MeetingRequest
from chatdesk.directory.models import Official
from chatdesk.mail.models import InboundMail, OutboundMail
from chatdesk.reports.models import AgencyToken, Rating
from chatdesk.sms.models import OneTimeCode, OutboundSms, SmsOptOut
from chatdesk.tickets import access as ticket_access
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Attachment, AuditEvent, Entry, Ticket
from tests.support.documents import PDF

MARK_B = "ماهک-محرمانه-ب"  # in every B-side case text (not in unit or staff names, which are directory data)

CASE_MODELS = (Conversation, Message, Note, Ticket, Entry, AuditEvent, Attachment, InboundMail, OutboundMail, OutboundSms, OneTimeCode, SmsOptOut, MeetingRequest, Rating, AccessLog)


def state_hash():
    """Row counts and contents of every case table: a refused request changes none of them."""
    digest = hashlib.sha256()
    for model in CASE_MODELS:
        rows = list(model.objects.order_by("pk"))
        digest.update(f"{model._meta.label}:{len(rows)}".encode())
        digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()


def state_counts():
    return {model._meta.label: model.objects.count() for model in CASE_MODELS}


@dataclass
class World:
    unit_a: object
    unit_b: object
    a: Official  # plain official of A
    sa: Official  # supervisor of A
    b: Official  # official of B
    conv_a: object = None
    token_a: str = ""
    conv_b: object = None
    token_b: str = ""
    chat_file_b: object = None
    ticket_a: object = None
    ticket_b: object = None
    ticket_file_b: object = None
    meeting_ticket_b: object = None
    held_b: object = None
    agency_raw: str = ""
    missing: int = 10**7
    missing_code: str = ""
    extra: dict = field(default_factory=dict)


def _pdf(name="سند.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def build(make_unit, make_official):
    unit_a = make_unit("واحد الف", code="ua", always_open=True)
    unit_b = make_unit("واحد ب", code="ub", always_open=True)
    w = World(
        unit_a=unit_a, unit_b=unit_b,
        a=make_official("alef", [unit_a], name="کارشناس الف"),
        sa=make_official("salef", [unit_a], name="سرپرست الف", role=Official.Role.SUPERVISOR),
        b=make_official("beh", [unit_b], name="کارشناس ب"),
    )
    started = chat_services.conversation_start(unit_id=unit_a.pk, name="شهروند الف", mobile="09120000001")
    w.conv_a, w.token_a = started.conversation, started.token
    started = chat_services.conversation_start(unit_id=unit_b.pk, name="شهروند " + MARK_B, mobile="09120000002", email="b@example.com")
    w.conv_b, w.token_b = started.conversation, started.token
    chat_services.conversation_take(conversation_id=w.conv_b.pk, official=w.b)
    chat_services.message_send(conversation_id=w.conv_b.pk, sender="citizen", client_id="m1", body="پیام " + MARK_B)
    message, _ = chat_file_send(conversation_id=w.conv_b.pk, sender="citizen", uploaded=_pdf(), client_id="f1")
    w.chat_file_b = Attachment.objects.get(message=message)
    chat_services.note_add(conversation_id=w.conv_b.pk, official=w.b, client_id="n1", body="یادداشت " + MARK_B)

    w.ticket_a = ticket_services.ticket_open(
        kind=Ticket.Kind.CONTACT, unit=unit_a, subject="موضوع الف", body="متن الف", name="شهروند الف", mobile="09120000001",
        rate_limit=False,
    ).ticket
    w.ticket_b = ticket_services.ticket_open(
        kind=Ticket.Kind.CONTACT, unit=unit_b, subject="موضوع " + MARK_B, body="متن " + MARK_B, name="شهروند " + MARK_B,
        mobile="09120000002", email="b@example.com", files=[_pdf()], rate_limit=False,
    ).ticket
    w.ticket_file_b = Attachment.objects.get(ticket=w.ticket_b)
    w.meeting_ticket_b = ticket_services.ticket_open(
        kind=Ticket.Kind.MEETING, unit=unit_b, subject="ملاقات " + MARK_B, body="متن ملاقات " + MARK_B, name="شهروند " + MARK_B,
        mobile="09120000002", rate_limit=False,
    ).ticket
    from chatdesk.core import clock

    now = clock.now()
    MeetingRequest.objects.create(ticket=w.meeting_ticket_b, person=w.b, preferred_days=[], created_at=now, updated_at=now)
    held = InboundMail(
        message_id="<held-b@example.com>", source="lmtp", size=10, sha256="0" * 64, from_address="x@example.com",
        subject="ایمیل " + MARK_B, body="متن " + MARK_B, status=InboundMail.Status.HELD, reason="sender_mismatch",
        unit=unit_b, ticket=w.ticket_b, received_at=now,
    )
    held.raw.save("message.eml", ContentFile(b"From: x@example.com\r\nSubject: held\r\n\r\nbody\r\n"), save=False)
    held.save()
    w.held_b = held
    w.agency_raw = "agency-token-for-unit-a-" + "x" * 20
    token = AgencyToken.objects.create(name="دستگاه الف", token_digest=token_digest(w.agency_raw), prefix=w.agency_raw[:8])
    token.units.set([unit_a])
    code = new_tracking_code()
    while Ticket.objects.filter(code=code).exists():
        code = new_tracking_code()
    w.missing_code = code
    return w


# --- clients ------------------------------------------------------------------------------------
def staff(official):
    client = Client()
    client.force_login(official.user)
    return client


def tracking(*tickets):
    """A browser whose session already opened these tickets on the tracking page."""
    client = Client()
    client.get("/track/")
    session = client.session
    session[ticket_access.SESSION_KEY] = [t.code for t in tickets]
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def link_token(ticket, purpose):
    return ticket_token(ticket, purpose)
