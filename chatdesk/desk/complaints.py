"""Complaints («شکایت»): a complaint about a unit is never handled by that unit.

It goes to the unit set in ``ComplaintSettings.unit`` (e.g. «بازرسی»); a complaint about that
unit itself goes to ``ComplaintSettings.fallback_unit`` (e.g. the president's office).  Without
settings, the complained-about unit's parent handles it; a unit with neither cannot be complained
about online (the citizen is told to use another channel, rather than the case landing on the unit
it accuses).

The complained-about unit is kept in ``ticket.data["complaint"]`` (``about_unit_id``,
``about_unit_name``, ``about_person``).  With ``hide_identity`` the citizen's name and contact are
hidden from that unit's officials whatever happens to the case later (a referral to it included):
see ``chatdesk.tickets.identity``.
"""

from chatdesk.core.errors import ValidationError
from chatdesk.core.persian import clean_line
from chatdesk.core.ids import parse_id
from chatdesk.directory.models import Unit
from chatdesk.tickets.models import Ticket
from chatdesk.tickets.services import ticket_open

from .models_forms import ComplaintSettings
from .online_requests import hit_form_limit, validate_national_code


def complaint_settings():
    return ComplaintSettings.objects.select_related("unit", "fallback_unit").filter(pk=1).first()


def complaint_settings_set(*, unit, fallback_unit=None):
    """Set where complaints go (the admin and the demo call this)."""
    if unit is not None and fallback_unit is not None and unit.pk == fallback_unit.pk:
        raise ValidationError("واحد جایگزین باید با واحد رسیدگی به شکایات فرق کند.", code="invalid_unit", field="fallback_unit")
    row, _ = ComplaintSettings.objects.update_or_create(pk=1, defaults={"unit": unit, "fallback_unit": fallback_unit})
    return row


def handling_unit(about_unit):
    """The unit that handles a complaint about ``about_unit``: never ``about_unit`` itself."""
    settings_row = complaint_settings()
    candidates = []
    if settings_row is not None:
        candidates += [settings_row.unit, settings_row.fallback_unit]
    if about_unit.parent_id:
        candidates.append(about_unit.parent)
    for unit in candidates:
        if unit is not None and unit.is_active and unit.pk != about_unit.pk:
            return unit
    return None


def complaint_units():
    """Units a citizen can complain about (active ones with a unit that can handle it)."""
    return [u for u in Unit.objects.filter(is_active=True).select_related("parent").order_by("menu_order", "id") if handling_unit(u)]


def complaint_open(*, about_unit, subject, body, name, mobile="", email="", national_code="", about_person="",
                   hide_identity=False, files=(), ip_address=None, dedup_key=""):
    if not isinstance(about_unit, Unit):
        about_unit = Unit.objects.select_related("parent").filter(pk=parse_id(about_unit), is_active=True).first()
    if about_unit is None or not about_unit.is_active:
        raise ValidationError("واحد مورد شکایت را انتخاب کنید.", code="invalid_unit", field="about_unit")
    target = handling_unit(about_unit)
    if target is None:
        raise ValidationError(
            "شکایت از این واحد از این راه ثبت نمی‌شود؛ لطفاً با دفتر ریاست تماس بگیرید.", code="no_complaint_unit", field="about_unit"
        )
    # A complaint is a formal case: the citizen's identity (name, national code) and a mobile
    # are required (a report, misconduct.py, may be anonymous).
    national_code = validate_national_code(national_code, required=True)
    if not (mobile or "").strip():
        raise ValidationError("برای ثبت شکایت، شماره همراه خود را وارد کنید.", code="mobile_required", field="mobile")
    about_person = clean_line(about_person or "")[:120]
    hit_form_limit(ip_address)
    return ticket_open(
        kind=Ticket.Kind.COMPLAINT, unit=target, subject=subject, body=body, name=name, mobile=mobile, email=email,
        national_code=national_code, files=files, ip_address=ip_address, dedup_key=dedup_key, hide_identity=bool(hide_identity),
        data={"complaint": {"about_unit_id": about_unit.pk, "about_unit_name": about_unit.name, "about_person": about_person}},
    )
