"""Online service requests and contact-page messages: both become tickets (``tickets.services
.ticket_open`` validates the citizen, stores the documents, writes the audit row and notifies).

- ``service_request_open``: a request for a catalogue service with the documents its checklist
  asks for, one upload per document (a document that does not apply to the citizen is ticked
  "not applicable" instead).  The ticket goes to the service's unit; ``ticket.data`` keeps the
  service and the checklist with what was sent for each line.
- ``contact_open``: a message to a group of the contact page; the ticket goes to the group's
  unit and the answer goes to the citizen's email (an email is required).
"""

from django.db import transaction
from django.db.models import Prefetch

from chatdesk.core import ratelimit, uploads
from chatdesk.core.errors import ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import clean_line, normalize_national_code, to_latin_digits
from chatdesk.tickets.models import Ticket
from chatdesk.tickets.services import ticket_open

from . import steps
from .models import RequestStep, Service, ServiceDocument, ServiceStep
from .models_forms import ContactGroup

# Forms per address per hour (every desk form counts together), on top of ticket_open's own limit.
FORMS_PER_HOUR = 10
RATE_MESSAGE = "از این نشانی در یک ساعت گذشته فرم‌های زیادی فرستاده شده است؛ لطفاً بعداً تلاش کنید."


def hit_form_limit(ip_address):
    if ip_address:
        ratelimit.hit("desk-form", ip_address, limit=FORMS_PER_HOUR, window=3600, message=RATE_MESSAGE)


def validate_national_code(value, *, required=False):
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError("کد ملی را وارد کنید.", code="invalid_national_code", field="national_code")
        return ""
    try:
        return normalize_national_code(value)
    except ValueError:
        raise ValidationError("کد ملی معتبر نیست؛ ده رقم کد ملی را بدون خط تیره وارد کنید.", code="invalid_national_code", field="national_code") from None


# --- reads --------------------------------------------------------------------------------------
def service_for_request(identifier):
    """The active service a citizen may request online, with its documents; None if none."""
    identifier = to_latin_digits(str(identifier or "")).strip().replace("-", "")
    if not identifier.isascii() or not identifier.isdigit():
        return None
    return (
        Service.objects.select_related("unit")
        .prefetch_related(Prefetch("documents", queryset=ServiceDocument.objects.order_by("order", "id")))
        .filter(identifier=identifier, is_active=True, unit__is_active=True)
        .first()
    )


def contact_groups():
    return list(ContactGroup.objects.select_related("unit").filter(is_active=True, unit__is_active=True))


# --- writes -------------------------------------------------------------------------------------
def service_request_open(*, service, name, mobile="", email="", national_code="", body="", documents=None,
                         not_applicable=(), extra_files=(), ip_address=None, dedup_key=""):
    """``documents``: {document id: uploaded file}; ``not_applicable``: ids the citizen ticked as
    not applying to them; ``extra_files``: other documents.  Every document of the checklist
    needs a file or a tick.  Returns tickets.services.Opened."""
    documents = dict(documents or {})
    not_applicable = {int(i) for i in not_applicable}
    national_code = validate_national_code(national_code, required=True)
    checklist, files = [], []
    for document in service.documents.all():
        uploaded = documents.get(document.pk)
        if uploaded is not None:
            try:
                checked = uploads.check(uploaded)
            except ValidationError as error:
                raise ValidationError(f"«{document.title}»: {error.message}", code=error.code, field=f"doc_{document.pk}") from None
            # The official sees which line of the checklist a file answers.
            uploaded.name = f"{clean_line(document.title)[:60]} - {checked.name}"
            files.append(uploaded)
            checklist.append({"id": document.pk, "title": document.title, "state": "sent", "file": uploaded.name})
        elif document.pk in not_applicable:
            checklist.append({"id": document.pk, "title": document.title, "state": "not_applicable"})
        else:
            raise ValidationError(
                f"فایل «{document.title}» را بارگذاری کنید، یا اگر این مدرک شامل حال شما نمی‌شود گزینه «شامل من نمی‌شود» را بزنید.",
                code="document_required", field=f"doc_{document.pk}",
            )
    files += [f for f in extra_files if f is not None]
    hit_form_limit(ip_address)
    body = (body or "").strip() or f"درخواست خدمت «{service.name}» با مدارک پیوست."
    # A service with workflow steps starts at its first step's unit (desk/steps.py).
    first_step = ServiceStep.objects.filter(service=service).select_related("unit").order_by("order", "id").first()
    with transaction.atomic():
        opened = _open_request_ticket(service, first_step.unit if first_step else service.unit, body, name, mobile, email,
                                      national_code, files, ip_address, dedup_key, checklist)
        if opened.created and not RequestStep.objects.filter(ticket=opened.ticket).exists():
            steps.request_steps_start(ticket=opened.ticket, service=service)
    return opened


def _open_request_ticket(service, unit, body, name, mobile, email, national_code, files, ip_address, dedup_key, checklist):
    return ticket_open(
        kind=Ticket.Kind.REQUEST, unit=unit, subject=f"درخواست خدمت: {service.name}"[:200], body=body,
        name=name, mobile=mobile, email=email, national_code=national_code, files=files, ip_address=ip_address,
        dedup_key=dedup_key,
        data={"service": {"identifier": service.identifier, "name": service.name}, "documents": checklist},
    )


def contact_open(*, group, name, email, subject, body, mobile="", files=(), ip_address=None, dedup_key=""):
    """A message to a contact group; the answer is sent to ``email`` (required)."""
    if not isinstance(group, ContactGroup):
        group = ContactGroup.objects.select_related("unit").filter(pk=parse_id(group), is_active=True).first()
    if group is None or not group.is_active or not group.unit.is_active:
        raise ValidationError("گروه انتخاب‌شده معتبر نیست.", code="invalid_group", field="group")
    if not (email or "").strip():
        raise ValidationError("پاسخ به ایمیل شما فرستاده می‌شود؛ نشانی ایمیل را وارد کنید.", code="email_required", field="email")
    hit_form_limit(ip_address)
    return ticket_open(
        kind=Ticket.Kind.CONTACT, unit=group.unit, subject=subject, body=body, name=name, mobile=mobile, email=email,
        files=files, ip_address=ip_address, dedup_key=dedup_key,
        data={"contact_group": {"id": group.pk, "name": group.name}, "answer_by": "email"},
    )
