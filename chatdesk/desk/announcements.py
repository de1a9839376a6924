"""Announcements of outages and planned maintenance: writes and reads.

An announcement is *visible* from ``show_from`` until ``ends_at`` (open-ended when empty) and *in
effect* from ``starts_at``.  Planned maintenance is shown in advance: ``show_from`` defaults to
``ADVANCE_NOTICE`` before the start (the seed: maintenance that cuts a service off «مراتب را از
قبل … هماهنگ خواهد نمود»); an outage or a plain notice is shown from its start.

Who is concerned: no units and no services = the whole portal; a unit includes the units under it;
a service's announcement concerns its owning unit too (the widget tells a citizen who picks that
unit before they start a chat).  Visible announcements are few at any moment, so the "concerns"
test runs in Python over one prefetched query.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from chatdesk.core import clock, jalali
from chatdesk.core.errors import ValidationError
from chatdesk.core.persian import clean_line, clean_text
from chatdesk.directory.models import Unit

from .models import Announcement

ADVANCE_NOTICE = dt.timedelta(hours=48)
SERVICE_KINDS = (Announcement.Kind.OUTAGE, Announcement.Kind.MAINTENANCE)  # kinds that mark a service


# --- writes -----------------------------------------------------------------------------------


def default_show_from(*, kind, starts_at):
    return starts_at - ADVANCE_NOTICE if kind == Announcement.Kind.MAINTENANCE else starts_at


def validate_announcement(*, title, kind, starts_at, ends_at, show_from):
    """Raise ``ValidationError`` (Persian, with the field) for a bad announcement."""
    if not clean_line(title):
        raise ValidationError("عنوان اطلاعیه را وارد کنید.", field="title")
    if kind not in Announcement.Kind.values:
        raise ValidationError("نوع اطلاعیه نامعتبر است.", field="kind")
    if starts_at is None:
        raise ValidationError("زمان شروع را وارد کنید.", field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError("زمان پایان باید بعد از زمان شروع باشد.", field="ends_at")
    if show_from is not None and show_from > starts_at:
        raise ValidationError("زمان نمایش نباید بعد از زمان شروع باشد.", field="show_from")


@transaction.atomic
def announcement_save(*, announcement=None, title, body="", kind=Announcement.Kind.MAINTENANCE, starts_at, ends_at=None,
                      show_from=None, units=(), services=(), is_published=True):
    validate_announcement(title=title, kind=kind, starts_at=starts_at, ends_at=ends_at, show_from=show_from)
    now = clock.now()
    if announcement is not None and announcement.pk:
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    else:
        announcement = Announcement(created_at=now)
    announcement.title, announcement.body, announcement.kind = clean_line(title), clean_text(body), kind
    announcement.starts_at, announcement.ends_at = starts_at, ends_at
    announcement.show_from = show_from if show_from is not None else default_show_from(kind=kind, starts_at=starts_at)
    announcement.is_published, announcement.updated_at = is_published, now
    announcement.save()
    announcement.units.set(units)
    announcement.services.set(services)
    return announcement


@transaction.atomic
def announcement_delete(*, announcement):
    Announcement.objects.filter(pk=announcement.pk).delete()


# --- reads ------------------------------------------------------------------------------------


def visible(at):
    """Published announcements shown at ``at``: ``show_from <= at < ends_at``."""
    return (
        Announcement.objects.filter(is_published=True, show_from__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .prefetch_related("units", "services")
        .order_by("starts_at", "id")
    )


def past(at):
    """Published announcements that have ended by ``at``, the latest ended first (the public
    announcements page: «اطلاعیه‌های گذشته»)."""
    return (
        Announcement.objects.filter(is_published=True, ends_at__isnull=False, ends_at__lte=at)
        .prefetch_related("units", "services")
        .order_by("-ends_at", "-id")
    )


def period_display(announcement):
    """``دوشنبه ۳ آذر ۱۴۰۵ از ساعت ۲۲:۰۰ تا ۲۳:۳۰`` or ``از … ساعت … تا … ساعت …``."""
    start, end = announcement.starts_at, announcement.ends_at
    start_day = jalali.format_date(start, long=True)
    if end is None:
        return f"از {start_day} ساعت {jalali.format_time(start)} تا اطلاع ثانوی"
    if jalali.local(start).date() == jalali.local(end).date():
        return f"{start_day} از ساعت {jalali.format_time(start)} تا {jalali.format_time(end)}"
    return f"از {start_day} ساعت {jalali.format_time(start)} تا {jalali.format_date(end, long=True)} ساعت {jalali.format_time(end)}"


def announcement_wire(announcement, at):
    """The announcement as the widget and the pages get it (no staff-only fields)."""
    return {
        "id": announcement.pk,
        "kind": announcement.kind,
        "kind_display": announcement.get_kind_display(),
        "title": announcement.title,
        "body": announcement.body,
        # ISO 8601 in Tehran time, like the unit state's ``next_opening``.
        "starts_at": jalali.local(announcement.starts_at).isoformat(),
        "ends_at": jalali.local(announcement.ends_at).isoformat() if announcement.ends_at else None,
        "in_effect": announcement.starts_at <= at,
        "period_display": period_display(announcement),
        "units": [u.name for u in announcement.units.all()],
        "services": [s.name for s in announcement.services.all()],
    }


def banners(at):
    """Every announcement visible at ``at``, as wire dicts, soonest first."""
    return [announcement_wire(a, at) for a in visible(at)]


def _lineage(unit_id, parents):
    """``unit_id`` and the ids of the units above it."""
    seen = []
    while unit_id is not None and unit_id not in seen:
        seen.append(unit_id)
        unit_id = parents.get(unit_id)
    return seen


def _parents():
    return dict(Unit.objects.values_list("id", "parent_id"))


def _is_site_wide(announcement):
    return not announcement.units.all() and not announcement.services.all()


def announcements_for_unit(unit, at):
    """Visible announcements that concern a citizen choosing ``unit``: the whole portal's, the
    unit's or a unit's above it, and those of the unit's services."""
    parents = _parents()
    lineage = set(_lineage(unit.pk, parents))
    found = []
    for a in visible(at):
        if (
            _is_site_wide(a)
            or any(u.pk in lineage for u in a.units.all())
            or any(s.unit_id == unit.pk for s in a.services.all())
        ):
            found.append(announcement_wire(a, at))
    return found


