"""Ticket pages: the officials' console (list, ticket page, actions) and the citizen's tracking
pages (lookup, case, follow-up, email link).  Thin: every write is a service, every read a
selector, every object through an access function (the same 404 for missing and forbidden)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatdesk.core.auth import client_address
from chatdesk.core import challenge, clock, ratelimit, uploads
from chatdesk.core.errors import DomainError, NotFound, RateLimited
from chatdesk.core.tracking import format_tracking_code, format_tracking_pin, parse_tracking_code, ticket_pin, ticket_token
from chatdesk.core.views import json_body
from chatdesk.directory.console import official_or_page
from chatdesk.directory.selectors import official_for_user, units_for_official

from . import access, record, selectors, services, track_sms
from .identity import citizen_identity
from .models import Ticket

S = Ticket.Status


def _official_and_ticket(request, ticket_id):
    """(official, ticket, None) or (None, None, a 403 response); Http404 for a ticket that is
    missing or not the official's, alike."""
    official, denied = official_or_page(request)
    if denied:
        return None, None, denied
    try:
        return official, access.access_ticket_for_official(official, ticket_id), None
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
@login_required
def console_list(request):
    official, denied = official_or_page(request)
    if denied:
        return denied
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


@require_http_methods(["GET", "POST"])
@login_required
def console_ticket(request, ticket_id):
    official, ticket, denied = _official_and_ticket(request, ticket_id)
    if denied:
        return denied
    status = 200
    kept = {}
    if request.method == "POST":
        action = request.POST.get("action")
        handler = ACTIONS.get(action)
        try:
            if handler is None:
                raise DomainError("درخواست نامعتبر است.", code="bad_request")
            uploads.raise_if_refused(request)  # an oversized file refuses the whole reply
            handler(official, ticket, request.POST, request.FILES.getlist("files"))
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, error.message)
            kept = {"action": action, **{k: request.POST.get(k, "") for k in ("body", "reason", "to_unit", "then", "missing")}}
            if request.FILES or uploads.refused_files(request):
                kept["files_lost"] = True
            status = 400
        else:
            if not access.official_may_see_ticket(official, ticket.pk):
                # Referred to a unit the official is not in: the case has left their list, so they
                # land on the list with the news instead of on a page that now answers 404.
                messages.success(request, REFERRED_AWAY.format(unit=selectors.unit_name_of_ticket(ticket.pk)))
                return redirect("tickets:console-list")
            messages.success(request, DONE[action])
            return redirect("tickets:console-ticket", ticket_id=ticket.pk)
        ticket = access.access_ticket_for_official(official, ticket.pk)
    else:
        services.ticket_mark_viewed(ticket=ticket, official=official)
    context = _ticket_context(official, ticket, clock.now())
    context["kept"] = kept
    return render(request, "tickets/console_ticket.html", context, status=status)


@require_GET
@login_required
def console_timeline(request, ticket_id):
    """The timeline alone: the ticket page reloads it when a change is announced on its socket."""
    official, ticket, denied = _official_and_ticket(request, ticket_id)
    if denied:
        return denied
    return render(request, "tickets/_console_live.html", _ticket_context(official, ticket, clock.now()))


@require_GET
@login_required
def console_file(request, ticket_id, attachment_id):
    official, ticket, denied = _official_and_ticket(request, ticket_id)
    if denied:
        return denied
    try:
        attachment = access.access_attachment_for_official(official, attachment_id)
    except NotFound:
        raise Http404 from None
    if attachment.ticket_id != ticket.pk:
        raise Http404
    services.log_attachment(official=official, attachment=attachment)  # the access log (docs/security.md)
    return _download(attachment)


@require_GET
def chat_file_download(request, attachment_id):
    """``GET /api/chat/files/<id>/`` (docs/protocol.md): the chat token holder (``X-Chat-Token``)
    or an official, by the same rule as the ticket page's file URLs; one JSON 404 for a wrong
    token, a missing id and a document that is not the caller's."""
    token = request.META.get("HTTP_X_CHAT_TOKEN")
    try:
        if token:
            attachment = access.access_attachment_for_chat_token(token, attachment_id, address=client_address(request))
        else:
            official = official_for_user(request.user)
            attachment = access.access_attachment_for_official(official, attachment_id)
            services.log_attachment(official=official, attachment=attachment)  # the access log (docs/security.md)
    except NotFound as error:
        return JsonResponse({"error": error.as_dict()}, status=404, json_dumps_params={"ensure_ascii": False})
    except RateLimited as error:  # an address locked out for guessing chat tokens
        return _rate_limited(JsonResponse({"error": error.as_dict()}, status=429, json_dumps_params={"ensure_ascii": False}), error)
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


