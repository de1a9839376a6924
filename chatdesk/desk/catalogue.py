"""The catalogue of e-services: writes (``service_save``, ``service_reindex``) and reads.

Search: a citizen types on whatever keyboard they have (Arabic ي/ك, Persian or Latin digits, with
or without ZWNJ).  ``Service.search_key`` holds ``persian.search_key`` of the identifier, name,
summary, description, documents and rules, and the same text with its spaces removed, so that
«درخواستها» finds «درخواست‌ها».  A query is folded the same way and every word of it must occur
(``__contains``: a LIKE on SQLite, and on PostgreSQL a trigram index can serve it; stack notes).
"""

from urllib.parse import quote

from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.db.models import Prefetch, Q

from chatdesk.core import clock
from chatdesk.core.errors import ValidationError
from chatdesk.core.persian import clean_line, clean_text, search_index, search_key, to_latin_digits, to_persian_digits
from chatdesk.directory.models import Unit

from .models import Service, ServiceDocument, ServiceFAQ, ServiceRule, ServiceStep, SurveyQuestion
from .steps import average_seconds_by_step, duration_display

MAX_QUERY_CHARS = 100
MAX_SURVEY_QUESTIONS = 3


# --- formatting -------------------------------------------------------------------------------


def format_rials(amount):
    """``۱۲۰٬۰۰۰ ریال`` (Persian digits, Persian thousands separator)."""
    return to_persian_digits(f"{amount:,}".replace(",", "٬")) + " ریال"


def cost_display(service):
    if service.cost_rials == 0:
        return "رایگان"
    if service.cost_rials is not None:
        text = format_rials(service.cost_rials)
        return f"{text} ({service.cost_note})" if service.cost_note else text
    return service.cost_note or "—"


def channels_display(service):
    labels = dict(Service.Channel.choices)
    return [labels[c] for c in service.channels if c in labels]


def visits_display(service):
    if not service.in_person_visits:
        return "بدون نیاز به مراجعه حضوری"
    return to_persian_digits(f"{service.in_person_visits} بار")


# --- writes -----------------------------------------------------------------------------------


def _normalise_identifier(value):
    raw = to_latin_digits(str(value or "")).strip().replace("-", "").replace(" ", "")
    if not (raw.isascii() and raw.isdigit() and 8 <= len(raw) <= 12):
        raise ValidationError("شناسه خدمت باید ۸ تا ۱۲ رقم باشد.", field="identifier")
    return raw


def _key_for(service, documents, rules):
    parts = [service.identifier, service.name, service.summary, service.description]
    parts += [f"{d.title} {d.note}" for d in documents]
    parts += [f"{r.title} {r.number}" for r in rules]
    return search_index(" ".join(p for p in parts if p))


@transaction.atomic
def service_save(*, service=None, identifier, name, slug, unit, summary="", description="", recipient=Service.Recipient.G2C,
                 cost_rials=None, cost_note="", delivery_time="", in_person_visits=0, channels=(), availability="",
                 access_url="", is_active=True, order=0, documents=None, rules=None, online_form=Service.OnlineForm.REQUEST,
                 steps=None, faqs=None, survey=None):
    """Create or update a service.  ``documents`` (list of ``(title, note)``), ``rules`` (list of
    dicts with title, kind, number, date, url, text), ``steps`` (list of ``(title, unit)``),
    ``faqs`` (list of ``(question, answer)``) and ``survey`` (one to three question texts)
    replace the existing rows when given.
    Validates first; keeps ``search_key`` in step."""
    identifier = _normalise_identifier(identifier)
    name = clean_line(name)
    if not name:
        raise ValidationError("عنوان خدمت را وارد کنید.", field="name")
    if unit is None:
        raise ValidationError("واحد ارائه‌دهنده را انتخاب کنید.", field="unit")
    unknown = [c for c in channels if c not in Service.Channel.values]
    if unknown:
        raise ValidationError("شیوه دسترسی نامعتبر است.", field="channels")
    online_form = online_form or Service.OnlineForm.REQUEST
    if online_form not in Service.OnlineForm.values:
        raise ValidationError("فرم درخواست آنلاین نامعتبر است.", field="online_form")
    if survey is not None and len(survey) > MAX_SURVEY_QUESTIONS:
        raise ValidationError("نظرسنجی هر خدمت حداکثر سه پرسش دارد.", field="survey")
    if steps is not None and any(u is None or not t for t, u in steps):
        raise ValidationError("هر مرحله گردش کار عنوان و واحد انجام‌دهنده لازم دارد.", field="steps")
    clash = Service.objects.filter(identifier=identifier)
    if service is not None and service.pk:
        clash = clash.exclude(pk=service.pk)
    if clash.exists():
        raise ValidationError("خدمتی با این شناسه قبلاً ثبت شده است.", field="identifier")
    if service is not None and service.pk:
        service = Service.objects.select_for_update().get(pk=service.pk)
    else:
        service = Service()
    service.identifier, service.name, service.slug, service.unit = identifier, name, slug, unit
    service.summary, service.description = clean_line(summary), clean_text(description)
    service.recipient, service.cost_rials, service.cost_note = recipient, cost_rials, clean_line(cost_note)
    service.delivery_time, service.in_person_visits = clean_line(delivery_time), in_person_visits or 0
    service.channels = [c for c in Service.Channel.values if c in channels]  # the catalogue's order
    service.availability, service.access_url = clean_line(availability), access_url
    service.is_active, service.order, service.updated_at = is_active, order, clock.now()
    service.online_form = online_form
    service.save()
    if documents is not None:
        service.documents.all().delete()
        ServiceDocument.objects.bulk_create(
            [ServiceDocument(service=service, order=i, title=clean_line(t), note=clean_line(n)) for i, (t, n) in enumerate(documents, 1)]
        )
    if rules is not None:
        service.rules.all().delete()
        ServiceRule.objects.bulk_create([
            ServiceRule(
                service=service, order=i, kind=r.get("kind", ServiceRule.Kind.CIRCULAR), title=clean_line(r["title"]),
                number=clean_line(r.get("number", "")), date=r.get("date"), url=r.get("url", ""), text=clean_text(r.get("text", "")),
            )
            for i, r in enumerate(rules, 1)
        ])
    if steps is not None:
        service.steps.all().delete()
        ServiceStep.objects.bulk_create([ServiceStep(service=service, order=i, title=clean_line(t), unit=u) for i, (t, u) in enumerate(steps, 1)])
    if faqs is not None:
        service.faqs.all().delete()
        ServiceFAQ.objects.bulk_create([ServiceFAQ(service=service, order=i, question=clean_line(q), answer=clean_text(a)) for i, (q, a) in enumerate(faqs, 1)])
    if survey is not None:
        # Answers already given keep their question: update in place by order, add or drop the rest.
        existing = list(service.survey_questions.order_by("order", "id"))
        for i, text in enumerate(survey, 1):
            if i <= len(existing):
                SurveyQuestion.objects.filter(pk=existing[i - 1].pk).update(order=i, text=clean_line(text))
            else:
                SurveyQuestion.objects.create(service=service, order=i, text=clean_line(text))
        for q in existing[len(survey):]:
            q.delete()
    return service_reindex(service=service)


