"""Inbound mail: one service for both ways in (the LMTP/SMTP receiver and the IMAP poll).

``receive(raw, recipients=…)`` stores the message once per Message-ID, with its raw bytes, and
decides what it is (docs/email.md):

1. machines are never answered: bounces, auto-replies, bulk mail and our own mail coming back
   (a loop) are stored as ``ignored``; so is a flood from one sender;
2. routing, in this order: the reply token in a recipient address (``reply+<code>-<token>@``),
   then In-Reply-To/References naming a mail we sent, then a tracking code in the subject.
   ``From`` alone never routes.  The sender must be the case's email address; otherwise the
   message is ``held`` for an official of the unit, not attached;
3. nothing to route by, sent to a unit's published address: a new ticket for that unit;
4. otherwise ``rejected`` (kept, visible in the admin).

The whole decision runs in one transaction with the row whose unique Message-ID deduplicates
it: a message delivered twice (by LMTP and IMAP, or by two pollers at once) is stored and acted
on once.  An unexpected error rolls everything back and raises, so the LMTP server answers 451
and the MTA retries, and the IMAP poller leaves the message unseen for the next tick.
"""

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from chatdesk.chats.selectors import for_update
from chatdesk.core import clock, uploads
from chatdesk.core.errors import Conflict, DomainError, NotFound, ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import to_persian_digits
from chatdesk.core.tracking import parse_tracking_code
from chatdesk.directory.models import Unit
from chatdesk.directory.selectors import unit_ids_for_official
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.access import access_ticket_for_official
from chatdesk.tickets.models import Ticket

from . import outbound, parsing
from .models import InboundMail, OutboundMail

log = logging.getLogger("chatdesk.mail")
I = InboundMail.Status
MAX_BODY = ticket_services.MAX_BODY_CHARS


# --- routing ----------------------------------------------------------------------------------
@dataclass
class Route:
    ticket: Ticket = None
    unit: Unit = None
    by: str = ""
    problem: str = ""  # bad_token, unknown_token, no_route


def _subject_code(subject):
    for candidate in re.findall(r"[0-9۰-۹٠-٩][0-9۰-۹٠-٩\-–—_/. \u200c]{11,24}[0-9۰-۹٠-٩]", subject or ""):
        code = parse_tracking_code(candidate)
        if code:
            return code
        # "[1234-5678-90123] 4" — try the longest valid prefix of runs of digits
        digits = [c for c in candidate if c not in " "]
        code = parse_tracking_code("".join(digits)[:15])
        if code:
            return code
    return None


def route(parsed, recipients):
    # 1. the secret reply address
    for address in recipients:
        found = outbound.parse_reply_address(address)
        if found is None:
            continue
        code, token = found
        ticket = Ticket.objects.select_related("unit").filter(code=code).first()
        if ticket is not None and outbound.check_reply_token(ticket, token):
            return Route(ticket=ticket, unit=ticket.unit, by="token")
        if ticket is not None:  # a revoked or mistyped token: an official decides
            return Route(ticket=ticket, unit=ticket.unit, by="token", problem="bad_token")
        return Route(by="token", problem="unknown_token")
    # 2. a reply to a mail we sent
    if parsed.references:
        sent = (
            OutboundMail.objects.select_related("ticket__unit", "conversation__unit")
            .filter(message_id__in=parsed.references)
            .order_by("-created_at", "-id")
        )
        for mail in sent:
            ticket = mail.ticket or (Ticket.objects.select_related("unit").filter(conversation=mail.conversation).first() if mail.conversation_id else None)
            if ticket is not None:
                return Route(ticket=ticket, unit=ticket.unit, by="in_reply_to")
    # 3. the tracking code in the subject
    code = _subject_code(parsed.subject)
    if code:
        ticket = Ticket.objects.select_related("unit").filter(code=code).first()
        if ticket is not None:
            return Route(ticket=ticket, unit=ticket.unit, by="subject_code")
    # 4. a unit's published address: a new case
    wanted = {a.lower() for a in recipients}
    for unit in Unit.objects.filter(is_active=True).exclude(email=""):
        if unit.email.lower() in wanted:
            return Route(unit=unit, by="unit_address")
    default = settings.MAIL.get("DEFAULT_UNIT")
    if default:
        unit = Unit.objects.filter(code=default, is_active=True).first()
        if unit is not None:
            return Route(unit=unit, by="default_unit")
    return Route(problem="no_route")


def sender_matches(ticket, address):
    return bool(ticket.citizen_email) and bool(address) and ticket.citizen_email.strip().lower() == address.strip().lower()


def _our_address(address):
    return address == outbound.from_address().lower() or outbound.parse_reply_address(address) is not None


