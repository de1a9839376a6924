"""The service-desk forms: online request, complaint, meeting request, contact.

The forms check what a form can (required fields, lengths, choices) with Persian messages; the
rules live in the services (requests.py, complaints.py, meetings.py), whose ValidationError is put
back on the right field by ``apply_error``.  What the citizen typed stays in the form; uploaded
files cannot be kept by a browser and must be chosen again (the page says so).

Every form has a honeypot field (``website``: hidden from people by CSS and from screen readers,
filled by bots) and a ``form_id`` (a random idempotency key: a form sent twice files one case).
"""

import datetime as dt
import secrets

import jdatetime

from django import forms

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from chatdesk.core import clock, jalali, uploads
from chatdesk.core.errors import DomainError
from chatdesk.core.persian import normalize_mobile
from chatdesk.core.persian import to_persian_digits
from chatdesk.directory.forms import JalaliDateInput

from . import meetings
from .online_requests import validate_national_code
from .models_forms import MeetingRequest

REQUIRED = "این بخش را پر کنید."


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# Django's own words for a file field use «پرونده»; the desk says «فایل» for uploads.
FILE_FIELD_MESSAGES = {
    "empty": "فایل خالی است.",
    "invalid": "فایل فرستاده نشد؛ دوباره انتخاب کنید.",
    "missing": "فایلی فرستاده نشد.",
    "max_length": "نام فایل بیش از اندازه بلند است.",
}


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern); checked by core/uploads."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.error_messages.update(FILE_FIELD_MESSAGES)

    def clean(self, data, initial=None):
        single = super().clean
        given = [d for d in data if d] if isinstance(data, (list, tuple)) else ([data] if data else [])
        files, errors = [], []
        for d in given:
            try:
                files.append(single(d, initial))
            except forms.ValidationError as error:  # Django's own refusals (an empty file…), named
                errors += [f"«{uploads.display_name(d)}»: {m}" for m in error.messages]
        errors += uploads.file_errors(files)  # every refused file, each named
        if errors:
            raise forms.ValidationError(errors)
        return files


