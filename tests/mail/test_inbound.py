"""Inbound mail through the real LMTP receiver (smtplib's LMTP client talking to the desk's
aiosmtpd server) and the service behind it: routing, held mail, machines, duplicates."""

import smtplib

import pytest

from chatdesk.core import realtime
from chatdesk.core.events import TICKET_CHANGED
from chatdesk.mail import inbound, outbound
from chatdesk.mail.models import InboundMail, OutboundMail
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Attachment, Entry, Ticket

from .conftest import CITIZEN, load

UNIT_ADDRESS = "treatment@portal.example.ir"


def lmtp_send(receiver, raw, rcpts, sender=CITIZEN):
    client = smtplib.LMTP("127.0.0.1", receiver.port)
    try:
        return client.sendmail(sender, rcpts, raw)  # refused recipients ({} when all accepted)
    finally:
        client.quit()


def first_mail(ticket):
    return OutboundMail.objects.filter(ticket=ticket).order_by("id").first()


@pytest.fixture
def unit_with_address(unit):
    unit.email = UNIT_ADDRESS
    unit.save(update_fields=["email"])
    return unit


@pytest.mark.django_db(transaction=True)
def test_gmail_reply_by_lmtp_reopens_resolved_ticket_live(open_ticket, official, lmtp_receiver):
    ticket = open_ticket()
    ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="مدارک را بفرستید.", status="resolved")
    reply_to = outbound.reply_address(ticket)
    raw = load("gmail_reply_quoted.eml", FROM=CITIZEN, REPLY_TO=reply_to, REF=first_mail(ticket).message_id)
    with realtime.captured() as frames:
        assert lmtp_send(lmtp_receiver, raw, [reply_to]) == {}
    row = InboundMail.objects.get()
    assert (row.status, row.routed_by, row.ticket_id, row.source) == ("routed", "token", ticket.pk, "lmtp")
    entry = Entry.objects.get(pk=row.entry_id)
    assert entry.kind == "citizen" and entry.channel == "email"
    assert entry.body.startswith("سلام، ممنون از پاسخ شما.")
    assert "مریم" in entry.body
    assert "نوشت:" not in entry.body and "لطفاً مدارک را بفرستید" not in entry.body  # quote stripped
    ticket.refresh_from_db()
    assert ticket.status == "open"  # reopened
    assert any(group == f"ticket.{ticket.pk}.staff" and msg["frame"]["type"] == TICKET_CHANGED for group, msg in frames)
    with row.raw.open("rb") as handle:
        assert handle.read() == raw  # the raw message is kept as it came


@pytest.mark.django_db(transaction=True)
def test_the_same_message_twice_is_stored_once(open_ticket, lmtp_receiver):
    ticket = open_ticket()
    reply_to = outbound.reply_address(ticket)
    raw = load("gmail_reply_quoted.eml", FROM=CITIZEN, REPLY_TO=reply_to, REF=first_mail(ticket).message_id)
    lmtp_send(lmtp_receiver, raw, [reply_to])
    lmtp_send(lmtp_receiver, raw, [reply_to])
    again = inbound.receive(raw, source="imap")
    assert again.duplicate
    assert InboundMail.objects.count() == 1
    assert Entry.objects.filter(ticket=ticket, channel="email").count() == 1


@pytest.mark.django_db
def test_outlook_html_only_reply_routes_by_in_reply_to(open_ticket):
    ticket = open_ticket()
    raw = load("outlook_html_only.eml", FROM=CITIZEN, REPLY_TO="desk@desk.localhost", REF=first_mail(ticket).message_id, CODE="")
    row = inbound.receive(raw, recipients=["desk@desk.localhost"])
    assert (row.status, row.routed_by, row.ticket_id) == ("routed", "in_reply_to", ticket.pk)
    body = Entry.objects.get(pk=row.entry_id).body
    assert "شماره پرونده پزشکی من ۱۲۳۴۵ است." in body and "لطفاً بررسی کنید." in body
    assert "نباید بیاید" not in body and "From:" not in body


