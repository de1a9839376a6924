"""Worker jobs over tickets' clocks: SLA warnings and breaches, and closing resolved tickets the
citizen did not answer.  Each alert and each close happens once, whichever worker gets there first."""

import datetime as dt

from django.db import transaction

from chatdesk.core import clock, events, realtime

from . import selectors, wire
from .models import Ticket
from .services import S
from .writes import audit, set_status, tickets_settings


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
    """Worker job: a ticket resolved for ``AUTO_CLOSE_DAYS`` without a word from the citizen closes."""
    now = now or clock.now()
    days = tickets_settings().get("AUTO_CLOSE_DAYS", 7)
    closed = 0
    for ticket_id in Ticket.objects.filter(status=S.RESOLVED, resolved_at__lte=now - dt.timedelta(days=days)).values_list("pk", flat=True)[:200]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id, status=S.RESOLVED).first()
            if ticket is None:
                continue
            set_status(ticket, S.CLOSED, actor="system", now=now)
            closed += 1
    return closed
