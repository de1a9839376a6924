"""Worker jobs over tickets' clocks: SLA warnings and breaches, and closing resolved tickets the
citizen did not answer.  Each alert and each close happens once, whichever worker gets there first."""

import datetime as dt

from django.db import transaction

from chatdesk.core import clock, events, jalali, realtime
from chatdesk.directory.selectors import supervisor_of

from . import notify, selectors, wire
from .models import Entry, Ticket
from .services import S
from .writes import FINISHED, add_entry, audit, set_status, tickets_settings


# --- SLA ---------------------------------------------------------------------------------------
def sla_sweep(*, now=None):
    """Worker job: warn the unit (and the assignee) when a ticket's current SLA clock passes its
    warning point, and again at the breach.  Each alert is sent once: the conditional update of
    ``sla_alerted`` decides, whichever worker gets there first."""
    now = now or clock.now()
    sent = 0
    for level, ticket in selectors.sla_alerts_due(now):
        if not Ticket.objects.filter(pk=ticket.pk, sla_alerted__lt=level).update(sla_alerted=level):
            continue
        with transaction.atomic():
            action = "sla_warning" if level == 1 else "sla_breach"
            clock_name = "first_response" if ticket.first_response_at is None else "resolution"
            audit(ticket, action, changes={"clock": clock_name}, now=now)
            frame = {"type": events.TICKET_SLA, "level": action, "clock": clock_name, "ticket": wire.ticket_brief(ticket)}
            realtime.to_units([ticket.unit_id], frame)
            if ticket.assignee_id:
                realtime.to_official(ticket.assignee_id, frame)
        sent += 1
    return sent


def auto_close_sweep(*, now=None):
    """Worker job: a ticket resolved (or rejected) for ``AUTO_CLOSE_DAYS`` without a word from the
    citizen closes (a rejected case's objection is possible until then)."""
    now = now or clock.now()
    days = tickets_settings().get("AUTO_CLOSE_DAYS", 7)
    closed = 0
    for ticket_id in Ticket.objects.filter(status__in=FINISHED, resolved_at__lte=now - dt.timedelta(days=days)).values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id, status__in=FINISHED).first()
            if ticket is None:
                continue
            set_status(ticket, S.CLOSED, actor="system", now=now)
            closed += 1
    return closed


# --- statutory deadlines ------------------------------------------------------------------------
def statutory_sweep(*, now=None):
    """Worker job: a case whose clocks run and whose statutory deadline («مهلت قانونی پاسخ», in
    working days) has passed goes up to the supervisor of the parent unit (the unit's own when it
    has no parent; ``directory.selectors.supervisor_of``), exactly once whichever worker gets
    there first (the conditional update of ``overdue_escalated_at`` decides): the supervisor sees
    the case in their console, an audit row ``overdue_escalated``, an internal timeline event,
    and a notice to the unit's consoles, the assignee and the supervisor: a ``ticket.overdue``
    frame, and an email (``notify.staff_notice``) to the assignee, the unit's own head and the
    supervisor above."""
    now = now or clock.now()
    sent = 0
    for ticket_id in selectors.statutory_overdue(now):
        with transaction.atomic():
            if not Ticket.objects.filter(pk=ticket_id, overdue_escalated_at__isnull=True, statutory_due__lte=now).update(overdue_escalated_at=now):
                continue
            ticket = Ticket.objects.select_for_update().select_related("unit", "unit__parent").get(pk=ticket_id)
            supervisor = supervisor_of(ticket.unit.parent or ticket.unit)
            if supervisor is not None and ticket.supervisor_id is None:
                ticket.supervisor = supervisor
                Ticket.objects.filter(pk=ticket.pk).update(supervisor=supervisor)
            due_text = jalali.format_date(ticket.statutory_due, long=True)
            who = f"به {supervisor.display_name} ({supervisor.position or 'سرپرست'})" if supervisor else "(سرپرستی برای واحد بالادستی ثبت نشده است)"
            add_entry(
                ticket, Entry.Kind.EVENT,
                f"مهلت قانونی پاسخ ({due_text}) گذشت؛ پرونده برای پیگیری {who} فرستاده شد.",
                public=False, data={"event": "overdue_escalated", "supervisor": supervisor.pk if supervisor else None}, now=now,
            )
            audit(ticket, "overdue_escalated",
                  changes={"statutory_due": ticket.statutory_due.isoformat(), "supervisor": supervisor.pk if supervisor else None}, now=now)
            frame = {"type": events.TICKET_OVERDUE, "reason": "statutory", "ticket": wire.ticket_brief(ticket)}
            realtime.to_units([ticket.unit_id], frame)
            for official_id in {ticket.assignee_id, supervisor.pk if supervisor else None} - {None}:
                realtime.to_official(official_id, frame)
            notify.staff_notice(ticket, [ticket.assignee, supervisor_of(ticket.unit), supervisor], "statutory")
        sent += 1
    return sent
