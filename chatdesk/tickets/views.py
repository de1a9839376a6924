"""Ticket pages: the officials' console (list, ticket page, actions) and the citizen's tracking
pages (lookup, case, follow-up, email link).  Thin: every write is a service, every read a
selector, every object through an access function (the same 404 for missing and forbidden)."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatdesk.chats.hooks import CASE_SESSION_KEY
from chatdesk.core.auth import client_address
from chatdesk.core import challenge, clock, ratelimit, uploads
from chatdesk.core.errors import DomainError, NotFound, RateLimited
from chatdesk.core.tracking import format_tracking_code, format_tracking_pin, parse_tracking_code, ticket_pin, ticket_token
from chatdesk.core.views import json_body, json_errors, page_errors
from chatdesk.directory.console import official_view
from chatdesk.directory.selectors import official_for_user, units_for_official

from . import access, chat_documents, record, selectors, services, track_sms
from .identity import citizen_identity
from .models import Ticket

S = Ticket.Status


def _ticket_of(official, ticket_id):
    """The official's ticket; Http404 for a ticket that is missing or not theirs, alike."""
    try:
        return access.access_ticket_for_official(official, ticket_id)
    except NotFound:
        raise Http404 from None


def _download(attachment):
    """Always a download, never rendered by the browser (design: uploads are never served inline)."""
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _shown_image(attachment):
    """``?inline=1`` of a chat document (#21: images shown in the chat): a JPEG or PNG is sent
    inline, with the Content-Type of what Pillow decodes (never the stored name or type: an
    image that does not decode, or anything else, is the usual download).  Never SVG: uploads
    accept only PDF, JPEG and PNG (core/uploads.py), and here only a decoded JPEG or PNG passes."""
    with attachment.file.open("rb") as f:
        content = f.read()
    content_type = uploads.decoded_image_type(content)
    if content_type is None:
        return _download(attachment)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- console ------------------------------------------------------------------------------------
@require_GET
@official_view
def console_list(request, official):
    now = clock.now()
    filters = selectors.parse_filters(request.GET)
    page = Paginator(selectors.tickets_for_official(official, filters, now), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for t in page.object_list:
        state = selectors.sla_state(t, now)
        rows.append((t, state, selectors.SLA.LABELS[state], selectors.current_clock(t)[1]))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/console_list.html",
        {
            "official": official,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "units": units_for_official(official),
            "statuses": S.choices,
            "kinds": Ticket.Kind.choices,
            "sla_choices": [(k, selectors.SLA.LABELS[k]) for k in ("ok", "warning", "breached")],
            "counts": selectors.counts_for_official(official, now),
            "sla_labels": selectors.SLA.LABELS,
            "params": request.GET,
        },
    )


ACTIONS = {
    "reply": lambda o, t, p, f: services.ticket_reply(ticket_id=t.pk, official=o, body=p.get("body"), files=f, status=p.get("then") or None),
    "note": lambda o, t, p, f: services.ticket_note(ticket_id=t.pk, official=o, body=p.get("body")),
    "assign": lambda o, t, p, f: services.ticket_assign(ticket_id=t.pk, official=o, assignee_id=p.get("assignee") or None),
    "refer": lambda o, t, p, f: services.ticket_refer(ticket_id=t.pk, official=o, to_unit_id=p.get("to_unit"), reason=p.get("reason")),
    "status": lambda o, t, p, f: services.ticket_set_status(ticket_id=t.pk, official=o, status=p.get("status")),
    "priority": lambda o, t, p, f: services.ticket_set_priority(ticket_id=t.pk, official=o, priority=p.get("priority")),
    "docs": lambda o, t, p, f: services.ticket_request_documents(ticket_id=t.pk, official=o, missing=p.get("missing"), files=f),
}
DONE = {
    "reply": "پاسخ ثبت شد و برای شهروند فرستاده می‌شود.",
    "note": "یادداشت داخلی ثبت شد.",
    "assign": "کارشناس پرونده تغییر کرد.",
    "refer": "پرونده ارجاع شد.",
    "status": "وضعیت پرونده تغییر کرد.",
    "priority": "اولویت پرونده تغییر کرد.",
    "docs": "درخواست مدارک برای شهروند فرستاده شد؛ تا رسیدن آن مهلت‌ها متوقف است.",
}
REFERRED_AWAY = "پرونده به «{unit}» ارجاع شد و از فهرست پرونده‌های شما خارج شد."


