from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST

from chatdesk.core.auth import client_address
from chatdesk.core.tracking import format_tracking_code
from chatdesk.core.views import json_body, json_errors
from chatdesk.core import clock
from chatdesk.directory.console import official_view
from chatdesk.directory.selectors import menu_units

from . import faq, hooks, selectors, services


@require_POST
@json_errors
def chat_start(request):
    """Start a conversation: JSON ``{unit, name, mobile?, email?, message?, faq_opens?}`` ->
    ``{token, conversation_id}``.

    CSRF-protected like every form (the homepage sets the cookie)."""
    data = json_body(request)
    if data is None:
        return JsonResponse({"error": {"code": "bad_request", "message": "درخواست نامعتبر است."}}, status=400)
    opens = faq.parse_opens(data.get("faq_opens"))  # answers opened before (chats/faq.py), checked before anything is written
    started = services.conversation_start(
        unit_id=data.get("unit"),
        name=data.get("name"),
        mobile=data.get("mobile", ""),
        email=data.get("email", ""),
        ip_address=client_address(request) or None,
        message=data.get("message"),
        case=request.session.get(hooks.CASE_SESSION_KEY),
    )
    request.session.pop(hooks.CASE_SESSION_KEY, None)  # one chat per click on the tracking page
    faq.faq_chatted(opens, started.conversation.unit_id)
    body = {"token": started.token, "conversation_id": started.conversation.pk}
    if started.ticket_code:
        body.update(tracking_code=started.ticket_code, display_code=format_tracking_code(started.ticket_code))
    return JsonResponse(body, status=201)


@require_GET
@official_view
def console(request, official):
    return render(
        request, "console/console.html", {"official": official, "console_config": {"wsPath": "/ws/console/", "sound": static("sounds/new-chat.wav")}},
    )


@require_GET
def unit_state(request, unit_id):
    """Can a citizen reach this unit live now?  If not: why, and when it opens next."""
    unit = menu_units().filter(pk=unit_id, chat_enabled=True).first()
    if unit is None:
        return JsonResponse({"error": {"code": "not_found", "message": "واحد یافت نشد."}}, status=404)
    return JsonResponse(selectors.chat_availability(unit, clock.now()), json_dumps_params={"ensure_ascii": False})
