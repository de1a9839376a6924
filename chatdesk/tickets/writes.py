"""The tickets app's small writers: the steps every ticket service is made of (an audit row, a
thread entry, an SLA clock, a status change, a fresh ticket row).  Public so that the services in
tickets/ (services, escalation, sweeps) and desk/meetings.py share them; none takes a lock or
opens a transaction: **the caller holds the ticket's lock** inside its own ``transaction.atomic``.
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from chatdesk.core import clock, events, realtime
from chatdesk.core.persian import search_index
from chatdesk.core.tracking import new_tracking_code
from chatdesk.directory import schedule

from . import notify, wire
from .models import AuditEvent, Entry, Ticket

S = Ticket.Status
# The statuses in which the clocks stand still (the case waits for the citizen).
PAUSED = {S.WAITING, S.DOCS}
# The statuses that end the handling (resolved_at is set; the SLA is met or missed).
FINISHED = {S.RESOLVED, S.REJECTED}


def tickets_settings():
    """settings.TICKETS (SLA fractions, limits)."""
    return settings.TICKETS


def audit(ticket, action, *, official=None, actor=None, changes=None, now=None):
    """Write one AuditEvent row for ``ticket``.  Part of a service's transaction: the caller holds
    the ticket's lock."""
    return AuditEvent.objects.create(
        ticket=ticket,
        official=official,
        actor=actor or ("official" if official else "system"),
        action=action,
        changes=changes or {},
        created_at=now or clock.now(),
    )


def touch(ticket, now, *fields):
    """Set ``updated_at`` (and save ``fields`` as they are on ``ticket``) in one UPDATE.  The caller
    holds the ticket's lock."""
    ticket.updated_at = now
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=now, **{f: getattr(ticket, f) for f in fields})


def add_entry(ticket, kind, body="", *, public=True, official=None, data=None, channel="web", dedup_key="", now=None, created_at=None, announce=True):
    """Append an Entry to the ticket's thread (a note is never public), extend the ticket's search
    key with its text and, unless ``announce=False``, tell the staff after commit.  The caller holds
    the ticket's lock."""
    now = now or clock.now()
    entry = Entry.objects.create(
        ticket=ticket,
        kind=kind,
        public=public and kind != Entry.Kind.NOTE,
        official=official,
        body=body,
        data=data or {},
        channel=channel,
        dedup_key=dedup_key,
        created_at=created_at or now,
    )
    if body and kind != Entry.Kind.EVENT:
        ticket.search_key = f"{ticket.search_key} {search_index(body)}".strip()
        Ticket.objects.filter(pk=ticket.pk).update(search_key=ticket.search_key)
    if announce:
        announce_changed(ticket)
    return entry


def announce_changed(ticket):
    """Tell the officials watching this ticket (and its unit's lists) that it changed."""
    frame = {"type": events.TICKET_CHANGED, "ticket": wire.ticket_brief(ticket)}
    realtime.to_ticket_staff(ticket.pk, frame)
    realtime.to_units([ticket.unit_id], frame)


def sla_moments(unit, start, minutes):
    """(due, warn_at) ``minutes`` of ``unit``'s office time after ``start``; (None, None) for a unit
    with no office hours."""
    seconds = minutes * 60
    warn = int(seconds * tickets_settings()["SLA_WARN_FRACTION"])
    try:
        return schedule.add_business_seconds(unit, start, seconds), schedule.add_business_seconds(unit, start, warn)
    except ValueError:  # a unit with no office hours at all: no deadline can be promised
        return None, None


def start_first_response_clock(ticket, start):
    """Set the first-response SLA deadline and warning on ``ticket`` (not saved: the caller saves)."""
    ticket.first_response_due, ticket.first_response_warn_at = sla_moments(ticket.unit, start, ticket.unit.first_response_minutes)


def start_resolution_clock(ticket, start):
    """Set the resolution SLA deadline and warning on ``ticket`` and re-arm its alerts (not saved:
    the caller saves)."""
    ticket.resolution_due, ticket.resolution_warn_at = sla_moments(ticket.unit, start, ticket.unit.resolution_minutes)
    ticket.sla_alerted = 0