def _ticket_context(official, ticket, now):
    ident = citizen_identity(ticket, official)
    return {
        "ident": ident,
        "official": official,
        "ticket": ticket,
        "entries": selectors.timeline(ticket, public_only=False),
        "audit": selectors.audit_of(ticket),
        "sla": selectors.sla_state(ticket, now),
        "sla_label": selectors.SLA.LABELS[selectors.sla_state(ticket, now)],
        "clock": selectors.current_clock(ticket),
        "assignable": selectors.assignable_officials(ticket),
        "refer_units": selectors.referral_targets(ticket),
        # The selector opens on the ticket's true status (it used to show the first possible next
        # one, so a ticket «در انتظار پاسخ شما» read «در حال رسیدگی»), then the statuses it may take.
        "next_statuses": [(ticket.status, f"{S(ticket.status).label} (وضعیت کنونی)")]
        + [(s, S(s).label) for s in S.values if s in services.TRANSITIONS[ticket.status] and s != S.REFERRED],
        "reply_statuses": [(S.WAITING, "پاسخ و انتظار برای شهروند"), (S.RESOLVED, "پاسخ و پایان رسیدگی"), (S.REJECTED, "پاسخ و رد درخواست")],
        "statutory": selectors.statutory_state(ticket, now),
        "priorities": Ticket.Priority.choices,
        "show_identity": ident.visible,
        "mail_bounced": selectors.mail_bounce_notice(ticket),
    }


def _console_ticket_page(request, official, ticket, *, kept=None):
    context = _ticket_context(official, ticket, clock.now())
    context["kept"] = kept or {}
    return render(request, "tickets/console_ticket.html", context)


def _console_ticket_refused(request, error, official, ticket_id):
    """The ticket page again with the refusal and what was typed (files must be chosen again)."""
    messages.error(request, error.message)
    kept = {"action": request.POST.get("action"), **{k: request.POST.get(k, "") for k in ("body", "reason", "to_unit", "then", "missing")}}
    if request.FILES or uploads.refused_files(request):
        kept["files_lost"] = True
    return _console_ticket_page(request, official, _ticket_of(official, ticket_id), kept=kept)


@require_http_methods(["GET", "POST"])
@official_view
@page_errors(_console_ticket_refused)
def console_ticket(request, official, ticket_id):
    ticket = _ticket_of(official, ticket_id)
    if request.method == "GET":
        services.ticket_mark_viewed(ticket=ticket, official=official)
        return _console_ticket_page(request, official, ticket)
    action = request.POST.get("action")
    handler = ACTIONS.get(action)
    if handler is None:
        raise DomainError("درخواست نامعتبر است.", code="bad_request")
    uploads.raise_if_refused(request)  # an oversized file refuses the whole reply
    handler(official, ticket, request.POST, request.FILES.getlist("files"))
    if not access.official_may_see_ticket(official, ticket.pk):
        # Referred to a unit the official is not in: the case has left their list, so they
        # land on the list with the news instead of on a page that now answers 404.
        messages.success(request, REFERRED_AWAY.format(unit=selectors.unit_name_of_ticket(ticket.pk)))
        return redirect("tickets:console-list")
    messages.success(request, DONE[action])
    return redirect("tickets:console-ticket", ticket_id=ticket.pk)


@require_GET
@official_view
@page_errors()
def console_timeline(request, official, ticket_id):
    """The timeline alone: the ticket page reloads it when a change is announced on its socket."""
    ticket = access.access_ticket_for_official(official, ticket_id)
    return render(request, "tickets/_console_live.html", _ticket_context(official, ticket, clock.now()))


@require_GET
@official_view
@page_errors()
def console_file(request, official, ticket_id, attachment_id):
    ticket = access.access_ticket_for_official(official, ticket_id)
    attachment = access.access_attachment_for_official(official, attachment_id)
    if attachment.ticket_id != ticket.pk:
        raise Http404
    services.log_attachment(official=official, attachment=attachment)  # the access log (docs/security.md)
    return _download(attachment)


@require_GET
@json_errors
def chat_file_download(request, attachment_id):
    """``GET /api/chat/files/<id>/`` (docs/protocol.md): the chat token holder (``X-Chat-Token``)
    or an official, by the same rule as the ticket page's file URLs; one JSON 404 for a wrong
    token, a missing id and a document that is not the caller's."""
    token = request.META.get("HTTP_X_CHAT_TOKEN")
    if token:  # 429 for an address locked out for guessing chat tokens
        attachment = access.access_attachment_for_chat_token(token, attachment_id, address=client_address(request))
    else:
        official = official_for_user(request.user)
        attachment = access.access_attachment_for_official(official, attachment_id)
        services.log_attachment(official=official, attachment=attachment)  # the access log (docs/security.md)
    if request.GET.get("inline") == "1":
        return _shown_image(attachment)
    return _download(attachment)