class CheckedFileField(forms.FileField):
    """One document of a service's checklist, checked like every upload (core/uploads.py)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages.update(FILE_FIELD_MESSAGES)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            try:
                uploads.check(uploaded)
            except DomainError as error:  # named by its line, as requests.service_request_open does
                raise forms.ValidationError(f"«{self.label}»: {error.message}") from None
        return uploaded


def _accept():
    # data-file-pick: shown as the Persian chooser of templates/desk/forms/_file_input.html
    return {"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png", "data-file-pick": ""}


class DeskForm(forms.Form):
    website = forms.CharField(required=False, label="وب‌سایت", widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    form_id = forms.CharField(required=False, widget=forms.HiddenInput)

    name = forms.CharField(label="نام و نام خانوادگی", max_length=80, error_messages={"required": "نام و نام خانوادگی خود را بنویسید."},
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(label="تلفن همراه", max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "placeholder": "۰۹۱۲۳۴۵۶۷۸۹", "autocomplete": "tel"}))
    email = forms.CharField(label="ایمیل", max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_id", secrets.token_hex(16))
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput,)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
        self.fields["website"].widget.attrs["class"] = "form-control"

    # The services validate again before they write; these give every error of the form at once
    # (the service stops at its first) with the same Persian messages.
    def clean_mobile(self):
        value = (self.cleaned_data.get("mobile") or "").strip()
        if value:
            try:
                normalize_mobile(value)
            except ValueError:
                raise forms.ValidationError("شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.") from None
        return value

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").strip()
        if value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise forms.ValidationError("نشانی ایمیل معتبر نیست.") from None
        return value

    def clean_national_code(self):
        value = self.cleaned_data.get("national_code") or ""
        try:
            validate_national_code(value, required=self.fields["national_code"].required)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return value

    def clean(self):
        data = super().clean()
        contact_ok = "mobile" not in self.errors and "email" not in self.errors
        if contact_ok and not data.get("mobile") and not data.get("email") and not self.fields["email"].required:
            self.add_error("mobile", "برای پیگیری، شماره همراه یا ایمیل خود را وارد کنید.")
        return data

    def error_list(self):
        """``[(field id or None, label, message)]``: every error, for the summary above the form."""
        rows = [(None, "", e) for e in self.non_field_errors()]
        for name in self.fields:
            for e in self.errors.get(name, []):
                rows.append((self[name].id_for_label, self.fields[name].label, e))
        return rows

    @property
    def is_bot(self):
        return bool((self.data.get("website") or "").strip())

    def dedup_key(self):
        value = (self.cleaned_data.get("form_id") or "").strip()
        return f"form:{value[:64]}" if value.isalnum() and len(value) >= 16 else ""

    def apply_error(self, error):
        """Put a service's ValidationError on its field (or on the form)."""
        field = error.field if error.field in self.fields else None
        if field is None and error.field and error.field.startswith("doc_"):
            field = None
        self.add_error(field, error.message)

    def mark_invalid(self):
        """Bootstrap's red outline on every field with an error (and aria-invalid)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()
                attrs["aria-invalid"] = "true"
        return self

    def file_fields(self):
        return [self[name] for name, f in self.fields.items() if isinstance(f, forms.FileField)]


def _national_code(required):
    return forms.CharField(
        label="کد ملی", max_length=12, required=required, error_messages={"required": "کد ملی را وارد کنید."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "placeholder": "۰۰۱۲۳۴۵۶۷۸"}),
    )


def subject_field():
    return forms.CharField(label="موضوع", max_length=200, min_length=3,
                           error_messages={"required": "موضوع را بنویسید.", "min_length": "موضوع را (دست‌کم سه حرف) بنویسید."})


def body_field(label="شرح", required=True):
    return forms.CharField(label=label, max_length=5000, required=required, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": "متن را بنویسید.", "max_length": "متن طولانی‌تر از ۵۰۰۰ نویسه است."})


def files_field(label="پیوست‌ها (اختیاری)"):
    return MultipleFileField(label=label, widget=MultipleFileInput(attrs=_accept()), help_text=uploads.limits_display())


class ServiceRequestForm(DeskForm):
    national_code = _national_code(True)
    body = body_field("توضیحات (اختیاری)", required=False)
    extra = files_field("مدارک دیگر (اختیاری)")

    def __init__(self, *args, service, **kwargs):
        self.service = service
        super().__init__(*args, **kwargs)
        self.documents = list(service.documents.all())
        for document in self.documents:
            self.fields[f"doc_{document.pk}"] = CheckedFileField(
                label=document.title, required=False, widget=forms.ClearableFileInput(attrs={**_accept(), "class": "form-control"}),
                help_text=document.note,
            )
            self.fields[f"na_{document.pk}"] = forms.BooleanField(
                label="شامل من نمی‌شود", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            )

    def clean(self):
        data = super().clean()
        for d in self.documents:  # every missing line of the checklist at once
            name = f"doc_{d.pk}"
            if name not in self.errors and not data.get(name) and not data.get(f"na_{d.pk}"):
                self.add_error(name, f"فایل «{d.title}» را بارگذاری کنید، یا اگر این مدرک شامل حال شما نمی‌شود گزینه «شامل من نمی‌شود» را بزنید.")
        return data

    def checklist(self):
        """[(document, file field, not-applicable field)] for the template."""
        return [(d, self[f"doc_{d.pk}"], self[f"na_{d.pk}"]) for d in self.documents]

    def document_files(self):
        return {d.pk: self.cleaned_data.get(f"doc_{d.pk}") for d in self.documents if self.cleaned_data.get(f"doc_{d.pk}")}

    def not_applicable(self):
        return [d.pk for d in self.documents if self.cleaned_data.get(f"na_{d.pk}")]

    def apply_error(self, error):
        if error.field and error.field in self.fields:
            self.add_error(error.field, error.message)
        else:
            super().apply_error(error)


class ComplaintForm(DeskForm):
    about_unit = forms.ChoiceField(label="واحد مورد شکایت", error_messages={"required": "واحد مورد شکایت را انتخاب کنید.",
                                                                            "invalid_choice": "واحد مورد شکایت را انتخاب کنید."})
    about_person = forms.CharField(label="نام یا سمت فرد مورد شکایت (اختیاری)", max_length=120, required=False)
    national_code = _national_code(True)  # a complaint needs the citizen's identity and mobile
    subject = subject_field()
    body = body_field("شرح شکایت")
    hide_identity = forms.BooleanField(
        label="هویت من از واحد مورد شکایت پنهان بماند", required=False,
        help_text="نام، شماره همراه، ایمیل و کد ملی شما به کارکنان واحدی که از آن شکایت دارید نشان داده نمی‌شود.",
    )
    files = files_field("مستندات شکایت (اختیاری)")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about_unit"].choices = [("", "انتخاب کنید…")] + [(str(u.pk), u.name) for u in units]
        self.fields["mobile"].required = True
        self.fields["mobile"].error_messages["required"] = "برای ثبت شکایت، شماره همراه خود را وارد کنید."


def _picker_date(day):
    """A Gregorian date as the picker's attributes want it: Jalali ``1405/09/10``, Latin digits."""
    j = jdatetime.date.fromgregorian(date=day, locale=jalali.LOCALE)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