def service_reindex(*, service):
    """Rewrite the search column from the service and its documents and rules (after the admin
    saved its inline rows, for instance)."""
    documents, rules = list(service.documents.all()), list(service.rules.all())
    key = _key_for(service, documents, rules)
    Service.objects.filter(pk=service.pk).update(search_key=key)
    service.search_key = key
    return service


# --- reads ------------------------------------------------------------------------------------


def _public_services():
    return Service.objects.filter(is_active=True, unit__is_active=True).select_related("unit")


def search_services(query=""):
    """Active services matching every word of ``query`` (in the key, or in the unit's name)."""
    services = _public_services()
    words = search_key(query[:MAX_QUERY_CHARS]).split()
    for word in words:
        unit_ids = [u.pk for u in Unit.objects.filter(is_active=True).only("name") if word in search_index(u.name)]
        services = services.filter(Q(search_key__contains=word) | Q(unit_id__in=unit_ids))
    return services.order_by("unit__menu_order", "unit_id", "order", "name")


@dataclass
class UnitGroup:
    unit: Unit
    services: list = field(default_factory=list)


def services_by_unit(services):
    """``[UnitGroup(unit, [service, …]), …]`` in menu order (``services`` already sorted)."""
    return [UnitGroup(unit, list(items)) for unit, items in groupby(services, key=lambda s: s.unit)]


def service_for_public(identifier):
    """The active service with this identifier (Persian or Latin digits), with its documents and
    rules; None if there is none."""
    raw = to_latin_digits(identifier or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    return (
        _public_services()
        .prefetch_related(Prefetch("documents"), Prefetch("rules"), Prefetch("faqs"))
        .filter(identifier=raw)
        .first()
    )


_FORM_URLS = {
    Service.OnlineForm.COMPLAINT: ("/complaints/new/", "ثبت شکایت آنلاین"),
    Service.OnlineForm.CONTACT: ("/contact/", "ارسال پیام آنلاین"),
    Service.OnlineForm.MEETING: ("/meetings/new/", "درخواست ملاقات آنلاین"),
}


def online_form_link(service):
    """``(url, label)`` of the public form a service's «ثبت درخواست آنلاین» opens: the online
    request with its checklist, or the complaint, contact or meeting form (``Service.online_form``)."""
    if service.online_form in _FORM_URLS:
        return _FORM_URLS[service.online_form]
    return f"/requests/new/?service={quote(service.identifier)}", "ثبت درخواست آنلاین"


def service_steps(service):
    """The service's workflow steps with their units, each with ``average`` (the mean time the
    step took on completed requests, for display; "" when none completed yet)."""
    steps = list(ServiceStep.objects.filter(service=service).select_related("unit").order_by("order", "id"))
    averages = average_seconds_by_step([s.pk for s in steps])
    for s in steps:
        s.average = duration_display(averages[s.pk]) if s.pk in averages else ""
    return steps