# --- the text and the documents for the timeline ----------------------------------------------
def prepare(parsed):
    """(body, files, refused): what the timeline gets.  Attachments are validated like uploads;
    a refused one is named in the body (never silently dropped; the raw message keeps it)."""
    files, refused = [], []
    limit = settings.UPLOADS["MAX_FILES"]
    for item in parsed.attachments:
        if item.problem:
            refused.append({"name": item.name, "reason": "پیام پیوست‌شده پذیرفته نمی‌شود"})
            continue
        try:
            checked = uploads.check(ContentFile(item.content, name=item.name))
        except ValidationError as error:
            refused.append({"name": item.name, "reason": error.message})
            continue
        if len(files) >= limit:
            refused.append({"name": item.name, "reason": f"بیش از {to_persian_digits(limit)} پیوست"})
            continue
        files.append(ContentFile(checked.content, name=checked.name))
    text = parsed.text or parsed.full_text
    notes = "".join(f"\n[پیوست پذیرفته نشد: {r['name']} — {r['reason']}]" for r in refused)
    room = MAX_BODY - len(notes) - 40
    if len(text) > room:
        text = text[:room].rstrip() + "\n… (ادامه در نامه اصلی)"
    if not text:
        text = "(پیوست)" if files else "(بدون متن)"
    return (text + ("\n" + notes if notes else "")).strip(), files, refused


def _dedup_key(message_id):
    return "email:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


# --- the service ------------------------------------------------------------------------------
def _store_raw(raw):
    return ContentFile(raw, name="message.eml")


def receive(raw, *, recipients=(), source="lmtp", envelope_sender=None):
    """Store and act on one received message (bytes).  Returns the InboundMail row; a message
    already stored is returned as it is (``row.duplicate`` is True)."""
    now = clock.now()
    msg, parsed = parsing.read(raw)
    existing = InboundMail.objects.filter(message_id=parsed.message_id).first()
    if existing is not None:
        existing.duplicate = True
        return existing
    envelope = [r.strip().lower() for r in recipients if r]
    rcpts = envelope or parsed.header_recipients
    row = InboundMail(
        message_id=parsed.message_id, source=source, size=len(raw), sha256=hashlib.sha256(raw).hexdigest(),
        from_address=parsed.from_address, from_name=parsed.from_name, recipients=rcpts[:50], subject=parsed.subject,
        status=I.REJECTED, received_at=now,
    )
    row.raw.save("message.eml", _store_raw(raw), save=False)  # a file even if the row loses a race
    with transaction.atomic():
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            existing = InboundMail.objects.get(message_id=parsed.message_id)
            existing.duplicate = True
            return existing
        _decide(row, msg, parsed, rcpts, envelope_sender, now)
        row.save()
    row.duplicate = False
    log.info("inbound mail %s from %s: %s %s", row.pk, row.from_address, row.status, row.reason)
    return row


def _decide(row, msg, parsed, rcpts, envelope_sender, now):
    if parsing.header(msg, outbound.LOOP_HEADER) or _our_address(parsed.from_address) or OutboundMail.objects.filter(message_id=parsed.message_id).exists():
        machine = "loop"  # our own mail came back
    else:
        machine = parsing.machine_kind(msg, parsed.from_address, envelope_sender=envelope_sender)
    if machine is not None:
        row.status, row.reason = I.IGNORED, machine
        if machine == "bounce":
            _note_bounce(row, msg, now)
        return
    if not parsed.from_address:
        row.status, row.reason = I.REJECTED, "no_sender"
        return
    hour_ago = now - dt.timedelta(hours=1)
    if InboundMail.objects.filter(from_address=parsed.from_address, received_at__gte=hour_ago).exclude(pk=row.pk).count() >= settings.MAIL["INBOUND_PER_SENDER_PER_HOUR"]:
        row.status, row.reason = I.IGNORED, "flood"
        return

    found = route(parsed, rcpts)
    row.routed_by = found.by
    row.unit = found.unit
    row.ticket = found.ticket
    body, files, refused = prepare(parsed)
    row.body = body
    row.data = {"refused": refused, "references": parsed.references[:20]}
    if found.problem in ("unknown_token", "no_route"):
        row.status, row.reason = I.REJECTED, found.problem
        return
    if found.ticket is not None:
        if found.problem == "bad_token":
            row.status, row.reason = I.HELD, "bad_token"
        elif not sender_matches(found.ticket, parsed.from_address):
            row.status, row.reason = I.HELD, "sender_mismatch"
        else:
            _attach(row, found.ticket, body, files)
        return
    _open(row, found.unit, parsed, body, files)


def _attach(row, ticket, body, files):
    try:
        with transaction.atomic():
            entry = ticket_services.ticket_follow_up(
                ticket_id=ticket.pk, body=body, files=files, channel="email", dedup_key=_dedup_key(row.message_id)
            )
    except Conflict:
        # A closed case stays closed: the message opens a new one in the same unit.
        previous = ticket
        ticket.refresh_from_db()
        _open(row, ticket.unit, None, body, files, subject=ticket.subject, follow_up_of=previous.code, name=ticket.citizen_name)
        return
    except (DomainError, NotFound) as error:
        row.status, row.reason = I.HELD, f"invalid:{error.code}"[:40]
        return
    row.status, row.reason, row.entry, row.ticket = I.ROUTED, "", entry, ticket