def statutory_days(*, kind, unit, service_days=None):
    """The statutory response deadline of a case in working days: the service's own value, else
    the unit's ``response_days``, else ``settings.TICKETS["STATUTORY_DAYS"]`` for the kind."""
    if service_days:
        return int(service_days)
    if unit.response_days:
        return unit.response_days
    table = tickets_settings()["STATUTORY_DAYS"]
    return int(table.get(kind, table["default"]))


def start_statutory_clock(ticket, start, *, service_days=None):
    """Set the statutory deadline on ``ticket`` (not saved: the caller saves)."""
    days = statutory_days(kind=ticket.kind, unit=ticket.unit, service_days=service_days)
    try:
        ticket.statutory_due = schedule.add_working_days(ticket.unit, start, days)
    except ValueError:  # a unit that never opens: no deadline can be promised
        ticket.statutory_due = None


CLOCK_FIELDS = ("first_response_due", "first_response_warn_at", "resolution_due", "resolution_warn_at", "statutory_due")


def pause_clocks(ticket, now):
    """The case now waits for the citizen: every clock stands still from ``now``."""
    ticket.clock_paused_at = now
    return ["clock_paused_at"]


def resume_clocks(ticket, now):
    """The wait is over: each deadline that had not passed when the clocks stopped moves on by
    the office time that passed while they stood (office hours, weekends and holidays of the
    unit, as the clocks count it), so what was left of it is left again.  A deadline already
    passed stays passed.  Returns the fields changed.  The caller holds the ticket's lock."""
    paused_at = ticket.clock_paused_at
    if paused_at is None:
        return []
    changes = {}
    for field in CLOCK_FIELDS:
        due = getattr(ticket, field)
        if due is None or due <= paused_at:
            continue
        try:
            left = schedule.business_seconds_between(ticket.unit, paused_at, due)
            moved = schedule.add_business_seconds(ticket.unit, max(now, paused_at), left)
        except ValueError:
            continue
        setattr(ticket, field, moved)
        changes[field] = [due.isoformat(), moved.isoformat()]
    ticket.clock_paused_at = None
    audit(ticket, "clock_resumed", changes={"paused_at": paused_at.isoformat(), **changes}, now=now)
    return [*CLOCK_FIELDS, "clock_paused_at"]


def new_code():
    """A fresh tracking code."""
    return new_tracking_code()


def insert_ticket(**fields):
    """Create a ticket with a fresh random code (a collision, about one in 10^12, retries)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Ticket.objects.create(code=new_code(), **fields)
        except IntegrityError:
            if "conversation" in fields and Ticket.objects.filter(conversation=fields["conversation"]).exists():
                raise
            continue
    raise RuntimeError("could not allocate a tracking code")


def index_ticket(ticket):
    """Recompute and save the ticket's search key from its code, subject and citizen."""
    parts = [ticket.code, ticket.subject, ticket.citizen_name, ticket.citizen_mobile, ticket.citizen_email]
    ticket.search_key = search_index(" ".join(p for p in parts if p))
    Ticket.objects.filter(pk=ticket.pk).update(search_key=ticket.search_key)


def set_status(ticket, new, *, official=None, actor=None, now):
    """Move ``ticket`` to status ``new`` (no check of the transition: the caller has checked it),
    with its audit row, thread event and the citizen's notice; False if it already had it.  The
    caller holds the ticket's lock."""
    old = ticket.status
    if old == new:
        return False
    ticket.status = new
    fields = ["status"]
    if old in PAUSED and new not in PAUSED:
        fields += resume_clocks(ticket, now)
    elif new in PAUSED and old not in PAUSED:
        fields += pause_clocks(ticket, now)
    if new in FINISHED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    if new == S.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    if new == S.OPEN and old in (S.RESOLVED, S.REJECTED, S.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
        start_resolution_clock(ticket, now)
        fields += ["resolved_at", "closed_at", "resolution_due", "resolution_warn_at", "sla_alerted"]
    touch(ticket, now, *fields)
    action = "reopened" if new == S.OPEN and old in (S.WAITING, S.DOCS, S.RESOLVED, S.CLOSED) and actor == "citizen" else "status"
    audit(ticket, action, official=official, actor=actor, changes={"status": [old, new]}, now=now)
    add_entry(
        ticket, Entry.Kind.EVENT, f"وضعیت: {S(new).label}", official=official,
        data={"event": "status", "from": old, "to": new}, now=now,
    )
    notify.status_changed(ticket, old, new)
    return True
