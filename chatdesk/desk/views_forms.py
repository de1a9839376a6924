"""Pages of the service-desk forms and of meetings (thin: forms in, services called, pages out).

Public: ``/requests/new/?service=<identifier>``, ``/complaints/new/``, ``/meetings/new/``,
``/contact/``, the success page ``/forms/filed/``, and the citizen's meeting actions
``POST /meetings/<code>/respond/`` (confirm or cancel; the tracking page's session opens the case).
Console: ``/console/meetings/`` and its actions (offer, cancel, done).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatdesk.core import challenge, uploads
from chatdesk.core.auth import client_address
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.core.tracking import format_tracking_code, format_tracking_pin
from chatdesk.core.views import page_errors, redirect_with_message
from chatdesk.directory.console import official_view
from chatdesk.tickets.access import access_ticket_for_session, remember_in_session

from . import catalogue, complaints, meetings, misconduct, online_requests
from .forms import ComplaintForm, ContactForm, MeetingForm, OfferForm, ServiceRequestForm

FILED_KEY = "chatdesk.desk.filed"
BOT_MESSAGE = "ارسال فرم ناموفق بود؛ لطفاً صفحه را دوباره باز کنید و فرم را بفرستید."


def _ip(request):
    return client_address(request) or None


def _form_page(request, *, form, template, context, submit):
    """GET shows ``form``; POST validates it, calls ``submit(form)`` (a service returning
    tickets.services.Opened) and redirects to the success page, or shows the errors (what the
    citizen typed is kept; files must be chosen again).  A service's refusal goes onto its field
    (``form.apply_error``) and the page is shown again with its status (``core.views.page_errors``)."""

    def page(request, error=None):
        if error is not None:
            form.apply_error(error)
        form.mark_invalid()
        return render(request, template, {
            **context,
            "challenge": challenge.new() if challenge.enabled() else None,
            "form": form,
            "upload_limits": uploads.limits_display(),
            # Only when files were chosen: the browser does not keep them across the answer.
            "files_lost": request.method == "POST" and bool(form.file_fields()) and (bool(request.FILES) or bool(uploads.refused_files(request))),
        })

    @page_errors(page)
    def post(request):
        valid = form.is_valid()
        if form.is_bot:
            raise ValidationError(BOT_MESSAGE, code="bot")
        challenge.check_post(request.POST)  # its refusal goes on the form, with the fields' own errors
        refused = uploads.refused_errors(request)  # parts too big to keep: each on its field
        for field, message in refused:
            form.add_error(field if field in form.fields else None, message)
        if not valid or refused:
            response = page(request)
            response.status_code = 400
            return response
        return _filed(request, submit(form).ticket)

    return post(request) if request.method == "POST" else page(request)


def _filed(request, ticket):
    remember_in_session(request.session, ticket)  # this browser may open the case at once
    request.session[FILED_KEY] = {
        "code": ticket.code,
        "kind": ticket.kind,
        "kind_display": ticket.get_kind_display(),
        "email": bool(ticket.citizen_email),
        "unit": ticket.unit.name,
    }
    return HttpResponseRedirect("/forms/filed/")


#: the success page's heading per kind of ticket («تماس با ما شما ثبت شد» is not Persian)
FILED_HEADINGS = {
    "request": "درخواست شما ثبت شد",
    "complaint": "شکایت شما ثبت شد",
    "meeting": "درخواست ملاقات شما ثبت شد",
    "contact": "پیام شما ثبت شد",
    "report": "گزارش شما ثبت شد",
}


@require_GET
def filed(request):
    data = request.session.get(FILED_KEY)
    if not data:
        return HttpResponseRedirect("/track/")
    context = {
        **data,
        "heading": FILED_HEADINGS.get(data["kind"], "ثبت شد"),
        # One code on the page, in Persian digits; the Latin form is only in data-code (the copy button).
        "display_code": format_tracking_code(data["code"], persian=True),
        "latin_code": format_tracking_code(data["code"]),
        # The session remembers what it filed (_filed), so the tracking page opens the case at once.
        "track_url": f"/track/{data['code']}/",
    }
    return render(request, "desk/forms/filed.html", context)


# --- the four forms ---------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def request_new(request):
    service = online_requests.service_for_request(request.GET.get("service") or request.POST.get("service"))
    if service is None:
        raise Http404("خدمتی با این شناسه برای درخواست آنلاین یافت نشد.")  # templates/404.html
    if service.online_form != service.OnlineForm.REQUEST:  # e.g. «رسیدگی به شکایات»: the complaint form
        return HttpResponseRedirect(catalogue.online_form_link(service)[0])
    form = ServiceRequestForm(request.POST or None, request.FILES or None, service=service)

    def submit(form):
        data = form.cleaned_data
        return online_requests.service_request_open(
            service=service, name=data["name"], mobile=data["mobile"], email=data["email"], national_code=data["national_code"],
            body=data["body"], documents=form.document_files(), not_applicable=form.not_applicable(), extra_files=data["extra"],
            ip_address=_ip(request), dedup_key=form.dedup_key(),
        )

    return _form_page(request, form=form, template="desk/forms/request.html", context={"service": service}, submit=submit)


@require_http_methods(["GET", "POST"])
def complaint_new(request):
    units = complaints.complaint_units()
    initial = {"about_unit": request.GET.get("unit", "")} if request.method == "GET" else None  # «شکایت از این خدمت»
    form = ComplaintForm(request.POST or None, request.FILES or None, units=units, initial=initial)

    def submit(form):
        data = form.cleaned_data
        return complaints.complaint_open(
            about_unit=data["about_unit"], about_person=data["about_person"], subject=data["subject"], body=data["body"],
            name=data["name"], mobile=data["mobile"], email=data["email"], national_code=data["national_code"],
            hide_identity=data["hide_identity"], files=data["files"], ip_address=_ip(request), dedup_key=form.dedup_key(),
        )

    return _form_page(request, form=form, template="desk/forms/complaint.html", submit=submit, context={
        "contact_note": "برای ثبت شکایت، کد ملی و شماره همراه لازم است؛ اگر ایمیل بدهید پاسخ‌ها به آن هم فرستاده می‌شود."})


@require_http_methods(["GET", "POST"])
def meeting_new(request):
    people = meetings.meetable_people()
    initial = {"person": request.GET.get("person", "")} if request.method == "GET" else None
    form = MeetingForm(request.POST or None, request.FILES or None, people=people, initial=initial)

    def submit(form):
        data = form.cleaned_data
        return meetings.meeting_request_open(
            person_id=data["person"], subject=data["subject"], body=data["body"], days=form.days(), day_part=data["day_part"],
            name=data["name"], mobile=data["mobile"], email=data["email"], national_code=data["national_code"],
            files=data["files"], ip_address=_ip(request), dedup_key=form.dedup_key(),
        )

    return _form_page(request, form=form, template="desk/forms/meeting.html", context={"people": people}, submit=submit)


@require_http_methods(["GET", "POST"])
def contact(request):
    groups = online_requests.contact_groups()
    initial = {"group": request.GET.get("group", "")} if request.method == "GET" else None
    form = ContactForm(request.POST or None, request.FILES or None, groups=groups, initial=initial)

    def submit(form):
        data = form.cleaned_data
        return online_requests.contact_open(
            group=data["group"], name=data["name"], email=data["email"], mobile=data["mobile"], subject=data["subject"],
            body=data["body"], files=data["files"], ip_address=_ip(request), dedup_key=form.dedup_key(),
        )

    return _form_page(request, form=form, template="desk/forms/contact.html", context={"groups": groups}, submit=submit)


# --- meetings: the citizen ----------------------------------------------------------------------
def _back(request, code):
    """Where a citizen's meeting action returns: the tracking page it was posted from."""
    target = request.POST.get("next") or f"/track/{code}/"
    if not target.startswith("/track/") or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/track/"
    return target


