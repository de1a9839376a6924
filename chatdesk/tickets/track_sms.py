"""The tracking page by SMS (issue #19): open a case with its tracking code and a one-time code
sent to the mobile given when filing, and switch SMS notices off (or on again) from the case.

Kept apart from views.py so the other tracking doors (the lookup, the email link) stay as they
are.  The flow:

1. ``/track/sms/``: tracking code + mobile (+ the security question).  The answer is the same
   whether or not they belong together ("if this number is the case's, a code was sent"): the
   page does not tell which mobiles a case has.  A code goes only when they do
   (``chatdesk.sms.services.code_issue``: hashed, expiring, throttled per mobile and address).
2. ``/track/sms/verify/``: the six digits.  Right → the case opens in this browser session, as
   with the lookup; wrong → the count of tries on that code goes up (a new code after the limit).
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chatdesk.core import challenge, clock, ratelimit
from chatdesk.core.auth import client_address
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.core.views import page_errors
from chatdesk.core.persian import to_persian_digits
from chatdesk.core.tracking import format_tracking_code, parse_tracking_code
from chatdesk.sms import selectors as sms_selectors
from chatdesk.sms import services as sms

from . import access

PENDING_KEY = "chatdesk.track_sms_pending"
SENT_MESSAGE = "اگر این شماره همراه برای این پرونده ثبت شده باشد، کدی شش‌رقمی به آن پیامک شد."
WINDOW = 15 * 60


def refuse_bare_mobile(contact):
    """With ``SMS["TRACK_MOBILE_NEEDS_CODE"]`` the lookup does not open a case on a mobile number
    alone (anyone who knows a citizen's number and code could): it points to the SMS code, which
    proves the phone is at hand.  An email still opens it.  The same answer whatever the case."""
    if settings.SMS.get("TRACK_MOBILE_NEEDS_CODE") and contact and "@" not in contact:
        raise ValidationError(
            "برای پیگیری با شماره همراه، «ورود با کد پیامکی» را بزنید تا کدی به همراه شما پیامک شود.",
            code="mobile_needs_code", field="contact",
        )


def _subject(code):
    return f"track:{code}"


def masked(mobile):
    """``۰۹۱۲***۴۵۶۷``: enough for the citizen to recognise their number, not to learn it."""
    return to_persian_digits(f"{mobile[:4]}***{mobile[-4:]}") if mobile else ""


def _request_page(request, error=None):
    code_text = request.POST.get("code", "")
    if request.method == "GET" and parse_tracking_code(request.GET.get("code", "")):  # from the lookup's link
        code_text = format_tracking_code(parse_tracking_code(request.GET["code"]), persian=True)
    guard = challenge.new() if challenge.enabled() else None
    context = {"error": error and error.message, "code": code_text, "mobile": request.POST.get("mobile", ""), "challenge": guard}
    return render(request, "tickets/track_sms_request.html", context)


@require_http_methods(["GET", "POST"])
@page_errors(_request_page)
def code_request(request):
    if request.method == "GET":
        return _request_page(request)
    address = client_address(request) or None
    message = "تلاش‌ها بیش از حد مجاز است؛ لطفاً چند دقیقه بعد دوباره تلاش کنید."
    ratelimit.hit("track-sms-address", address, limit=settings.TICKETS["LOOKUPS_PER_ADDRESS"], window=WINDOW, message=message)
    challenge.check_post(request.POST)
    code = parse_tracking_code(request.POST.get("code", ""))
    if not code:
        raise ValidationError("کد پیگیری ۱۳ رقم است و به نظر نادرست وارد شده؛ لطفاً دوباره بررسی کنید.", code="bad_code", field="code")
    mobile = sms_selectors.clean_mobile(request.POST.get("mobile", ""))
    if not mobile:
        raise ValidationError("شماره همراه را به شکل ۰۹۱۲۱۲۳۴۵۶۷ وارد کنید.", code="invalid_mobile", field="mobile")
    ratelimit.hit("track-sms-code", code, limit=settings.TICKETS["LOOKUPS_PER_CODE"], window=WINDOW, message=message)
    try:
        access.access_ticket_for_citizen(code, mobile)
    except NotFound:
        pass  # the same answer: no code goes, nothing tells the visitor why
    else:
        sms.code_issue(subject=_subject(code), mobile=mobile, address=address)
    request.session[PENDING_KEY] = {"code": code, "mobile": mobile}
    messages.success(request, SENT_MESSAGE)
    return redirect("tickets:track-sms-verify")


def _verify_page(request, error=None, *args, **kwargs):
    pending = request.session[PENDING_KEY]
    return render(
        request, "tickets/track_sms_verify.html",
        {"error": error and error.message, "mobile_masked": masked(pending["mobile"]), "code": pending["code"], "code_display": format_tracking_code(pending["code"], persian=True), "minutes": to_persian_digits(max(1, settings.SMS["CODE_TTL_SECONDS"] // 60))},
    )


@require_http_methods(["GET", "POST"])
def code_verify(request):
    pending = request.session.get(PENDING_KEY) or {}
    if not pending.get("code") or not pending.get("mobile"):
        return redirect("tickets:track-sms-code")
    if request.method == "GET":
        return _verify_page(request)
    return _verify(request, pending)


@page_errors(_verify_page, shows_not_found=True)  # a case that no longer has this mobile: said on the form
def _verify(request, pending):
    ratelimit.hit(
        "track-sms-verify", client_address(request) or None, limit=4 * settings.TICKETS["LOOKUPS_PER_ADDRESS"], window=WINDOW,
        message="تلاش‌ها بیش از حد مجاز است؛ لطفاً چند دقیقه بعد دوباره تلاش کنید.",
    )
    sms.code_verify(subject=_subject(pending["code"]), mobile=pending["mobile"], code=request.POST.get("otp", ""), now=clock.now())
    ticket = access.access_ticket_for_citizen(pending["code"], pending["mobile"])  # still this case's mobile
    request.session.pop(PENDING_KEY, None)
    access.remember_in_session(request.session, ticket)
    return redirect("tickets:track-case", code=ticket.code)


@require_POST
def preference(request, code):
    """The switch on the case page: no more SMS notices to the case's mobile, or again."""
    try:
        ticket = access.access_ticket_for_session(request.session, code)
    except NotFound:
        return redirect("tickets:track")
    if ticket.citizen_mobile:
        if request.POST.get("sms") == "off":
            sms.sms_opt_out(mobile=ticket.citizen_mobile, source="track")
            messages.success(request, "از این پس پیامک اطلاع‌رسانی به این شماره فرستاده نمی‌شود.")
        elif request.POST.get("sms") == "on":
            sms.sms_opt_in(mobile=ticket.citizen_mobile)
            messages.success(request, "پیامک‌های اطلاع‌رسانی دوباره به این شماره فرستاده می‌شود.")
    return redirect("tickets:track-case", code=ticket.code)
