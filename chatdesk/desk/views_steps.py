"""Workflow steps and the service survey (thin views over desk/steps.py and desk/survey.py).

- ``POST /console/requests/<ticket id>/step/``: an official of the current step's unit completes it.
- ``POST /survey/<code>/``: the citizen answers the service's survey (the tracking page's session
  opens the case).
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.views.decorators.http import require_POST

from chatdesk.core.views import page_errors, redirect_with_message
from chatdesk.directory.console import official_view
from chatdesk.tickets.access import access_ticket_for_rating_link, access_ticket_for_session, official_may_see_ticket

from . import steps, survey


def _console_ticket_path(request, official, ticket_id):
    return f"/console/tickets/{ticket_id}/"  # an int from the URL converter


@official_view
@require_POST
@page_errors(redirect_with_message(_console_ticket_path))
def console_step_complete(request, official, ticket_id):
    done = steps.request_step_complete(ticket_id=ticket_id, official=official)
    messages.success(request, f"مرحله «{done.title}» انجام شد.")
    if official_may_see_ticket(official, ticket_id):
        return HttpResponseRedirect(_console_ticket_path(request, official, ticket_id))
    return HttpResponseRedirect("/console/tickets/")  # referred to the next step's unit


@require_POST
@page_errors()  # missing, forbidden or a wrong token: one answer, 404
def service_survey(request, code):
    return _survey(request, lambda: access_ticket_for_session(request.session, code), lambda t: f"/track/{t.code}/")


@require_POST
@page_errors()
def service_survey_link(request, code, token):
    """The same survey from the "resolved" email's signed rating link (``/rate/<code>/<token>/``)."""
    return _survey(request, lambda: access_ticket_for_rating_link(code, token), lambda t: f"/rate/{t.code}/{token}/")


def _survey(request, opener, back):
    ticket = opener()

    @page_errors(redirect_with_message(lambda request: back(ticket)))
    def submit(request):
        survey.survey_submit(ticket=ticket, scores={k[1:]: v for k, v in request.POST.items() if k.startswith("q")})
        messages.success(request, "نظر شما ثبت شد؛ سپاسگزاریم.")
        return HttpResponseRedirect(back(ticket))

    return submit(request)