@require_POST
@page_errors(redirect_with_message(_back))
def meeting_citizen_action(request, code):
    """Confirm the offered slot or cancel the request, from the tracking page (its session)."""
    ticket = access_ticket_for_session(request.session, code)
    meeting = meetings.meeting_for_ticket(ticket)
    if meeting is None:
        raise NotFound()
    action = request.POST.get("action")
    if action == "confirm":
        meetings.meeting_accept_by_citizen(ticket=ticket)
        messages.success(request, "زمان ملاقات را تأیید کردید.")
    elif action == "cancel":
        meetings.meeting_cancel_by_citizen(ticket=ticket, reason=request.POST.get("reason", ""))
        messages.success(request, "درخواست ملاقات لغو شد.")
    else:
        messages.error(request, "درخواست نامعتبر است.")
    return HttpResponseRedirect(_back(request, code))


# --- meetings: the office (console) -------------------------------------------------------------
@official_view
@require_GET
def console_meetings(request, official):
    rows = [
        {"meeting": m, "days": meetings.days_display(m), "slot": meetings.slot_display(m), "form": OfferForm(prefix=f"m{m.ticket_id}")}
        for m in meetings.meetings_for_official(official, include_past=request.GET.get("all") == "1")
    ]
    return render(request, "desk/meetings/console_list.html", {"official": official, "rows": rows, "show_all": request.GET.get("all") == "1"})


