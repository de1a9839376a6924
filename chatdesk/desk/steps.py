"""Steps a citizen can follow: an online request moves through its service's workflow steps
(``ServiceStep``), each owned by a unit.

- ``request_steps_start`` (called by ``requests.service_request_open`` inside its transaction)
  copies the service's steps onto the request; the first step starts at once, and the ticket is
  opened at the first step's unit.
- ``request_step_complete``: an official of the current step's unit completes it.  The next step
  starts; when it belongs to another unit the ticket is referred there with
  ``tickets.services.ticket_refer``, so access follows the current unit (the old unit's officials
  no longer see the case).  Completing the last step resolves the request
  (``ticket_set_status``), which offers the citizen the survey.
- Reads: ``request_steps_for_citizen`` (done / current / ahead, the unit that holds each step and
  the average time the step takes, computed from completed runs of the same service step) and
  ``current_step``.  Never an official's name: only units.
"""

from dataclasses import dataclass

from django.db import transaction

from chatdesk.core import clock
from chatdesk.core.errors import Conflict, NotFound
from chatdesk.core.persian import to_persian_digits
from chatdesk.directory.selectors import unit_ids_for_official
from chatdesk.tickets.access import access_ticket_for_official
from chatdesk.tickets.models import Ticket
from chatdesk.tickets.services import ticket_refer, ticket_set_status

from .models_profile import RequestStep, ServiceStep


# --- writes -------------------------------------------------------------------------------------
def request_steps_start(*, ticket, service, now=None):
    """Copy ``service``'s steps onto ``ticket`` (the caller holds the transaction).  No steps: nothing."""
    now = now or clock.now()
    steps = list(ServiceStep.objects.filter(service=service).order_by("order", "id"))
    RequestStep.objects.bulk_create([
        RequestStep(ticket=ticket, step=s, order=i, title=s.title, unit_id=s.unit_id, started_at=now if i == 1 else None)
        for i, s in enumerate(steps, 1)
    ])
    return len(steps)


def request_step_complete(*, ticket_id, official):
    """The official completes the request's current step.  Refused (one answer, 404) when the
    official may not see the ticket; refused (409) when the current step is another unit's, when
    the request has no step left, or when it is closed."""
    now = clock.now()
    with transaction.atomic():
        ticket = access_ticket_for_official(official, ticket_id, for_update=True)
        steps = list(RequestStep.objects.select_for_update().filter(ticket=ticket).select_related("unit").order_by("order"))
        if not steps:
            raise NotFound()
        current = next((s for s in steps if s.completed_at is None), None)
        if current is None or ticket.status == Ticket.Status.CLOSED:
            raise Conflict("همه مراحل این درخواست انجام شده است.", code="steps_done")
        if current.unit_id != ticket.unit_id or current.unit_id not in unit_ids_for_official(official):
            raise Conflict(f"این مرحله در دست «{current.unit.name}» است.", code="step_of_other_unit")
        current.completed_at, current.completed_by = now, official
        current.save(update_fields=["completed_at", "completed_by"])
        following = next((s for s in steps if s.order > current.order), None)
        if following is None:
            if ticket.status != Ticket.Status.RESOLVED:
                ticket_set_status(ticket_id=ticket.pk, official=official, status=Ticket.Status.RESOLVED)
            return current
        following.started_at = now
        following.save(update_fields=["started_at"])
        if following.unit_id != ticket.unit_id:
            ticket_refer(
                ticket_id=ticket.pk, official=official, to_unit_id=following.unit_id,
                reason=f"مرحله «{current.title}» انجام شد؛ مرحله بعد: «{following.title}».",
            )
    return current


# --- reads --------------------------------------------------------------------------------------
@dataclass
class StepView:
    order: int
    title: str
    unit_name: str
    state: str  # "done", "current", "ahead"
    started_at: object
    completed_at: object
    average: str  # "" when no completed run to average

    @property
    def order_display(self):
        return to_persian_digits(self.order)


def duration_display(seconds):
    """``۲ روز و ۳ ساعت`` / ``۴ ساعت`` / ``کمتر از یک ساعت``."""
    hours = int(seconds // 3600)
    days, hours = divmod(hours, 24)
    if days and hours:
        return to_persian_digits(f"{days} روز و {hours} ساعت")
    if days:
        return to_persian_digits(f"{days} روز")
    if hours:
        return to_persian_digits(f"{hours} ساعت")
    return "کمتر از یک ساعت"


def average_seconds_by_step(step_ids):
    """``{service step id: mean seconds}`` over completed runs of those steps."""
    totals = {}
    rows = RequestStep.objects.filter(step_id__in=step_ids, started_at__isnull=False, completed_at__isnull=False)
    for step_id, started, completed in rows.values_list("step_id", "started_at", "completed_at"):
        total, count = totals.get(step_id, (0.0, 0))
        totals[step_id] = (total + (completed - started).total_seconds(), count + 1)
    return {k: total / count for k, (total, count) in totals.items()}


def request_steps_for_citizen(ticket):
    """The request's steps as the tracking page shows them ([] when it has none)."""
    steps = list(RequestStep.objects.filter(ticket=ticket).select_related("unit").order_by("order"))
    averages = average_seconds_by_step([s.step_id for s in steps if s.step_id])
    current_seen = False
    out = []
    for s in steps:
        if s.completed_at is not None:
            state = "done"
        elif not current_seen and ticket.status != Ticket.Status.CLOSED:
            state, current_seen = "current", True
        else:
            state = "ahead"
        average = averages.get(s.step_id)
        out.append(StepView(s.order, s.title, s.unit.name, state, s.started_at, s.completed_at,
                            duration_display(average) if average is not None else ""))
    return out


def current_step(ticket):
    """The request's step now in progress (with its unit), or None."""
    return RequestStep.objects.filter(ticket=ticket, completed_at__isnull=True).select_related("unit").order_by("order").first()