@pytest.mark.django_db
def test_thunderbird_attachments_by_subject_code(open_ticket, unit_with_address):
    ticket = open_ticket()
    raw = load("thunderbird_attachments.eml", FROM=CITIZEN, UNIT_ADDRESS=UNIT_ADDRESS, CODE=ticket.display_code)
    row = inbound.receive(raw, recipients=[UNIT_ADDRESS])
    # the code in the subject comes before the unit's address: no new ticket
    assert (row.status, row.routed_by, row.ticket_id) == ("routed", "subject_code", ticket.pk)
    assert Ticket.objects.count() == 1
    entry = Entry.objects.get(pk=row.entry_id)
    assert entry.body.startswith("تصویر کارت ملی پیوست است.")
    assert "علی رضایی" not in entry.body  # the signature after "-- " is cut
    assert "setup.exe" in entry.body  # the refused attachment is named on the entry
    (attachment,) = Attachment.objects.filter(entry=entry)
    assert attachment.name == "کارت ملی.png" and attachment.content_type == "image/png"
    assert row.data["refused"][0]["name"] == "setup.exe"


@pytest.mark.django_db
def test_new_mail_to_a_units_address_opens_a_ticket_with_the_persian_subject(unit_with_address):
    raw = load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS=UNIT_ADDRESS)
    row = inbound.receive(raw, recipients=[UNIT_ADDRESS])
    assert (row.status, row.routed_by) == ("new_ticket", "unit_address")
    ticket = row.ticket
    assert ticket.kind == "email" and ticket.unit == unit_with_address and ticket.citizen_email == "sara@example.ir"
    assert ticket.subject == "درخواست بررسی وضعیت پرداخت حقوق و مزایای پرسنل قراردادی معاونت درمان در سال گذشته و پیگیری مجدد آن"
    assert ticket.citizen_name == "سارا محمدی"
    body = ticket.entries.get(kind="citizen").body
    assert "پیگیری کنید" in body and "iPhone" not in body
    created = OutboundMail.objects.get(ticket=ticket)
    assert created.kind == "created" and created.to == "sara@example.ir"
    assert created.headers["In-Reply-To"] == row.message_id  # the answer threads under their mail


@pytest.mark.django_db
def test_mail_with_nothing_to_route_by_is_rejected_never_routed_by_from(open_ticket):
    open_ticket()  # a case of this very sender exists: From alone must not route to it
    raw = load("unknown_token.eml", FROM=CITIZEN, REPLY_TO="someone@desk.localhost")
    row = inbound.receive(raw, recipients=["someone@desk.localhost"])
    assert (row.status, row.reason) == ("rejected", "no_route")
    assert not Entry.objects.filter(channel="email").exists()


@pytest.mark.django_db
def test_forged_sender_is_held_then_an_official_decides(open_ticket, official, client):
    ticket = open_ticket()
    reply_to = outbound.reply_address(ticket)
    raw = load("forged_sender.eml", FROM="attacker@evil.example", REPLY_TO=reply_to, REF=first_mail(ticket).message_id, CODE=ticket.display_code)
    row = inbound.receive(raw, recipients=[reply_to])
    assert (row.status, row.reason, row.ticket_id, row.unit_id) == ("held", "sender_mismatch", ticket.pk, ticket.unit_id)
    assert not Entry.objects.filter(ticket=ticket, channel="email").exists()
    # the console page shows it to the unit's officials and attaches it through the service
    client.force_login(official.user)
    page = client.get("/console/mail/held/")
    assert page.status_code == 200 and "attacker@evil.example" in page.content.decode()
    response = client.post(f"/console/mail/held/{row.pk}/attach/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "routed" and row.handled_by == official
    assert Entry.objects.get(pk=row.entry_id).body == "لطفاً شماره حساب جدید من را ثبت کنید."


@pytest.mark.django_db
def test_held_mail_is_invisible_to_other_units(open_ticket, make_official, other_unit, client):
    ticket = open_ticket()
    raw = load("forged_sender.eml", FROM="x@evil.example", REPLY_TO=outbound.reply_address(ticket), REF="<none@x>", CODE="")
    row = inbound.receive(raw, recipients=[outbound.reply_address(ticket)])
    stranger = make_official("stranger", [other_unit])
    client.force_login(stranger.user)
    assert "x@evil.example" not in client.get("/console/mail/held/").content.decode()
    assert client.post(f"/console/mail/held/{row.pk}/discard/").status_code == 404
    row.refresh_from_db()
    assert row.status == "held"


@pytest.mark.django_db
def test_unknown_and_bad_tokens(open_ticket):
    ticket = open_ticket()
    bad = f"reply+{ticket.code}-{'a' * 26}@desk.localhost"
    row = inbound.receive(load("unknown_token.eml", FROM=CITIZEN, REPLY_TO=bad), recipients=[bad])
    assert (row.status, row.reason, row.ticket_id) == ("held", "bad_token", ticket.pk)  # from the right sender, still held
    unknown = f"reply+{'1' * 13}-{'b' * 26}@desk.localhost"
    row = inbound.receive(load("unknown_token.eml", FROM=CITIZEN, REPLY_TO=unknown), recipients=[unknown])
    assert (row.status, row.reason, row.ticket_id) == ("rejected", "unknown_token", None)
    assert not Entry.objects.filter(channel="email").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fixture, reason",
    [("auto_reply.eml", "auto_reply"), ("outlook_oof.eml", "auto_reply"), ("mailing_list.eml", "bulk"), ("bounce.eml", "bounce")],
)
def test_machines_are_recognised_and_never_answered(open_ticket, unit_with_address, fixture, reason):
    ticket = open_ticket()
    sent = first_mail(ticket)
    before = OutboundMail.objects.count()
    raw = load(fixture, FROM=CITIZEN, REPLY_TO=outbound.reply_address(ticket), REF=sent.message_id, CODE=ticket.display_code, UNIT_ADDRESS=UNIT_ADDRESS)
    row = inbound.receive(raw, recipients=[outbound.reply_address(ticket) if "REPLY" in fixture.upper() or fixture in ("auto_reply.eml", "bounce.eml") else UNIT_ADDRESS])
    assert (row.status, row.reason) == ("ignored", reason)
    assert OutboundMail.objects.count() == before  # nothing answered
    assert Ticket.objects.count() == 1 and not Entry.objects.filter(channel="email").exists()
    if reason == "bounce":
        sent.refresh_from_db()
        assert sent.bounced_at is not None and row.ticket_id == ticket.pk


