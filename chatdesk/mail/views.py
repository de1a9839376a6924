"""HTTP views of the mail app: the widget's transcript request and the held-mail page of the
console (a held message waits for an official of its unit to attach or discard it)."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chatdesk.chats.access import access_conversation_for_token
from chatdesk.core import jalali, ratelimit
from chatdesk.core.auth import client_address
from chatdesk.core.errors import DomainError, NotFound
from chatdesk.core.views import json_body, json_errors, page_errors
from chatdesk.directory.console import not_official_page, official_view

from . import inbound, selectors, services


TRANSCRIPTS_PER_ADDRESS = 20  # an hour


@require_POST
@json_errors
def transcript(request):
    """``POST /api/chat/transcript/`` with JSON ``{"token": <conversation token>}`` (CSRF like
    every form) → 202 ``{"queued": true, "email": "m***@example.com"}``."""
    data = json_body(request)
    if data is None or not isinstance(data.get("token"), str):
        raise DomainError("درخواست نامعتبر است.", code="bad_request")
    # Per address too (docs/security.md#rate-limits): one address trying many tokens.
    ratelimit.hit("transcript-address", client_address(request), limit=TRANSCRIPTS_PER_ADDRESS, window=3600,
                  message="از این نشانی درخواست‌های زیادی برای فرستادن متن گفتگو ثبت شده است؛ لطفاً بعداً تلاش کنید.")
    conversation = access_conversation_for_token(data["token"], address=client_address(request))
    services.transcript_request(conversation_id=conversation.pk)
    return JsonResponse({"queued": True, "email": mask(conversation.citizen_email)}, status=202)


def mask(address):
    local, _, domain = (address or "").partition("@")
    return (local[:1] + "***@" + domain) if domain else ""


@require_GET
@official_view
def held_list(request, official):
    rows = [
        {"mail": m, "received": jalali.format_datetime(m.received_at), "reason": REASONS.get(m.reason, m.reason)}
        for m in selectors.held_for_official(official)
    ]
    return render(request, "mail/held_list.html", {"official": official, "rows": rows})


REASONS = {
    "sender_mismatch": "فرستنده با ایمیل ثبت‌شده در پرونده یکی نیست",
    "bad_token": "نشانی پاسخ این پرونده نامعتبر یا باطل‌شده است",
}


def _held_refused(request, error, official, inbound_id, action):
    """A held mail that is not this official's (or is gone): the console's 404; any other refusal
    back to the list with its message."""
    if isinstance(error, NotFound):
        return not_official_page(request)
    messages.error(request, error.message)
    return redirect("mail:held")


@require_POST
@official_view
@page_errors(_held_refused, shows_not_found=True)
def held_action(request, official, inbound_id, action):
    if action == "attach":
        inbound.held_attach(inbound_id=inbound_id, official=official)
        messages.success(request, "ایمیل به پرونده افزوده شد.")
    else:
        inbound.held_discard(inbound_id=inbound_id, official=official)
        messages.success(request, "ایمیل کنار گذاشته شد.")
    return redirect("mail:held")
