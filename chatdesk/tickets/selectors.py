"""Reads of tickets: the console list with its filters, timelines, SLA states and alerts."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from chatdesk.core import jalali
from chatdesk.core.ids import parse_id, query_id
from chatdesk.core.persian import search_key
from chatdesk.core.tracking import parse_tracking_code
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import unit_ids_for_official

from .identity import hidden_about_unit_ids
from .models import PAUSED_STATUSES, Attachment, AuditEvent, Entry, Ticket

S = Ticket.Status
OPEN_STATUSES = [S.NEW, S.OPEN, S.WAITING, S.DOCS, S.REFERRED, S.OBJECTED]
# Open and not waiting for the citizen: the clocks run (in WAITING and DOCS they stand still).
RUNNING_STATUSES = [S.NEW, S.OPEN, S.REFERRED, S.OBJECTED]
FINISHED_STATUSES = (S.RESOLVED, S.REJECTED, S.CLOSED)
PAGE_SIZE = 50


# --- SLA states ---------------------------------------------------------------------------------
class SLA:
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    MET = "met"
    MISSED = "missed"
    PAUSED = "paused"

    LABELS = {
        "ok": "در مهلت",
        "warning": "نزدیک به پایان مهلت",
        "breached": "گذشته از مهلت",
        "met": "در مهلت پاسخ داده شد",
        "missed": "دیرتر از مهلت پاسخ داده شد",
        "paused": "مهلت متوقف (در انتظار شهروند)",
    }


def current_clock(ticket):
    """(name, due, warn_at) of the SLA clock now running: first response, then resolution."""
    if ticket.first_response_at is None:
        return "first_response", ticket.first_response_due, ticket.first_response_warn_at
    return "resolution", ticket.resolution_due, ticket.resolution_warn_at


def sla_state(ticket, now):
    if ticket.status in PAUSED_STATUSES:
        return SLA.PAUSED
    if ticket.status in FINISHED_STATUSES:
        if ticket.resolution_due is None or ticket.resolved_at is None:
            return SLA.MET
        return SLA.MET if ticket.resolved_at <= ticket.resolution_due else SLA.MISSED
    _name, due, warn = current_clock(ticket)
    if due is not None and now >= due:
        return SLA.BREACHED
    if warn is not None and now >= warn:
        return SLA.WARNING
    return SLA.OK


def _sla_q(state, now):
    first = Q(first_response_at__isnull=True)
    later = Q(first_response_at__isnull=False)
    open_ = Q(status__in=RUNNING_STATUSES)
    if state == SLA.BREACHED:
        return open_ & ((first & Q(first_response_due__lte=now)) | (later & Q(resolution_due__lte=now)))
    if state == SLA.WARNING:
        return open_ & (
            (first & Q(first_response_warn_at__lte=now) & Q(first_response_due__gt=now))
            | (later & Q(resolution_warn_at__lte=now) & Q(resolution_due__gt=now))
        )
    if state == SLA.OK:
        return open_ & ~_sla_q(SLA.BREACHED, now) & ~_sla_q(SLA.WARNING, now)
    return None


def sla_alerts_due(now):
    """(level, ticket) for open tickets whose running clock passed its warning (1) or due (2)
    moment and has not been announced at that level yet."""
    rows = []
    breached = Ticket.objects.filter(_sla_q(SLA.BREACHED, now), sla_alerted__lt=2)
    warning = Ticket.objects.filter(_sla_q(SLA.WARNING, now), sla_alerted__lt=1)
    for ticket in breached.select_related("unit")[:500]:
        rows.append((2, ticket))
    for ticket in warning.select_related("unit")[:500]:
        rows.append((1, ticket))
    return rows


# --- the console list ---------------------------------------------------------------------------
@dataclass
class TicketFilters:
    status: str = ""  # a status, "active" (every open status) or "" (all)
    unit: int | None = None
    assignee: str = ""  # "me", "none", an official id, or ""
    sla: str = ""
    kind: str = ""
    date_from: dt.date | None = None  # Gregorian dates of the Jalali range the person typed
    date_to: dt.date | None = None
    q: str = ""
    errors: tuple = ()


def parse_filters(params):
    """Filters from a query string; unparseable values are dropped with a Persian error."""
    errors = []
    f = TicketFilters()
    status = params.get("status", "active")
    f.status = status if status in S.values or status in ("active", "") else "active"
    unit = params.get("unit", "")
    f.unit = query_id(unit)
    f.assignee = params.get("assignee", "")
    f.sla = params.get("sla", "") if params.get("sla", "") in (SLA.OK, SLA.WARNING, SLA.BREACHED) else ""
    f.kind = params.get("kind", "") if params.get("kind", "") in Ticket.Kind.values else ""
    for attr, label in (("date_from", "از تاریخ"), ("date_to", "تا تاریخ")):
        raw = (params.get(attr) or "").strip()
        if raw:
            try:
                setattr(f, attr, jalali.parse_date(raw))
            except ValueError:
                errors.append(f"«{label}» تاریخ شمسی معتبری نیست (نمونه: ۱۴۰۵/۰۹/۰۱).")
    f.q = (params.get("q") or "").strip()[:100]
    f.errors = tuple(errors)
    return f


def tickets_for_official(official, filters, now):
    unit_ids = unit_ids_for_official(official)
    qs = Ticket.objects.filter(Q(unit_id__in=unit_ids) | Q(supervisor=official)).select_related("unit", "assignee")
    if filters.status == "active":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    if filters.assignee == "me":
        qs = qs.filter(assignee=official)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif query_id(filters.assignee) is not None:
        qs = qs.filter(assignee_id=query_id(filters.assignee))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.sla:
        qs = qs.filter(_sla_q(filters.sla, now))
    if filters.date_from:
        qs = qs.filter(created_at__gte=jalali.local_datetime(filters.date_from, dt.time(0, 0)))
    if filters.date_to:
        qs = qs.filter(created_at__lt=jalali.local_datetime(filters.date_to + dt.timedelta(days=1), dt.time(0, 0)))
    if filters.q:
        code = parse_tracking_code(filters.q)
        if code:
            qs = qs.filter(code=code)
        else:
            for word in search_key(filters.q).split()[:5]:
                qs = qs.filter(search_key__contains=word)
            # A complainant hidden from this official cannot be found by their name or number: such
            # complaints are left out of free-text search for them (the code still finds them).
            hidden = hidden_about_unit_ids(official)
            if hidden:
                qs = qs.exclude(kind=Ticket.Kind.COMPLAINT, hide_identity=True, data__complaint__about_unit_id__in=sorted(hidden))
    return qs.order_by("-updated_at", "-id")


def assignable_officials(ticket):
    return Official.objects.filter(units=ticket.unit, user__is_active=True).order_by("display_name")


def referral_targets(ticket):
    """The units a ticket can be referred to: every other active unit."""
    return Unit.objects.filter(is_active=True).exclude(pk=ticket.unit_id).order_by("menu_order", "id")


def timeline(ticket, *, public_only):
    entries = Entry.objects.filter(ticket=ticket).select_related("official").prefetch_related("attachments")
    if public_only:
        entries = entries.filter(public=True)
    return list(entries.order_by("created_at", "id"))


def audit_of(ticket):
    return list(AuditEvent.objects.filter(ticket=ticket).select_related("official").order_by("created_at", "id"))


def attachment_of_ticket(ticket, attachment_id):
    return Attachment.objects.filter(pk=parse_id(attachment_id), ticket=ticket).first()


def public_attachment_of_ticket(ticket, attachment_id):
    """A document the citizen may download: on a public entry (or on none: the citizen's own)."""
    attachment = attachment_of_ticket(ticket, attachment_id)
    if attachment is None or (attachment.entry_id and not attachment.entry.public):
        return None
    return attachment


def counts_for_official(official, now):
    unit_ids = unit_ids_for_official(official)
    base = Ticket.objects.filter(unit_id__in=unit_ids)
    return {
        "active": base.filter(status__in=OPEN_STATUSES).count(),
        "mine": base.filter(status__in=OPEN_STATUSES, assignee=official).count(),
        "unassigned": base.filter(status__in=OPEN_STATUSES, assignee__isnull=True).count(),
        "warning": base.filter(_sla_q(SLA.WARNING, now)).count(),
        "breached": base.filter(_sla_q(SLA.BREACHED, now)).count(),
    }


def unit_name_of_ticket(ticket_id):
    """The name of the unit a ticket is in now (the console's message after a referral)."""
    return Ticket.objects.filter(pk=ticket_id).values_list("unit__name", flat=True).first() or ""
def mail_bounce_notice(ticket):
    """The notice for the ticket page when a mail to the citizen came back
    (services.ticket_mail_bounced), or None: none bounced, or the citizen wrote since (the
    officials are in touch again).  ``{"to", "subject", "kind", "reason", "at" (datetime)}``."""
    notice = (ticket.data or {}).get("mail_bounced")
    if not isinstance(notice, dict):
        return None
    try:
        at = dt.datetime.fromisoformat(notice.get("at") or "")
    except ValueError:
        return None
    if Entry.objects.filter(ticket=ticket, kind=Entry.Kind.CITIZEN, created_at__gt=at).exists():
        return None
    # "sentence (status: the server's words)": the technical part is shown left to right.
    sentence, _, detail = (notice.get("reason") or "").partition(" (")
    return {**notice, "at": at, "reason_text": sentence, "reason_detail": detail[:-1] if detail.endswith(")") else detail}


def statutory_overdue(now, *, limit=200):
    """Ids of cases whose clocks run, past their statutory deadline and not yet sent up."""
    return list(
        Ticket.objects.filter(status__in=RUNNING_STATUSES, statutory_due__lte=now, overdue_escalated_at__isnull=True)
        .order_by("statutory_due", "id").values_list("pk", flat=True)[:limit]
    )


def statutory_state(ticket, now):
    """(label, due) of the statutory deadline for the pages: paused, passed, or running."""
    if ticket.statutory_due is None or ticket.status in FINISHED_STATUSES:
        return "", ticket.statutory_due
    if ticket.status in PAUSED_STATUSES:
        return "متوقف تا رسیدن پاسخ یا مدارک شهروند", ticket.statutory_due
    if now >= ticket.statutory_due:
        return "گذشته از مهلت قانونی", ticket.statutory_due
    return "در مهلت قانونی", ticket.statutory_due


def documents_asked(ticket):
    """What the official asked the citizen to send (the latest request), while the case waits for it."""
    if ticket.status != S.DOCS:
        return ""
    entry = Entry.objects.filter(ticket=ticket, public=True, data__event="docs_requested").order_by("-created_at", "-id").first()
    return entry.data.get("missing", "") if entry else ""


CITIZEN_HISTORY_LIMIT = 20


def tickets_of_citizen(official, *, mobile, email, limit=CITIZEN_HISTORY_LIMIT):
    """A citizen's tickets (matched by mobile or email) that ``official`` may open
    (access.access_ticket_for_official's rule: own units, or a case sent up to them), newest
    first.  A complaint whose complainant is hidden from this official is left out: finding it by
    the number would name them (identity.py)."""
    match = Q()
    if mobile:
        match |= Q(citizen_mobile=mobile)
    if email:
        match |= Q(citizen_email__iexact=email)
    if not match:
        return []
    qs = Ticket.objects.filter(match).filter(Q(unit_id__in=unit_ids_for_official(official)) | Q(supervisor=official))
    hidden = hidden_about_unit_ids(official)
    if hidden:
        qs = qs.exclude(kind=Ticket.Kind.COMPLAINT, hide_identity=True, data__complaint__about_unit_id__in=sorted(hidden))
    return list(qs.select_related("unit").order_by("-created_at", "-id")[:limit])