# --- public tracking ------------------------------------------------------------------------------
LOOKUP_REFUSED = "تلاش‌های پیگیری از این نشانی بیش از حد مجاز است؛ لطفاً چند دقیقه بعد دوباره تلاش کنید."


def _lookup_limits(request, code):
    """Before a lookup: the per-address limit (every lookup), and for a code that is being
    guessed (``LOOKUPS_PER_CODE`` failed lookups of it in the window, from anywhere) a small
    limit of failures on that code per address.  A known code is never locked for everyone:
    its owner, from an address that has not been guessing it, still opens it with the right
    contact (and the link in the emails always works)."""
    settings_ = settings.TICKETS
    window = settings_["LOOKUP_WINDOW_SECONDS"]
    address = client_address(request) or None
    ratelimit.hit("track-address", address, limit=settings_["LOOKUPS_PER_ADDRESS"], window=window, message=LOOKUP_REFUSED)
    if code and address and ratelimit.count("track-code-failed", code, window=window) >= settings_["LOOKUPS_PER_CODE"]:
        if ratelimit.count("track-code-address-failed", f"{code}:{address}", window=window) >= settings_["LOOKUP_FAILURES_PER_CODE_AND_ADDRESS"]:
            raise RateLimited(LOOKUP_REFUSED, retry_after=window)


def _lookup_failed(request, code):
    """After a failed lookup of a well-formed code: counted per code and per (code, address)."""
    window = settings.TICKETS["LOOKUP_WINDOW_SECONDS"]
    if code:
        ratelimit.note("track-code-failed", code, window=window)
        ratelimit.note("track-code-address-failed", f"{code}:{client_address(request) or ''}", window=window)


def _lookup_page(request, error=None, *args, **kwargs):
    code_text = request.POST.get("code", request.GET.get("code", ""))
    guard = challenge.new() if challenge.enabled() else None
    context = {"error": error and error.message, "code": code_text, "contact": request.POST.get("contact", ""), "challenge": guard}
    return render(request, "tickets/track_lookup.html", context)


@require_http_methods(["GET", "POST"])
@page_errors(_lookup_page, shows_not_found=True)  # "no such case" is said on the lookup form
def track_lookup(request):
    if request.method == "GET":
        return _lookup_page(request)
    contact = request.POST.get("contact", "")
    code = parse_tracking_code(request.POST.get("code", request.GET.get("code", "")))
    _lookup_limits(request, code)
    challenge.check_post(request.POST)
    track_sms.refuse_bare_mobile(contact)  # with CHATDESK_TRACK_MOBILE_NEEDS_CODE: a mobile opens by SMS code only
    try:
        if not code:
            raise NotFound("کد پیگیری ۱۳ رقم است و به نظر نادرست وارد شده؛ لطفاً دوباره بررسی کنید.", code="bad_code")
        ticket = access.access_ticket_for_citizen(code, contact)
    except NotFound:
        _lookup_failed(request, code)
        raise
    access.remember_in_session(request.session, ticket)
    return redirect("tickets:track-case", code=ticket.code)


@require_GET
@page_errors(_lookup_page, shows_not_found=True)  # a dead link: the lookup form, 404, with the reason
def track_link(request, code, token):
    """The link in the citizen's emails: opens the case without typing."""
    ticket = access.access_ticket_by_link(code, token)
    access.remember_in_session(request.session, ticket)
    return redirect("tickets:track-case", code=ticket.code)


def _case_page(request, error=None, *, ticket, code=None):
    """The citizen's case page; after a refused follow-up or objection, with its message and what
    was typed (files must be chosen again)."""
    kept = ""
    if error is not None:
        ticket.refresh_from_db()
        files_chosen = bool(request.FILES) or bool(uploads.refused_files(request))
        messages.error(request, error.message + (" فایل‌ها را دوباره انتخاب کنید." if files_chosen else ""))
        kept = request.POST.get("reason" if request.POST.get("action") == "objection" else "body", "")
    return render(
        request,
        "tickets/track_case.html",
        {
            "ticket": ticket, "entries": selectors.timeline(ticket, public_only=True), "kept": kept, "form_key": _new_form_key(),
            "missing": selectors.documents_asked(ticket), "may_object": ticket.status == S.REJECTED and ticket.objected_at is None,
            "statutory": selectors.statutory_state(ticket, clock.now()),
            "docs_chat": chat_documents.chat_offered(ticket, clock.now()),
        },
    )


@require_http_methods(["GET", "POST"])
def track_case(request, code):
    try:
        ticket = access.access_ticket_for_session(request.session, code)
    except NotFound:
        return redirect(reverse("tickets:track") + "?code=" + (parse_tracking_code(code) or ""))
    if request.method == "GET":
        return _case_page(request, ticket=ticket)
    if request.POST.get("action") == "chat":  # send the missing documents in a live chat
        return _documents_chat(request, ticket)
    return _track_case_post(request, ticket=ticket, code=code)