def _name_for(parsed):
    name = (parsed.from_name or "").strip()
    if len(name) < 2:
        name = parsed.from_address.split("@")[0]
    if len(name) < 2:
        name = parsed.from_address
    return name[:80]


def _open(row, unit, parsed, body, files, *, subject=None, follow_up_of=None, name=None):
    if subject is None:
        subject = parsing.clean_subject(parsed.subject)
    if len(subject.strip()) < 3:
        subject = "ایمیل بدون موضوع"
    data = {"email": {"message_id": row.message_id}}
    if follow_up_of:
        data["follow_up_of"] = follow_up_of
    address = row.from_address
    try:
        validate_email(address)
    except DjangoValidationError:
        row.status, row.reason = I.REJECTED, "invalid_sender"
        return
    try:
        with transaction.atomic():
            opened = ticket_services.ticket_open(
                kind=Ticket.Kind.EMAIL, unit=unit, subject=subject[:200], body=body, name=name or _name_for(parsed),
                email=address, files=files, data=data, channel="email", dedup_key=_dedup_key(row.message_id), rate_limit=False,
            )
    except DomainError as error:
        row.status, row.reason = I.REJECTED, f"invalid:{error.code}"[:40]
        return
    row.status, row.reason = I.NEW_TICKET, ("follow_up_of_closed" if follow_up_of else "")
    row.ticket, row.entry, row.unit = opened.ticket, opened.entry, unit


def outbound_bounced(*, mail_id, reason, now=None):
    """A delivery report says an outbound mail did not arrive: the mail is marked ``bounced``
    with the report's reason, and when it belongs to a case the officials are told on the case
    (tickets.services.ticket_mail_bounced: an internal timeline event and the notice on the
    ticket page).  Once per mail: a second report of the same mail changes nothing."""
    now = now or clock.now()
    with transaction.atomic():
        mail = OutboundMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.status == OutboundMail.Status.BOUNCED:
            return mail
        mail.status, mail.bounced_at, mail.bounce_reason = OutboundMail.Status.BOUNCED, now, (reason or "")[:500]
        mail.save(update_fields=["status", "bounced_at", "bounce_reason"])
        if mail.ticket_id:
            ticket_services.ticket_mail_bounced(
                ticket_id=mail.ticket_id, message_id=mail.message_id, to=mail.to, subject=mail.subject,
                kind=mail.get_kind_display(), reason=mail.bounce_reason, entry_id=mail.entry_id, now=now,
            )
    log.warning("outbound mail %s to %s bounced: %s", mail.pk, mail.to, mail.bounce_reason)
    return mail


def _note_bounce(row, msg, now):
    ids = parsing.bounced_message_ids(msg)
    if not ids:
        return
    mail = OutboundMail.objects.filter(message_id__in=ids).first()
    if mail is None:
        return
    outbound_bounced(mail_id=mail.pk, reason=parsing.bounce_reason(msg), now=now)
    row.ticket_id = mail.ticket_id
    row.unit_id = mail.ticket.unit_id if mail.ticket_id else None
    row.data = {"bounced": mail.message_id}


# --- held mail: an official decides ------------------------------------------------------------
def _lock_held(official, inbound_id):
    row = for_update(InboundMail.objects.all()).filter(pk=parse_id(inbound_id)).first()
    if row is None or row.unit_id not in unit_ids_for_official(official):
        raise NotFound()
    if row.status != I.HELD:
        raise Conflict("این ایمیل پیش‌تر بررسی شده است.", code="already_handled")
    return row


def held_attach(*, inbound_id, official):
    """Add a held message to its case as the citizen's message (the official checked it)."""
    with transaction.atomic():
        row = _lock_held(official, inbound_id)
        if row.ticket_id is None:
            raise Conflict("این ایمیل پرونده‌ای ندارد.", code="no_ticket")
        access_ticket_for_official(official, row.ticket_id)
        with row.raw.open("rb") as handle:
            _msg, parsed = parsing.read(handle.read())
        body, files, _refused = prepare(parsed)
        with transaction.atomic():
            entry = ticket_services.ticket_follow_up(
                ticket_id=row.ticket_id, body=body, files=files, channel="email", dedup_key=_dedup_key(row.message_id)
            )
        row.status, row.entry, row.handled_by, row.handled_at = I.ROUTED, entry, official, clock.now()
        row.reason = f"attached_by_official:{row.reason}"[:40]
        row.save(update_fields=["status", "entry", "handled_by", "handled_at", "reason"])
    return row


def held_discard(*, inbound_id, official):
    with transaction.atomic():
        row = _lock_held(official, inbound_id)
        row.status, row.handled_by, row.handled_at = I.DISCARDED, official, clock.now()
        row.save(update_fields=["status", "handled_by", "handled_at"])
    return row
