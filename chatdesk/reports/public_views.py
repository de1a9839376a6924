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
from chatdesk.core.errors import DomainError, NotFound, RateLimited
from chatdesk.core.persian import to_latin_digits
from chatdesk.core.tracking import rating_link_path  # noqa: F401  (the link this page answers)
from chatdesk.core.views import error_response, json_body

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
def rate_chat(request):
    data = json_body(request)
    if data is None or not isinstance(data.get("token"), str):
        return JsonResponse({"error": {"code": "bad_request", "message": "درخواست نامعتبر است."}}, status=400)
    try:
        conversation = access_conversation_for_rating(data["token"], address=client_address(request))
    except (NotFound, RateLimited) as error:  # RateLimited: too many wrong chat tokens (429)
        return error_response(error, 429 if isinstance(error, RateLimited) else 404)
    if "score" in data:
        try:
            services.rating_submit(
                conversation_id=conversation.pk, score=data.get("score"), comment=data.get("comment", ""),
                channel="widget", ip_address=client_address(request) or None,
            )
        except DomainError as error:
            status = None if isinstance(error, RateLimited) else 409 if error.code not in ("invalid_score", "invalid_comment", "too_long") else 400
            return error_response(error, status)
        conversation.refresh_from_db()
    return JsonResponse(_state_json(conversation, selectors.rating_for_conversation(conversation)), json_dumps_params={"ensure_ascii": False})


def _ticket_page(request, ticket, *, channel, action, survey_action=""):
    """The rating page of a ticket (both ways in); POST rates."""
    error = None
    if request.method == "POST":
        try:
            _rating, created = services.rating_submit(
                ticket_id=ticket.pk, score=request.POST.get("score"), comment=request.POST.get("comment", ""),
                channel=channel, ip_address=client_address(request) or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, "نظر شما ثبت شد. سپاسگزاریم." if created else "نظر شما به‌روز شد.")
            target = request.POST.get("next", "")
            if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
                return redirect(target)
            return redirect(request.path)
    rating = selectors.rating_for_ticket(ticket)
    state, until = services.rating_state(ticket, rating, clock.now())
    preselect = to_latin_digits(request.GET.get("score", "")) if rating is None else str(rating.score)
    return render(request, "reports/rate_ticket.html", {
        "ticket": ticket, "rating": rating, "state": state, "until": until, "error": error, "action": action,
        "preselect": preselect, "scores": range(5, 0, -1), "next": "",
        "survey_action": survey_action or f"/survey/{ticket.code}/",
    }, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def rate_ticket_session(request, code):
    try:
        ticket = access_ticket_for_rating_session(request.session, code)
    except NotFound as error:
        return render(request, "reports/rate_missing.html", {"message": error.message}, status=404)
    return _ticket_page(request, ticket, channel="tracking", action=request.path)


@require_http_methods(["GET", "POST"])
def rate_ticket_link(request, code, token):
    try:
        ticket = access_ticket_for_rating_link(code, token)
    except NotFound as error:
        return render(request, "reports/rate_missing.html", {"message": error.message}, status=404)
    # The service survey (chatdesk/desk/survey.py) answered through the same signed link.
    return _ticket_page(request, ticket, channel="email", action=request.path, survey_action=f"/survey/{ticket.code}/{token}/")