@page_errors(_case_page)
def _track_case_post(request, *, ticket, code):
    objecting = request.POST.get("action") == "objection"
    if objecting:  # an objection to a rejection, once (services.ticket_object)
        services.ticket_object(ticket_id=ticket.pk, reason=request.POST.get("reason"), ip_address=(client_address(request) or None))
    else:
        uploads.raise_if_refused(request)  # an oversized file refuses the whole follow-up
        services.ticket_follow_up(
            ticket_id=ticket.pk, body=request.POST.get("body"), files=request.FILES.getlist("files"),
            ip_address=(client_address(request) or None), dedup_key=_form_key(request.POST.get("form_key")),
        )
    messages.success(request, "اعتراض شما ثبت شد و برای بررسی به سرپرست واحد فرستاده شد." if objecting else "پیام شما به پرونده افزوده شد.")
    return redirect("tickets:track-case", code=ticket.code)


def _documents_chat(request, ticket):
    """«فرستادن مدرک در گفتگوی آنلاین»: the next chat this browser starts with the case's unit
    is for this case (chat_documents.py); the widget opens on that unit."""
    now = clock.now()
    if not chat_documents.chat_offered(ticket, now):
        messages.error(request, "اکنون گفتگوی آنلاین با این واحد ممکن نیست؛ مدرک را با فرم همین صفحه بفرستید.")
        return redirect("tickets:track-case", code=ticket.code)
    request.session[CASE_SESSION_KEY] = chat_documents.session_case(ticket, now)
    return redirect(f"/?unit={ticket.unit_id}#chat")


@require_GET
@page_errors()
def track_file(request, code, attachment_id):
    ticket = access.access_ticket_for_session(request.session, code)
    attachment = selectors.public_attachment_of_ticket(ticket, attachment_id)
    if attachment is None:
        raise Http404
    return _download(attachment)


def _new_form_key():
    return "web:" + secrets.token_hex(12)


def _form_key(value):
    """A resubmitted form (double click, reload after a lost response) is stored once."""
    if isinstance(value, str) and value.startswith("web:") and len(value) == 28 and value[4:].isalnum():
        return value
    return ""


# --- the chat widget: how a citizen opens the ticket their chat became -------------------------
CHAT_TICKET_LOOKUPS_PER_ADDRESS = 60  # an hour


@require_POST
@json_errors
def chat_ticket(request):
    """``POST /api/chat/ticket/`` with JSON ``{"token": <conversation token>}`` (CSRF like every
    form) → ``{tracking_code, display_code, pin, pin_display, track_url}``: the ticket a chat
    became, with the secret link and the PIN that open it on /track/ (a chat may have given no
    mobile or email).  404 for a bad token and for a chat that is not a ticket alike."""
    data = json_body(request)
    if data is None or not isinstance(data.get("token"), str):
        raise DomainError("درخواست نامعتبر است.", code="bad_request")
    ratelimit.hit("chat-ticket-address", client_address(request) or None, limit=CHAT_TICKET_LOOKUPS_PER_ADDRESS, window=3600,
                  message="از این نشانی درخواست‌های زیادی ثبت شده است؛ لطفاً بعداً تلاش کنید.")
    ticket = access.access_ticket_for_conversation_token(data["token"], address=client_address(request))
    pin = ticket_pin(ticket)
    return JsonResponse(
        {
            "tracking_code": ticket.code,
            "display_code": format_tracking_code(ticket.code, persian=True),
            "pin": pin,
            "pin_display": format_tracking_pin(pin, persian=True),
            "track_url": reverse("tickets:track-link", kwargs={"code": ticket.code, "token": ticket_token(ticket, "link")}),
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --- the printable case record (record.py) ------------------------------------------------------
def _pdf(content, code):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{code}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@official_view
@page_errors()
def console_record(request, official, ticket_id):
    """The staff copy of the case record, for an official who may open the case (the same 404
    for a missing case and another unit's)."""
    ticket = access.access_ticket_for_official(official, ticket_id)
    services.ticket_mark_printed(ticket=ticket, official=official)
    return _pdf(record.case_record_pdf(ticket, official=official, identity=citizen_identity(ticket, official)), ticket.code)


@require_GET
@page_errors()
def track_record(request, code):
    """The citizen's copy (public entries only), for a browser that opened the case on /track/."""
    ticket = access.access_ticket_for_session(request.session, code)
    return _pdf(record.case_record_pdf(ticket), ticket.code)
