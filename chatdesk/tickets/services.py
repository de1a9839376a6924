"""Every write to tickets (design rule 1): validate, lock, write with an audit row, then announce
on commit.  Views, consumers, the worker and the inbound-mail path all call these functions.

Status lifecycle (``TRANSITIONS``): new → open → waiting (for the citizen) → resolved → closed,
with referred when a ticket moves to another unit.  A citizen writing to a waiting or resolved
ticket reopens it; a closed ticket stays closed.

Chats that become tickets are in escalation.py; the SLA and auto-close worker jobs in sweeps.py.
"""

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from chatdesk.chats.models import Conversation
from chatdesk.chats.services import validate_citizen
from chatdesk.core import clock, events, ratelimit, realtime, uploads
from chatdesk.core.access_log import AccessLog, log_conversation, log_ticket
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.core.persian import clean_line, clean_text
from chatdesk.core.ids import parse_id
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import supervisor_of

from . import notify, wire
from .access import access_ticket_for_official
from .models import Attachment, Entry, Ticket
from .writes import (  # the small writers, shared with escalation, sweeps and desk/meetings
    tickets_settings as _tickets_settings,
    audit as _audit,
    touch as _touch,
    add_entry as _entry,
    start_first_response_clock as _start_first_response_clock,
    start_resolution_clock as _start_resolution_clock,
    insert_ticket as _insert_ticket,
    index_ticket as _index_ticket,
    set_status as _set_status,
    start_statutory_clock as _start_statutory_clock,
    resume_clocks as _resume_clocks,
)

