"""The citizen's side of ratings.

- ``POST /rate/chat/`` (the widget, JSON): ``{"token": …}`` gives the state of the chat's
  rating; ``{"token": …, "score": 1-5, "comment": …}`` rates or changes it.
- ``GET|POST /rate/<code>/``: the tracking page's session opens the ticket (the panel on the
  tracking page posts here and comes back with ``next``).
- ``GET|POST /rate/<code>/<token>/``: the signed link of the "resolved" email
  (``tracking.ticket_token(ticket, "rate")``).  GET only shows the form (mail scanners follow
  links); ``?score=5`` preselects a score.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from chatdesk.core import clock, jalali
from chatdesk.core.auth import client_address
from chatdesk.core.errors import DomainError
from chatdesk.core.persian import to_latin_digits
from chatdesk.core.tracking import rating_link_path  # noqa: F401  (the link this page answers)
from chatdesk.core.views import json_body, json_errors, page_errors

from chatdesk.tickets.access import access_ticket_for_rating_link

from . import selectors, services
from .access import access_conversation_for_rating, access_ticket_for_rating_session


def _rating_json(rating):
    if rating is None:
        return None
    return {"score": rating.score, "comment": rating.comment}


def _state_json(case, rating):
    state, until = services.rating_state(case, rating, clock.now())

    return {"state": state, "rating": _rating_json(rating), "until_display": jalali.format_datetime(until) if until else ""}


@require_POST
@json_errors
def rate_chat(request):
    data = json_body(request)
    if data is None or not isinstance(data.get("token"), str):
        raise DomainError("درخواست نامعتبر است.", code="bad_request")
    conversation = access_conversation_for_rating(data["token"], address=client_address(request))  # 429 after many wrong tokens
    if "score" in data:
        services.rating_submit(
            conversation_id=conversation.pk, score=data.get("score"), comment=data.get("comment", ""),
            channel="widget", ip_address=client_address(request) or None,
        )
        conversation.refresh_from_db()
    return JsonResponse(_state_json(conversation, selectors.rating_for_conversation(conversation)), json_dumps_params={"ensure_ascii": False})


def _ticket_page(request, ticket, *, channel, action, survey_action=""):
    """The rating page of a ticket (both ways in); POST rates, and a refusal shows the page again
    with its Persian reason (``core.views.page_errors``)."""

    def page(request, error=None):
        rating = selectors.rating_for_ticket(ticket)
        state, until = services.rating_state(ticket, rating, clock.now())
        preselect = to_latin_digits(request.GET.get("score", "")) if rating is None else str(rating.score)
        return render(request, "reports/rate_ticket.html", {
            "ticket": ticket, "rating": rating, "state": state, "until": until, "error": error and error.message, "action": action,
            "preselect": preselect, "scores": range(5, 0, -1), "next": "",
            "survey_action": survey_action or f"/survey/{ticket.code}/",
        })

    @page_errors(page)
    def rate(request):
        _rating, created = services.rating_submit(
            ticket_id=ticket.pk, score=request.POST.get("score"), comment=request.POST.get("comment", ""),
            channel=channel, ip_address=client_address(request) or None,
        )
        messages.success(request, "نظر شما ثبت شد. سپاسگزاریم." if created else "نظر شما به‌روز شد.")
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect(target)
        return redirect(request.path)

    return rate(request) if request.method == "POST" else page(request)


def _rate_missing(request, error, *args, **kwargs):
    """A rating page whose case this browser or link does not open (404)."""
    return render(request, "reports/rate_missing.html", {"message": error.message})


@require_http_methods(["GET", "POST"])
@page_errors(_rate_missing, shows_not_found=True)
def rate_ticket_session(request, code):
    ticket = access_ticket_for_rating_session(request.session, code)
    return _ticket_page(request, ticket, channel="tracking", action=request.path)


@require_http_methods(["GET", "POST"])
@page_errors(_rate_missing, shows_not_found=True)
def rate_ticket_link(request, code, token):
    ticket = access_ticket_for_rating_link(code, token)
    # The service survey (chatdesk/desk/survey.py) answered through the same signed link.
    return _ticket_page(request, ticket, channel="email", action=request.path, survey_action=f"/survey/{ticket.code}/{token}/")


