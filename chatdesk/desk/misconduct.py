"""Reports («گزارش»), e.g. of misconduct: unlike a complaint («شکایت», which needs the citizen's
name, national code and mobile), a report may be anonymous.

It is handled like a complaint, never by the unit it is about (``complaints.handling_unit``).
The reporter gets a tracking code and a PIN (core/tracking.ticket_pin) shown once, on the success
page; the code and the PIN open it on /track/.  The sender's address only feeds the rate limits
(hashed keys in the cache, gone after the window): it is stored neither on the case
(``ticket_open(anonymous=True)``) nor in the log context of the request (core/logging.py,
``UNLOGGED_CLIENT_PATHS``).
"""

from django import forms

from chatdesk.core.errors import ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import clean_line
from chatdesk.core.tracking import ticket_pin
from chatdesk.directory.models import Unit
from chatdesk.tickets.models import Ticket
from chatdesk.tickets.services import ticket_open

from .complaints import handling_unit
from .forms import DeskForm, body_field, files_field, subject_field
from .online_requests import hit_form_limit


def report_open(*, about_unit, subject, body, about_person="", name="", mobile="", email="", files=(), ip_address=None, dedup_key=""):
    if not isinstance(about_unit, Unit):
        about_unit = Unit.objects.select_related("parent").filter(pk=parse_id(about_unit), is_active=True).first()
    if about_unit is None or not about_unit.is_active:
        raise ValidationError("واحد مورد گزارش را انتخاب کنید.", code="invalid_unit", field="about_unit")
    target = handling_unit(about_unit)
    if target is None:
        raise ValidationError("گزارش درباره این واحد از این راه ثبت نمی‌شود؛ لطفاً با دفتر ریاست تماس بگیرید.", code="no_report_unit", field="about_unit")
    about_person = clean_line(about_person or "")[:120]
    hit_form_limit(ip_address)
    return ticket_open(
        kind=Ticket.Kind.REPORT, unit=target, subject=subject, body=body, name=name, mobile=mobile, email=email,
        files=files, ip_address=ip_address, dedup_key=dedup_key, anonymous=True, hide_identity=True,
        data={"report": {"about_unit_id": about_unit.pk, "about_unit_name": about_unit.name, "about_person": about_person}},
    )


def report_pin(code):
    """The PIN of the report with tracking code ``code`` (derived from its secret, never stored)."""
    return ticket_pin(Ticket.objects.get(code=code, kind=Ticket.Kind.REPORT))


class ReportForm(DeskForm):
    about_unit = forms.ChoiceField(label="واحد مورد گزارش", error_messages={"required": "واحد مورد گزارش را انتخاب کنید.",
                                                                            "invalid_choice": "واحد مورد گزارش را انتخاب کنید."})
    about_person = forms.CharField(label="نام یا سمت فرد مورد گزارش (اختیاری)", max_length=120, required=False)
    subject = subject_field()
    body = body_field("شرح گزارش")
    files = files_field("مستندات (اختیاری)")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about_unit"].choices = [("", "انتخاب کنید…")] + [(str(u.pk), u.name) for u in units]
        for name in ("name", "mobile", "email"):
            self.fields[name].required = False
        self.fields["name"].label = "نام (اختیاری)"
        self.fields["mobile"].label = "تلفن همراه (اختیاری)"
        self.fields["email"].label = "ایمیل (اختیاری)"

    def clean(self):
        return forms.Form.clean(self)  # no contact is required: a report may be anonymous