class MeetingForm(DeskForm):
    person = forms.ChoiceField(label="ملاقات با", error_messages={"required": "فردی را که می‌خواهید ملاقات کنید انتخاب کنید.",
                                                                  "invalid_choice": "فردی را که می‌خواهید ملاقات کنید انتخاب کنید."})
    national_code = _national_code(False)
    subject = subject_field()
    body = body_field("موضوع ملاقات را شرح دهید")
    day1 = forms.CharField(label="روز پیشنهادی نخست", max_length=20, widget=JalaliDateInput(), error_messages={"required": "دست‌کم یک روز پیشنهادی انتخاب کنید."})
    day2 = forms.CharField(label="روز پیشنهادی دوم (اختیاری)", max_length=20, required=False, widget=JalaliDateInput())
    day3 = forms.CharField(label="روز پیشنهادی سوم (اختیاری)", max_length=20, required=False, widget=JalaliDateInput())
    day_part = forms.ChoiceField(label="زمان ترجیحی", choices=MeetingRequest.DayPart.choices, initial=MeetingRequest.DayPart.ANY, required=False)
    files = files_field()

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "انتخاب کنید…")] + [
            (str(o.pk), f"{o.display_name} — {o.position} ({u.name})") for o, u in people
        ]
        # The picker offers only the days the service accepts (meetings._parse_days): from
        # tomorrow (Tehran) to MAX_DAYS_AHEAD ahead; past days are greyed out, not refused later.
        today = jalali.local(clock.now()).date()
        first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=meetings.MAX_DAYS_AHEAD)
        for name in ("day1", "day2", "day3"):
            attrs = self.fields[name].widget.attrs
            attrs["class"] = "form-control jalali-date"
            attrs["data-jdp-min-date"], attrs["data-jdp-max-date"] = _picker_date(first), _picker_date(last)

    def days(self):
        return [self.cleaned_data.get(n) for n in ("day1", "day2", "day3") if self.cleaned_data.get(n)]

    def apply_error(self, error):
        if error.field == "days":
            self.add_error("day1", error.message)
        else:
            super().apply_error(error)


class ContactForm(DeskForm):
    group = forms.ChoiceField(label="گروه", error_messages={"required": "گروه را انتخاب کنید.", "invalid_choice": "گروه را انتخاب کنید."})
    subject = subject_field()
    body = body_field("متن پیام")
    files = files_field()

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "انتخاب کنید…")] + [(str(g.pk), g.name) for g in groups]
        self.fields["email"].required = True
        self.fields["email"].label = "ایمیل (پاسخ به این نشانی فرستاده می‌شود)"
        self.fields["email"].error_messages["required"] = "پاسخ به ایمیل شما فرستاده می‌شود؛ نشانی ایمیل را وارد کنید."


class OfferForm(forms.Form):
    """The office's slot for a meeting (console)."""

    date = forms.CharField(label="تاریخ", max_length=20, widget=JalaliDateInput(attrs={"class": "form-control jalali-date", "data-jdp-min-date": "today"}))
    time = forms.CharField(label="ساعت", max_length=5, widget=forms.TextInput(attrs={"class": "form-control", "dir": "ltr", "placeholder": "۱۰:۳۰", "inputmode": "numeric"}))
    minutes = forms.TypedChoiceField(label="مدت", coerce=int, initial=20, choices=[(m, f"{to_persian_digits(m)} دقیقه") for m in (10, 15, 20, 30, 45, 60)],
                                     widget=forms.Select(attrs={"class": "form-select"}))
    location = forms.CharField(label="محل", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    confirm = forms.BooleanField(label="قطعی کن (بدون نیاز به تأیید شهروند)", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