S = Ticket.Status
TRANSITIONS = {
    S.NEW: {S.OPEN, S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.OPEN: {S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.WAITING: {S.OPEN, S.DOCS, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.DOCS: {S.OPEN, S.WAITING, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.REFERRED: {S.OPEN, S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.RESOLVED: {S.OPEN, S.CLOSED},
    # A rejection is answered by the citizen's one objection (ticket_object), not by a status.
    S.REJECTED: {S.OPEN, S.CLOSED},
    S.OBJECTED: {S.OPEN, S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED, S.CLOSED},
    S.CLOSED: {S.OPEN},
}
# A citizen's message reopens these; on the others it is simply added.
REOPEN_ON_CITIZEN = {S.WAITING, S.DOCS, S.RESOLVED}
MAX_BODY_CHARS = 5000


# --- validation -------------------------------------------------------------------------------
def _validate_body(body, *, field="body", required=True):
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise ValidationError("متن نامعتبر است.", code="invalid_body", field=field)
    body = clean_text(body)
    if required and not body:
        raise ValidationError("متن پیام را بنویسید.", code="empty", field=field)
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError("متن طولانی‌تر از ۵۰۰۰ نویسه است.", code="too_long", field=field)
    return body


def _validate_subject(subject):
    subject = clean_line(subject if isinstance(subject, str) else "")
    if len(subject) < 3:
        raise ValidationError("موضوع را (دست‌کم سه حرف) بنویسید.", code="invalid_subject", field="subject")
    return subject[:200]


def _already_stored(ticket, dedup_key):
    """The entry a resent form or a redelivered mail already made (idempotency), or None."""
    return Entry.objects.filter(ticket=ticket, dedup_key=dedup_key).first() if dedup_key else None


def _save_attachments(ticket, entry, checked, *, side, official=None, now=None):
    rows = []
    for item in checked:
        attachment = Attachment(
            ticket=ticket,
            entry=entry,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=side,
            official=official,
            created_at=now or clock.now(),
        )
        attachment.file.save("upload", ContentFile(item.content), save=False)
        attachment.save()
        rows.append(attachment)
    return rows


# --- opening a ticket -------------------------------------------------------------------------
ANONYMOUS_NAME = "گزارش‌دهنده ناشناس"

@dataclass
class Opened:
    ticket: Ticket
    entry: Entry
    created: bool = True


def ticket_open(
    *,
    kind,
    unit,
    subject,
    body,
    name,
    mobile="",
    email="",
    national_code="",
    files=(),
    data=None,
    ip_address=None,
    channel="web",
    dedup_key="",
    hide_identity=False,
    priority=Ticket.Priority.NORMAL,
    rate_limit=True,
    response_days=None,
    anonymous=False,
):
    """Open a case for a citizen (service-desk forms, inbound email).  A mobile or an email is
    required: the citizen follows the case with the tracking code and one of them.

    ``anonymous`` (a report «گزارش»): no name or contact is needed (any given is still
    validated), the case is opened with its tracking code and PIN (core/tracking.ticket_pin),
    and the sender's address only feeds the rate limit: it is never stored on the case."""
    if kind not in Ticket.Kind.values:
        raise ValidationError("نوع درخواست نامعتبر است.", code="invalid_kind")
    if anonymous:
        name = name if isinstance(name, str) and clean_line(name) else ANONYMOUS_NAME
    name, mobile, email = validate_citizen(name, mobile, email)
    if not (mobile or email) and not anonymous:
        raise ValidationError("برای پیگیری، شماره همراه یا ایمیل خود را وارد کنید.", code="contact_required", field="mobile")
    subject = _validate_subject(subject)
    body = _validate_body(body)
    if not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=parse_id(unit), is_active=True).first()
    if unit is None or not unit.is_active:
        raise ValidationError("واحد انتخاب‌شده معتبر نیست.", code="invalid_unit", field="unit")
    checked = uploads.check_many(files)
    if rate_limit and ip_address:
        ratelimit.hit(
            "ticket-open", ip_address, limit=_tickets_settings()["OPENINGS_PER_HOUR"], window=3600,
            message="از این نشانی در یک ساعت گذشته درخواست‌های زیادی ثبت شده است؛ لطفاً بعداً تلاش کنید.",
        )
    now = clock.now()
    with transaction.atomic():
        if dedup_key:
            existing = Entry.objects.select_related("ticket").filter(dedup_key=dedup_key, ticket__kind=kind, kind=Entry.Kind.CITIZEN).first()
            if existing is not None:
                return Opened(ticket=existing.ticket, entry=existing, created=False)
        ticket = Ticket(
            kind=kind, unit=unit, subject=subject, citizen_name=name, citizen_mobile=mobile, citizen_email=email,
            citizen_national_code=national_code or "", hide_identity=hide_identity, priority=priority,
            data=data or {}, ip_address=None if anonymous else ip_address, created_at=now, updated_at=now,
        )
        _start_first_response_clock(ticket, now)
        _start_resolution_clock(ticket, now)
        _start_statutory_clock(ticket, now, service_days=response_days)
        fields = {f.name: getattr(ticket, f.name) for f in Ticket._meta.concrete_fields if f.name not in ("id", "code", "secret")}
        ticket = _insert_ticket(**fields)
        _index_ticket(ticket)
        entry = _entry(ticket, Entry.Kind.CITIZEN, body, channel=channel, dedup_key=dedup_key, now=now)
        _save_attachments(ticket, entry, checked, side="citizen", now=now)
        _audit(ticket, "created", actor="citizen", changes={"kind": kind, "unit": unit.pk, "channel": channel}, now=now)
        notify.ticket_created(ticket)
    return Opened(ticket=ticket, entry=entry)


# --- officials --------------------------------------------------------------------------------
def _lock_for_official(official, ticket_id):
    return access_ticket_for_official(official, ticket_id, for_update=True)


def ticket_set_status(*, ticket_id, official, status):
    if status not in S.values:
        raise ValidationError("وضعیت نامعتبر است.", code="invalid_status", field="status")
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        if status == ticket.status:
            return ticket
        if status not in TRANSITIONS[ticket.status] or status == S.REFERRED:
            raise Conflict(
                f"تغییر وضعیت از «{S(ticket.status).label}» به «{S(status).label}» ممکن نیست.", code="invalid_transition"
            )
        _set_status(ticket, status, official=official, now=clock.now())
    return ticket


def ticket_reply(*, ticket_id, official, body, files=(), status=None, dedup_key=""):
    """A public answer: the citizen sees it on the tracking page and receives it by email.

    ``status`` (optional) changes the status in the same step, e.g. "waiting" or "resolved";
    without it a new or referred ticket becomes open."""
    body = _validate_body(body)
    checked = uploads.check_many(files)
    if status and status not in (S.OPEN, S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED):
        raise ValidationError("وضعیت پس از پاسخ نامعتبر است.", code="invalid_status", field="status")
    now = clock.now()
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        existing = _already_stored(ticket, dedup_key)
        if existing:
            return existing
        if ticket.status == S.CLOSED:
            raise Conflict("این پرونده بسته شده است؛ برای پاسخ، نخست آن را باز کنید.", code="ticket_closed")
        entry = _entry(ticket, Entry.Kind.REPLY, body, official=official, dedup_key=dedup_key, now=now)
        _save_attachments(ticket, entry, checked, side="official", official=official, now=now)
        changes = {}
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.sla_alerted = 0
            _touch(ticket, now, "first_response_at", "sla_alerted")
            changes["first_response_at"] = [None, now.isoformat()]
        if ticket.assignee_id is None:
            ticket.assignee = official
            _touch(ticket, now, "assignee")
            changes["assignee"] = [None, official.pk]
        _audit(ticket, "reply", official=official, changes={"entry": entry.pk, **changes}, now=now)
        notify.public_reply(ticket, entry)
        target = status or (S.OPEN if ticket.status in (S.NEW, S.REFERRED) else None)
        if target and target != ticket.status:
            if target not in TRANSITIONS[ticket.status]:
                raise Conflict("تغییر وضعیت ممکن نیست.", code="invalid_transition")
            _set_status(ticket, target, official=official, now=now)
    return entry


def ticket_note(*, ticket_id, official, body, dedup_key=""):
    body = _validate_body(body)
    now = clock.now()
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        existing = _already_stored(ticket, dedup_key)
        if existing:
            return existing
        entry = _entry(ticket, Entry.Kind.NOTE, body, public=False, official=official, dedup_key=dedup_key, now=now)
        _audit(ticket, "note", official=official, changes={"entry": entry.pk}, now=now)
    return entry


def ticket_assign(*, ticket_id, official, assignee_id):
    """Give the ticket to an official of its unit (or to nobody with ``assignee_id=None``)."""
    now = clock.now()
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        assignee = None
        if assignee_id not in (None, "", 0, "0"):
            assignee = Official.objects.filter(
                pk=parse_id(assignee_id), units=ticket.unit, user__is_active=True
            ).first()
            if assignee is None:
                raise ValidationError("کارشناس انتخاب‌شده عضو واحد این پرونده نیست.", code="invalid_official", field="assignee")
        if (assignee.pk if assignee else None) == ticket.assignee_id:
            return ticket
        old = ticket.assignee_id
        ticket.assignee = assignee
        _touch(ticket, now, "assignee")
        _audit(ticket, "assign", official=official, changes={"assignee": [old, assignee.pk if assignee else None]}, now=now)
        text = f"پرونده به {assignee.display_name} سپرده شد." if assignee else "پرونده از کارشناس پس گرفته شد."
        _entry(ticket, Entry.Kind.EVENT, text, public=False, official=official, data={"event": "assign"}, now=now)
        if ticket.status == S.NEW and assignee is not None:
            _set_status(ticket, S.OPEN, official=official, now=now)
        if assignee is not None:
            realtime.to_official(assignee.pk, {"type": events.TICKET_ASSIGNED, "ticket": wire.ticket_brief(ticket)})
    return ticket


def ticket_set_priority(*, ticket_id, official, priority):
    if priority not in Ticket.Priority.values:
        raise ValidationError("اولویت نامعتبر است.", code="invalid_priority", field="priority")
    now = clock.now()
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        if ticket.priority == priority:
            return ticket
        old = ticket.priority
        ticket.priority = priority
        _touch(ticket, now, "priority")
        _audit(ticket, "priority", official=official, changes={"priority": [old, priority]}, now=now)
        _entry(ticket, Entry.Kind.EVENT, f"اولویت: {Ticket.Priority(priority).label}", public=False, official=official,
               data={"event": "priority", "from": old, "to": priority}, now=now)
    return ticket


def ticket_refer(*, ticket_id, official, to_unit_id, reason):
    """Refer (ارجاع) the ticket to another unit with a reason.  The citizen sees where it went,
    never the reason (an internal note); the new unit's SLA clock starts now; the old unit's
    officials no longer see the case."""
    reason = _validate_body(reason, field="reason")
    now = clock.now()
    with transaction.atomic():
        ticket = _lock_for_official(official, ticket_id)
        if ticket.status == S.CLOSED:
            raise Conflict("این پرونده بسته شده است.", code="ticket_closed")
        target = Unit.objects.filter(pk=parse_id(to_unit_id), is_active=True).first()
        if target is None or target.pk == ticket.unit_id:
            raise ValidationError("واحد مقصد معتبر نیست.", code="invalid_unit", field="to_unit")
        old_unit = ticket.unit
        old_status = ticket.status
        if ticket.clock_paused_at is not None:  # a waiting case referred on: its clocks run again
            _resume_clocks(ticket, now)
        _entry(ticket, Entry.Kind.NOTE, f"ارجاع به {target.name}: {reason}", public=False, official=official,
               data={"event": "referral", "from_unit": old_unit.pk, "to_unit": target.pk}, now=now)
        ticket.unit = target
        ticket.assignee = None
        ticket.status = S.REFERRED
        if ticket.first_response_at is None:
            _start_first_response_clock(ticket, now)
        _start_resolution_clock(ticket, now)
        ticket.resolved_at = None
        _touch(ticket, now, "unit", "assignee", "status", "first_response_due", "first_response_warn_at",
               "resolution_due", "resolution_warn_at", "sla_alerted", "resolved_at", "statutory_due", "clock_paused_at")
        _audit(ticket, "refer", official=official,
               changes={"unit": [old_unit.pk, target.pk], "status": [old_status, S.REFERRED], "reason": reason}, now=now)
        _entry(ticket, Entry.Kind.EVENT, f"پرونده برای رسیدگی به «{target.name}» ارجاع شد.", official=official,
               data={"event": "referred", "from_unit": old_unit.pk, "to_unit": target.pk}, now=now)
        realtime.to_units([old_unit.pk], {"type": events.TICKET_CHANGED, "ticket": wire.ticket_brief(ticket)})
        notify.status_changed(ticket, old_status, S.REFERRED)
    return ticket


def ticket_mark_viewed(*, ticket, official):
    """The access audit: an official opened this citizen's case."""
    _audit(ticket, "viewed", official=official)
    log_ticket(official=official, ticket=ticket)  # the searchable access log (docs/security.md)


def ticket_mark_printed(*, ticket, official):
    """The access audit for the printed case record (it carries the citizen's case out)."""
    _audit(ticket, "printed", official=official)
    log_ticket(official=official, ticket=ticket)


def log_attachment(*, official, attachment):
    """The access log: a console download of a chat's or a ticket's document."""
    if attachment.ticket_id:
        ticket = Ticket.objects.filter(pk=attachment.ticket_id).first()
        if ticket is not None:
            return log_ticket(official=official, ticket=ticket, action=AccessLog.Action.FILE_DOWNLOAD, attachment_id=attachment.pk)
    conversation = Conversation.objects.filter(pk=attachment.conversation_id).first() if attachment.conversation_id else None
    if conversation is not None:
        return log_conversation(official=official, conversation=conversation, action=AccessLog.Action.FILE_DOWNLOAD, attachment_id=attachment.pk)
    return None


# --- citizens ---------------------------------------------------------------------------------
def ticket_mail_bounced(*, ticket_id, message_id, to, subject, kind, reason, entry_id=None, now=None):
    """A mail to the citizen about this case came back (the mail app read a delivery report):
    the officials are told on the case, since the citizen did not get what it said.  An
    internal timeline event with the reason, the reply it carried marked, and the notice at the
    top of the ticket page (``ticket.data["mail_bounced"]``, shown until the citizen writes
    again).  Once per mail (``message_id``)."""
    now = now or clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("unit").filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        dedup_key = f"bounce:{message_id}"[:255]
        if _already_stored(ticket, dedup_key):
            return ticket
        notice = {"to": to, "subject": subject, "kind": kind, "reason": reason, "at": now.isoformat(), "entry": entry_id}
        sentence, _, detail = (reason or "").partition(" (")
        shown = f"{sentence} (\u2066{detail[:-1] if detail.endswith(')') else detail}\u2069)" if detail else sentence  # LTR isolate
        _entry(
            ticket, Entry.Kind.EVENT,
            f"ایمیل «{kind}» به نشانی \u2066{to}\u2069 به شهروند نرسید و برگشت خورد: {shown}. "
            "شهروند این ایمیل را دریافت نکرده است؛ از راه دیگری (تلفن) با او تماس بگیرید یا نشانی ایمیل را بررسی کنید.",
            public=False, data={"event": "mail_bounced", **notice}, channel="system", dedup_key=dedup_key, now=now,
        )
        if entry_id:
            bounced_entry = Entry.objects.filter(pk=entry_id, ticket=ticket).first()
            if bounced_entry is not None:
                bounced_entry.data = {**bounced_entry.data, "mail_bounced": True}
                bounced_entry.save(update_fields=["data"])
        ticket.data = {**ticket.data, "mail_bounced": notice}
        Ticket.objects.filter(pk=ticket.pk).update(data=ticket.data)
        _audit(ticket, "mail_bounced", changes={"to": to, "reason": reason}, now=now)
    return ticket


def ticket_follow_up(*, ticket_id, body, files=(), channel="web", dedup_key="", ip_address=None):
    """A citizen's message on their case (the tracking page or an email reply).  The caller has
    already checked the citizen may act on this ticket (access.py).  Reopens a waiting or
    resolved ticket; a closed one refuses."""
    body = _validate_body(body)
    checked = uploads.check_many(files)
    if ip_address:
        ratelimit.hit(
            "follow-up", ip_address, limit=_tickets_settings()["FOLLOW_UPS_PER_HOUR"], window=3600,
            message="پیام‌های زیادی از این نشانی ثبت شده است؛ لطفاً بعداً تلاش کنید.",
        )
    now = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("unit").filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        existing = _already_stored(ticket, dedup_key)
        if existing:
            return existing
        if ticket.status == S.CLOSED:
            raise Conflict("این پرونده بسته شده است؛ لطفاً درخواست تازه‌ای ثبت کنید.", code="ticket_closed")
        entry = _entry(ticket, Entry.Kind.CITIZEN, body, channel=channel, dedup_key=dedup_key, now=now)
        _save_attachments(ticket, entry, checked, side="citizen", now=now)
        citizen_wrote(ticket, entry, changes={"channel": channel}, now=now)
    return entry


def citizen_wrote(ticket, entry, *, changes, now):
    """After a citizen's message on a locked ticket (the tracking page, an email reply, a document
    in a chat opened for the case): the audit row ``follow_up``, the case reopened when it waited
    for the citizen or was resolved (the paused clocks move on), the assignee told."""
    _audit(ticket, "follow_up", actor="citizen", changes={"entry": entry.pk, **changes}, now=now)
    if ticket.status in REOPEN_ON_CITIZEN:
        _set_status(ticket, S.OPEN, actor="citizen", now=now)
    else:
        _touch(ticket, now)
    if ticket.assignee_id:
        realtime.to_official(ticket.assignee_id, {"type": events.TICKET_CHANGED, "ticket": wire.ticket_brief(ticket)})


# --- missing documents and objections ---------------------------------------------------------
DOCS_REQUEST_TEXT = (
    "برای ادامه رسیدگی، این مدرک را بفرستید یا اصلاح کنید:\n{missing}\n"
    "مدرک را از صفحه پیگیری پرونده، با پاسخ به همین ایمیل (با پیوست) یا در گفتگو بفرستید. "
    "تا رسیدن آن، مهلت‌های رسیدگی متوقف است."
)


def ticket_request_documents(*, ticket_id, official, missing, files=(), dedup_key=""):
    """An official asks the citizen for a missing or corrected document: a public answer that
    says what is missing (emailed, and by SMS where the case has a mobile), the case goes to
    «در انتظار مدارک شهروند» (its clocks stand still), and an audit row ``docs_requested``.
    The citizen's next message (tracking page, email reply with attachments) reopens it."""
    missing = _validate_body(missing, field="missing")
    with transaction.atomic():
        entry = ticket_reply(
            ticket_id=ticket_id, official=official, body=DOCS_REQUEST_TEXT.format(missing=missing), files=files,
            status=S.DOCS, dedup_key=dedup_key,
        )
        if entry.data.get("event") == "docs_requested":  # a resent form: stored once
            return entry
        entry.data = {**entry.data, "event": "docs_requested", "missing": missing}
        entry.save(update_fields=["data"])
        _audit(entry.ticket, "docs_requested", official=official, changes={"entry": entry.pk, "missing": missing}, now=entry.created_at)
    return entry


MAX_OBJECTION_CHARS = 2000


def ticket_object(*, ticket_id, reason, ip_address=None):
    """A citizen's objection («اعتراض») to a rejection: once per case, with a reason.  The caller
    has already checked the citizen may act on the case (access.py).  The case goes to the
    supervisor of its unit (``directory.selectors.supervisor_of``: the manager, a supervisor,
    else up the hierarchy), who sees it in their console from now on; status «اعتراض شهروند
    نزد سرپرست», an audit row ``objection``, a notice to the supervisor and to the unit."""
    reason = _validate_body(reason, field="reason")
    if len(reason) > MAX_OBJECTION_CHARS:
        raise ValidationError("دلیل اعتراض طولانی‌تر از ۲۰۰۰ نویسه است.", code="too_long", field="reason")
    if ip_address:
        ratelimit.hit(
            "follow-up", ip_address, limit=_tickets_settings()["FOLLOW_UPS_PER_HOUR"], window=3600,
            message="پیام‌های زیادی از این نشانی ثبت شده است؛ لطفاً بعداً تلاش کنید.",
        )
    now = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("unit", "unit__parent").filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound()
        if ticket.objected_at is not None:
            raise Conflict("برای این پرونده پیش‌تر اعتراض ثبت شده است؛ اعتراض فقط یک بار ممکن است.", code="already_objected")
        if ticket.status != S.REJECTED:
            raise Conflict("اعتراض فقط به پرونده‌ای که رد شده است ممکن است.", code="not_rejected")
        supervisor = supervisor_of(ticket.unit)
        entry = _entry(ticket, Entry.Kind.CITIZEN, f"اعتراض به رد پرونده: {reason}", data={"event": "objection"}, now=now)
        ticket.objected_at = now
        ticket.supervisor = supervisor
        ticket.resolved_at = None
        _start_resolution_clock(ticket, now)
        _touch(ticket, now, "objected_at", "supervisor", "resolved_at", "resolution_due", "resolution_warn_at", "sla_alerted")
        _set_status(ticket, S.OBJECTED, actor="citizen", now=now)
        _audit(ticket, "objection", actor="citizen",
               changes={"entry": entry.pk, "reason": reason, "supervisor": supervisor.pk if supervisor else None}, now=now)
        frame = {"type": events.TICKET_OVERDUE, "reason": "objection", "ticket": wire.ticket_brief(ticket)}
        realtime.to_units([ticket.unit_id], frame)
        if supervisor is not None:
            realtime.to_official(supervisor.pk, frame)
        notify.staff_notice(ticket, [supervisor, ticket.assignee], "objection")
    return entry