@pytest.mark.django_db
def test_our_own_mail_coming_back_is_a_loop(open_ticket, unit_with_address):
    ticket = open_ticket()
    raw = outbound.build(first_mail(ticket)).message().as_bytes(linesep="\r\n")
    row = inbound.receive(raw, recipients=[UNIT_ADDRESS])
    assert (row.status, row.reason) == ("ignored", "loop")
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_reply_to_a_closed_ticket_opens_a_follow_up_case(open_ticket, official):
    ticket = open_ticket()
    ticket_services.ticket_set_status(ticket_id=ticket.pk, official=official, status="closed")
    reply_to = outbound.reply_address(ticket)
    row = inbound.receive(load("gmail_reply_quoted.eml", FROM=CITIZEN, REPLY_TO=reply_to, REF="<x@y>"), recipients=[reply_to])
    assert row.status == "new_ticket" and row.reason == "follow_up_of_closed"
    assert row.ticket != ticket and row.ticket.data["follow_up_of"] == ticket.code
    ticket.refresh_from_db()
    assert ticket.status == "closed"


@pytest.mark.django_db
def test_a_flood_from_one_sender_is_ignored(open_ticket, settings):
    settings.MAIL = {**settings.MAIL, "INBOUND_PER_SENDER_PER_HOUR": 3}
    ticket = open_ticket()
    reply_to = outbound.reply_address(ticket)
    rows = [inbound.receive(load("unknown_token.eml", FROM=CITIZEN, REPLY_TO=reply_to), recipients=[reply_to]) for _ in range(5)]
    assert [r.status for r in rows] == ["routed"] * 3 + ["ignored"] * 2


@pytest.mark.django_db(transaction=True)
def test_lmtp_answers_once_per_recipient_and_451_on_failure(lmtp_receiver, monkeypatch, unit_with_address):
    raw = load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS=UNIT_ADDRESS)
    assert lmtp_send(lmtp_receiver, raw, [UNIT_ADDRESS, "other@portal.example.ir"], sender="sara@example.ir") == {}
    assert InboundMail.objects.count() == 1 and Ticket.objects.count() == 1

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(inbound, "_decide", broken)
    raw2 = load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS=UNIT_ADDRESS)
    with pytest.raises(smtplib.SMTPDataError) as failure:
        lmtp_send(lmtp_receiver, raw2, [UNIT_ADDRESS], sender="sara@example.ir")
    assert failure.value.smtp_code == 451  # the MTA keeps it and retries
    assert InboundMail.objects.count() == 1  # nothing half-stored
