"""Workflow steps and the service survey (thin views over desk/steps.py and desk/survey.py).

- ``POST /console/requests/<ticket id>/step/``: an official of the current step's unit completes it.
- ``POST /survey/<code>/``: the citizen answers the service's survey (the tracking page's session
  opens the case).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_POST

from chatdesk.core.errors import DomainError, NotFound
from chatdesk.directory.selectors import official_for_user
from chatdesk.tickets.access import access_ticket_for_rating_link, access_ticket_for_session, official_may_see_ticket

from . import steps, survey


@login_required
@require_POST
def console_step_complete(request, ticket_id):
    official = official_for_user(request.user)
    if official is None:
        raise Http404()
    try:
        done = steps.request_step_complete(ticket_id=ticket_id, official=official)
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(f"/console/tickets/{int(ticket_id)}/")
    messages.success(request, f"مرحله «{done.title}» انجام شد.")
    if official_may_see_ticket(official, ticket_id):
        return HttpResponseRedirect(f"/console/tickets/{int(ticket_id)}/")
    return HttpResponseRedirect("/console/tickets/")  # referred to the next step's unit


@require_POST
def service_survey(request, code):
    return _survey(request, lambda: access_ticket_for_session(request.session, code), lambda t: f"/track/{t.code}/")


@require_POST
def service_survey_link(request, code, token):
    """The same survey from the "resolved" email's signed rating link (``/rate/<code>/<token>/``)."""
    return _survey(request, lambda: access_ticket_for_rating_link(code, token), lambda t: f"/rate/{t.code}/{token}/")


def _survey(request, opener, back):
    try:
        ticket = opener()
    except DomainError:  # missing, forbidden or a wrong token: one answer
        raise Http404() from None
    try:
        survey.survey_submit(ticket=ticket, scores={k[1:]: v for k, v in request.POST.items() if k.startswith("q")})
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(back(ticket))
    messages.success(request, "نظر شما ثبت شد؛ سپاسگزاریم.")
    return HttpResponseRedirect(back(ticket))