def _rate_limited(response, error):
    """A 429 page or answer carries ``Retry-After`` (docs/security.md#rate-limits)."""
    response["Retry-After"] = str(error.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def track_lookup(request):
    error = None
    status = 200
    limited = None
    code_text = request.POST.get("code", request.GET.get("code", ""))
    contact = request.POST.get("contact", "")
    if request.method == "POST":
        try:
            code = parse_tracking_code(code_text)
            _lookup_limits(request, code)
            challenge.check_post(request.POST)
            track_sms.refuse_bare_mobile(contact)  # with CHATDESK_TRACK_MOBILE_NEEDS_CODE: a mobile opens by SMS code only
            if not code:
                raise NotFound("کد پیگیری ۱۳ رقم است و به نظر نادرست وارد شده؛ لطفاً دوباره بررسی کنید.", code="bad_code")
            ticket = access.access_ticket_for_citizen(code, contact)
        except RateLimited as exc:
            error, status, limited = exc.message, 429, exc
        except NotFound as exc:
            _lookup_failed(request, code)
            error, status = exc.message, 404
        except DomainError as exc:  # the security question
            error, status = exc.message, 400
        else:
            access.remember_in_session(request.session, ticket)
            return redirect("tickets:track-case", code=ticket.code)
    guard = challenge.new() if challenge.enabled() else None
    response = render(request, "tickets/track_lookup.html", {"error": error, "code": code_text, "contact": contact, "challenge": guard}, status=status)
    return _rate_limited(response, limited) if limited else response


@require_GET
def track_link(request, code, token):
    """The link in the citizen's emails: opens the case without typing."""
    try:
        ticket = access.access_ticket_by_link(code, token)
    except NotFound as exc:
        return render(request, "tickets/track_lookup.html", {"error": exc.message, "code": ""}, status=404)
    access.remember_in_session(request.session, ticket)
    return redirect("tickets:track-case", code=ticket.code)


@require_http_methods(["GET", "POST"])
def track_case(request, code):
    try:
        ticket = access.access_ticket_for_session(request.session, code)
    except NotFound:
        return redirect(reverse("tickets:track") + "?code=" + (parse_tracking_code(code) or ""))
    status = 200
    kept = ""
    limited = None
    if request.method == "POST":
        objecting = request.POST.get("action") == "objection"
        try:
            if objecting:  # an objection to a rejection, once (services.ticket_object)
                services.ticket_object(ticket_id=ticket.pk, reason=request.POST.get("reason"), ip_address=(client_address(request) or None))
            else:
                uploads.raise_if_refused(request)  # an oversized file refuses the whole follow-up
                services.ticket_follow_up(
                    ticket_id=ticket.pk, body=request.POST.get("body"), files=request.FILES.getlist("files"),
                    ip_address=(client_address(request) or None), dedup_key=_form_key(request.POST.get("form_key")),
                )
        except DomainError as error:
            files_chosen = bool(request.FILES) or bool(uploads.refused_files(request))
            messages.error(request, error.message + (" فایل‌ها را دوباره انتخاب کنید." if files_chosen else ""))
            kept = request.POST.get("reason" if objecting else "body", "")
            status = 429 if isinstance(error, RateLimited) else 400
            limited = error if isinstance(error, RateLimited) else None
        else:
            messages.success(request, "اعتراض شما ثبت شد و برای بررسی به سرپرست واحد فرستاده شد." if objecting else "پیام شما به پرونده افزوده شد.")
            return redirect("tickets:track-case", code=ticket.code)
        ticket.refresh_from_db()
    response = render(
        request,
        "tickets/track_case.html",
        {
            "ticket": ticket, "entries": selectors.timeline(ticket, public_only=True), "kept": kept, "form_key": _new_form_key(),
            "missing": selectors.documents_asked(ticket), "may_object": ticket.status == S.REJECTED and ticket.objected_at is None,
            "statutory": selectors.statutory_state(ticket, clock.now()),
        },
        status=status,
    )
    return _rate_limited(response, limited) if limited else response


@require_GET
def track_file(request, code, attachment_id):
    try:
        ticket = access.access_ticket_for_session(request.session, code)
    except NotFound:
        raise Http404 from None
    attachment = selectors.public_attachment_of_ticket(ticket, attachment_id)
    if attachment is None:
        raise Http404
    return _download(attachment)


def _new_form_key():
    import secrets

    return "web:" + secrets.token_hex(12)


def _form_key(value):
    """A resubmitted form (double click, reload after a lost response) is stored once."""
    if isinstance(value, str) and value.startswith("web:") and len(value) == 28 and value[4:].isalnum():
        return value
    return ""


# --- the chat widget: how a citizen opens the ticket their chat became -------------------------
CHAT_TICKET_LOOKUPS_PER_ADDRESS = 60  # an hour


def _json_error(error, status):
    response = JsonResponse({"error": error.as_dict()}, status=status, json_dumps_params={"ensure_ascii": False})
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


@require_POST
def chat_ticket(request):
    """``POST /api/chat/ticket/`` with JSON ``{"token": <conversation token>}`` (CSRF like every
    form) → ``{tracking_code, display_code, pin, pin_display, track_url}``: the ticket a chat
    became, with the secret link and the PIN that open it on /track/ (a chat may have given no
    mobile or email).  404 for a bad token and for a chat that is not a ticket alike."""
    data = json_body(request)
    if data is None or not isinstance(data.get("token"), str):
        return _json_error(DomainError("درخواست نامعتبر است.", code="bad_request"), 400)
    try:
        ratelimit.hit("chat-ticket-address", client_address(request) or None, limit=CHAT_TICKET_LOOKUPS_PER_ADDRESS, window=3600,
                      message="از این نشانی درخواست‌های زیادی ثبت شده است؛ لطفاً بعداً تلاش کنید.")
        ticket = access.access_ticket_for_conversation_token(data["token"], address=client_address(request))
    except NotFound as error:
        return _json_error(error, 404)
    except RateLimited as error:
        return _json_error(error, 429)
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
@login_required
def console_record(request, ticket_id):
    """The staff copy of the case record, for an official who may open the case (the same 404
    for a missing case and another unit's)."""
    official, ticket, denied = _official_and_ticket(request, ticket_id)
    if denied:
        return denied
    services.ticket_mark_printed(ticket=ticket, official=official)
    return _pdf(record.case_record_pdf(ticket, official=official, identity=citizen_identity(ticket, official)), ticket.code)


@require_GET
def track_record(request, code):
    """The citizen's copy (public entries only), for a browser that opened the case on /track/."""
    try:
        ticket = access.access_ticket_for_session(request.session, code)
    except NotFound:
        raise Http404 from None
    return _pdf(record.case_record_pdf(ticket), ticket.code)
