from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from chatdesk.core.auth import client_address
from chatdesk.core.errors import DomainError, RateLimited
from chatdesk.core.views import json_body
from chatdesk.core import clock
from chatdesk.directory.selectors import menu_units, official_for_user

from . import selectors, services


def client_ip(request):
    """Kept for older imports: the proxy-aware address of ``core.auth.client_address``."""
    return client_address(request) or None


@require_POST
def chat_start(request):
    """Start a conversation: JSON ``{unit, name, mobile?, email?}`` -> ``{token, conversation_id}``.

    CSRF-protected like every form (the homepage sets the cookie)."""
    data = json_body(request)
    if data is None:
        return JsonResponse({"error": {"code": "bad_request", "message": "درخواست نامعتبر است."}}, status=400)
    try:
        started = services.conversation_start(
            unit_id=data.get("unit"),
            name=data.get("name"),
            mobile=data.get("mobile", ""),
            email=data.get("email", ""),
            ip_address=client_address(request) or None,
            message=data.get("message"),
        )
    except RateLimited as error:
        response = JsonResponse({"error": error.as_dict()}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except DomainError as error:
        return JsonResponse({"error": error.as_dict()}, status=400)
    body = {"token": started.token, "conversation_id": started.conversation.pk}
    if started.ticket_code:
        from chatdesk.core.tracking import format_tracking_code

        body.update(tracking_code=started.ticket_code, display_code=format_tracking_code(started.ticket_code))
    return JsonResponse(body, status=201)


@require_GET
@login_required
def console(request):
    official = official_for_user(request.user)
    if official is None:
        return render(request, "console/not_official.html", status=403)
    return render(request, "console/console.html", {"official": official, "console_config": {"wsPath": "/ws/console/"}})


@require_GET
def unit_state(request, unit_id):
    """Can a citizen reach this unit live now?  If not: why, and when it opens next."""
    unit = menu_units().filter(pk=unit_id, chat_enabled=True).first()
    if unit is None:
        return JsonResponse({"error": {"code": "not_found", "message": "واحد یافت نشد."}}, status=404)
    return JsonResponse(selectors.chat_availability(unit, clock.now()), json_dumps_params={"ensure_ascii": False})