def _console_back(request, *args, **kwargs):
    back = request.POST.get("next") or "/console/meetings/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith("/console/"):
        back = "/console/meetings/"
    return back


@official_view
@require_POST
@page_errors(redirect_with_message(_console_back))
def console_meeting_action(request, official, ticket_id, action):
    back = _console_back(request)
    if action == "offer":
        form = OfferForm(request.POST, prefix=f"m{ticket_id}")
        if not form.is_valid():
            messages.error(request, "تاریخ، ساعت و مدت ملاقات را درست وارد کنید.")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        meetings.meeting_offer(ticket_id=ticket_id, official=official, date=data["date"], time=data["time"],
                               minutes=data["minutes"], location=data["location"], confirm=data["confirm"])
        messages.success(request, "زمان ملاقات قطعی شد." if data["confirm"] else "زمان پیشنهادی برای شهروند فرستاده شد.")
    elif action == "cancel":
        meetings.meeting_cancel_by_official(ticket_id=ticket_id, official=official, reason=request.POST.get("reason", ""))
        messages.success(request, "ملاقات لغو شد.")
    elif action == "done":
        meetings.meeting_mark_done(ticket_id=ticket_id, official=official)
        messages.success(request, "ملاقات انجام‌شده ثبت شد.")
    else:
        raise Http404()
    return HttpResponseRedirect(back)


# --- reports («گزارش», may be anonymous: misconduct.py) ------------------------------------------
REPORT_FILED_KEY = "chatdesk.desk.report_filed"


@require_http_methods(["GET", "POST"])
def report_new(request):
    units = complaints.complaint_units()
    form = misconduct.ReportForm(request.POST or None, request.FILES or None, units=units)

    def submit(form):
        data = form.cleaned_data
        return misconduct.report_open(
            about_unit=data["about_unit"], about_person=data["about_person"], subject=data["subject"], body=data["body"],
            name=data["name"], mobile=data["mobile"], email=data["email"], files=data["files"],
            ip_address=_ip(request), dedup_key=form.dedup_key(),
        )

    response = _form_page(request, form=form, template="desk/forms/report.html", context={}, submit=submit)
    filed_ = request.session.get(FILED_KEY)
    if response.status_code == 302 and filed_ and filed_.get("kind") == "report":
        # The PIN is shown once, on the next page, and then forgotten by the session.
        request.session[REPORT_FILED_KEY] = {"code": filed_["code"], "pin": misconduct.report_pin(filed_["code"]), "unit": filed_["unit"]}
        request.session.pop(FILED_KEY, None)
        return HttpResponseRedirect("/report/filed/")
    return response


@require_GET
def report_filed(request):
    """The one page that shows a report's tracking code and PIN; a reload shows them no more."""
    data = request.session.pop(REPORT_FILED_KEY, None)
    if not data:
        return HttpResponseRedirect("/track/")
    response = render(request, "desk/forms/report_filed.html", {
        "display_code": format_tracking_code(data["code"], persian=True), "latin_code": format_tracking_code(data["code"]),
        "pin_display": format_tracking_pin(data["pin"], persian=True), "unit": data["unit"], "track_url": f"/track/{data['code']}/",
    })
    response["Cache-Control"] = "no-store"
    return response