@dataclass(frozen=True)
class ServiceNotice:
    """What the catalogue shows on a service: ``in_effect`` (under maintenance or out of reach
    now) or announced ahead."""

    announcement_id: int
    kind: str
    title: str
    in_effect: bool
    period_display: str

    @property
    def badge(self):
        if not self.in_effect:
            return "تعمیرات برنامه‌ریزی‌شده"
        return "اختلال در ارائه خدمت" if self.kind == Announcement.Kind.OUTAGE else "در حال تعمیر و نگهداری"


def service_notices(services, at):
    """``{service_id: ServiceNotice}`` for the given services: those concerned by a visible outage
    or maintenance (directly, through their unit or a unit above it, or portal-wide).  When several
    concern one service, the one in effect wins, then the soonest."""
    services = list(services)
    if not services:
        return {}
    parents = _parents()
    notices = {}
    for a in visible(at).filter(kind__in=SERVICE_KINDS):
        unit_ids = {u.pk for u in a.units.all()}
        service_ids = {s.pk for s in a.services.all()}
        site_wide = not unit_ids and not service_ids
        notice = ServiceNotice(a.pk, a.kind, a.title, a.starts_at <= at, period_display(a))
        for s in services:
            if site_wide or s.pk in service_ids or unit_ids.intersection(_lineage(s.unit_id, parents)):
                current = notices.get(s.pk)
                if current is None or (notice.in_effect and not current.in_effect):
                    notices[s.pk] = notice
    return notices


def services_under_maintenance(services, at):
    """The ids of the given services that are out of reach now (an outage or maintenance in effect)."""
    return {sid for sid, notice in service_notices(services, at).items() if notice.in_effect}
