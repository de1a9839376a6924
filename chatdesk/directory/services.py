"""Writes about staff and units: duty status, console presence, office hours, holidays and
closures, the duty roster."""

import datetime as dt

import jdatetime
from django.conf import settings
from django.db import transaction

from chatdesk.core import clock, events, jalali, persian, realtime
from chatdesk.core.errors import ValidationError

from . import selectors
from .models import ConsoleConnection, DutyShift, Holiday, OfficeHours, Official, Unit


def _presence_frame(official):
    return {
        "type": events.PRESENCE,
        "official": {"id": official.pk, "name": official.display_name, "status": official.status, "status_display": official.get_status_display()},
    }


def _announce_status(official):
    realtime.to_units(selectors.unit_ids_for_official(official), _presence_frame(official))
    realtime.to_official(official.pk, {"type": events.DUTY, "status": official.status, "status_display": official.get_status_display()})


def official_set_status(*, official, status):
    if status not in Official.Status.values:
        raise ValidationError("وضعیت نامعتبر است.", code="invalid_status", field="status")
    with transaction.atomic():
        official = Official.objects.select_for_update().get(pk=official.pk)
        if official.status == status:
            return official
        official.status = status
        official.status_changed_at = clock.now()
        official.save(update_fields=["status", "status_changed_at"])
        _announce_status(official)
    return official


def console_connected(*, official, channel_name):
    now = clock.now()
    with transaction.atomic():
        ConsoleConnection.objects.update_or_create(
            channel_name=channel_name, defaults={"official": official, "connected_at": now, "last_seen": now}
        )
        # A quick reconnect cancels the pending "offline": no flapping.
        Official.objects.filter(pk=official.pk).update(offline_after=None)


def console_seen(*, official, channel_name):
    """A ping from an open console.  If the sweep had forgotten it (pings paused past the stale
    limit), the connection is recorded again and any pending offline is cancelled."""
    if not ConsoleConnection.objects.filter(channel_name=channel_name).update(last_seen=clock.now()):
        console_connected(official=official, channel_name=channel_name)


def console_disconnected(*, official_id, channel_name):
    grace = settings.CHAT["PRESENCE_GRACE_SECONDS"]
    with transaction.atomic():
        ConsoleConnection.objects.filter(channel_name=channel_name).delete()
        if not ConsoleConnection.objects.filter(official_id=official_id).exists():
            Official.objects.filter(pk=official_id).exclude(status=Official.Status.OFFLINE).update(
                offline_after=clock.now() + dt.timedelta(seconds=grace)
            )


def presence_sweep(*, now=None):
    """Worker job: forget dead connections (a killed process leaves rows), then take officials
    whose grace period ran out with no console open off duty.  Returns how many went offline."""
    now = now or clock.now()
    stale_before = now - dt.timedelta(seconds=settings.CHAT["CONNECTION_STALE_SECONDS"])
    for connection in selectors.stale_connections(stale_before):
        console_disconnected(official_id=connection.official_id, channel_name=connection.channel_name)
    count = 0
    for official in selectors.officials_to_mark_offline(now):
        with transaction.atomic():
            locked = Official.objects.select_for_update().get(pk=official.pk)
            if locked.offline_after is None or locked.offline_after > now or locked.connections.exists():
                continue
            locked.offline_after = None
            changed = locked.status != Official.Status.OFFLINE
            locked.status = Official.Status.OFFLINE
            locked.status_changed_at = now
            locked.save(update_fields=["offline_after", "status", "status_changed_at"])
            if changed:
                _announce_status(locked)
                count += 1
    return count


# --- calendar: office hours, holidays and closures, the duty roster -------------------------
# The rules that read these rows live in schedule.py; nothing there is cached, so a closure
# saved here counts at once.


def _fail(message, code, field=None):
    raise ValidationError(message, code=code, field=field)


def validate_office_spans(*, weekend, spans):
    """Check a unit's weekly spans [(weekday, start, end), ...] (0 = Saturday) before a write:
    each start before its end, none on the unit's weekend, none overlapping on one day."""
    weekend_days = Unit(weekend=weekend).weekend_days
    spans = list(spans)
    for weekday, start, end in spans:
        if weekday not in range(7):
            _fail("روز هفته نامعتبر است.", "invalid_weekday", "weekday")
        if start is None or end is None:
            _fail("ساعت شروع و پایان را وارد کنید.", "missing_time", "start")
        if start >= end:
            _fail(f"در {jalali.WEEKDAYS[weekday]} ساعت پایان باید بعد از ساعت شروع باشد.", "end_before_start", "end")
        if weekday in weekend_days:
            _fail(f"{jalali.WEEKDAYS[weekday]} تعطیل آخر هفته این واحد است؛ برای آن ساعت کاری تعریف نکنید.", "weekend_hours", "weekday")
    ordered = sorted(spans)
    for (day_a, _, end_a), (day_b, start_b, _) in zip(ordered, ordered[1:]):
        if day_a == day_b and start_b < end_a:
            _fail(f"ساعت‌های کاری {jalali.WEEKDAYS[day_a]} با هم هم‌پوشانی دارند.", "overlapping_hours", "start")
    return ordered


def office_hours_replace(*, unit, spans):
    """Replace a unit's weekly office hours.  No spans at all means the default Iranian office
    hours (schedule.DEFAULT_HOURS)."""
    spans = [(int(w), s, e) for w, s, e in spans]
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        spans = validate_office_spans(weekend=unit.weekend, spans=spans)
        OfficeHours.objects.filter(unit=unit).delete()
        OfficeHours.objects.bulk_create([OfficeHours(unit=unit, weekday=w, start=s, end=e) for w, s, e in spans])
    return list(OfficeHours.objects.filter(unit=unit))


def validate_holiday(*, date, name, kind, unit=None, start=None, end=None, holiday_id=None):
    """Check a holiday or closure before a write; returns the cleaned name."""
    name = persian.clean_line(name)
    if not name:
        _fail("نام مناسبت را بنویسید.", "missing_name", "name")
    if len(name) > Holiday._meta.get_field("name").max_length:
        _fail("نام مناسبت بیش از اندازه بلند است.", "name_too_long", "name")
    if kind not in Holiday.Kind.values:
        _fail("نوع تعطیلی نامعتبر است.", "invalid_kind", "kind")
    if date is None:
        _fail("تاریخ را وارد کنید.", "missing_date", "date")
    if (start is None) != (end is None):
        _fail("برای تعطیلی بخشی از روز هر دو ساعت شروع و پایان را وارد کنید؛ برای تمام روز هر دو را خالی بگذارید.", "partial_span", "end")
    if start is not None:
        if kind != Holiday.Kind.CLOSURE:
            _fail("فقط تعطیلی موردی می‌تواند بخشی از روز باشد.", "partial_official", "start")
        if start >= end:
            _fail("ساعت پایان تعطیلی باید بعد از ساعت شروع آن باشد.", "end_before_start", "end")
    clash = Holiday.objects.filter(date=date, unit=unit).exclude(pk=holiday_id).first()
    if clash is not None:
        where = f"واحد «{unit.name}»" if unit is not None else "همه سازمان"
        _fail(f"برای {jalali.format_date(date)} و {where} قبلاً «{clash.name}» ثبت شده است.", "duplicate_holiday", "date")
    return name


def holiday_save(*, holiday=None, date, name, kind=Holiday.Kind.OFFICIAL, unit=None, start=None, end=None, is_estimated=False):
    """Add or edit a holiday or closure by a person (``source="staff"``: the seed never
    overwrites it).  Takes effect at once."""
    with transaction.atomic():
        if holiday is not None:
            holiday = Holiday.objects.select_for_update().get(pk=holiday.pk)
        name = validate_holiday(date=date, name=name, kind=kind, unit=unit, start=start, end=end, holiday_id=holiday and holiday.pk)
        holiday = holiday or Holiday()
        holiday.date, holiday.name, holiday.kind, holiday.unit = date, name, kind, unit
        holiday.start, holiday.end, holiday.is_estimated = start, end, bool(is_estimated)
        holiday.source = Holiday.Source.STAFF
        holiday.updated_at = clock.now()
        holiday.save()
    return holiday


def closure_add(*, date, name, unit=None, start=None, end=None):
    """A one-off closure (pollution, snow, mourning) for the organisation or one unit; ``start`` and
    ``end`` close part of the day only."""
    return holiday_save(date=date, name=name, kind=Holiday.Kind.CLOSURE, unit=unit, start=start, end=end)


def holiday_delete(*, holiday):
    with transaction.atomic():
        Holiday.objects.filter(pk=holiday.pk).delete()


SOLAR_HOLIDAYS = {(1, 1), (1, 2), (1, 3), (1, 4), (1, 12), (1, 13), (3, 14), (3, 15), (11, 22), (12, 29), (12, 30)}
"""Jalali (month, day) of the official holidays fixed in the solar calendar: exact dates."""


def package_holidays(jalali_year):
    """The official holidays of one Jalali year from the ``holidays`` package, as
    [(date, Persian name, is_estimated)].  Islamic (lunar) holidays are estimates until announced;
    a day that is also a solar holiday or a one-off government holiday is exact."""
    import holidays  # lazy: a large package (every country's calendar), used only when seeding holidays

    first = jalali.jalali_date(jalali_year, 1, 1)
    last = jalali.jalali_date(jalali_year + 1, 1, 1) - dt.timedelta(days=1)  # 30 Esfand in leap years
    calendar = holidays.country_holidays("IR", years=range(first.year, last.year + 1), language="fa_IR", islamic_show_estimated=False)
    special = set()
    for year, items in (getattr(calendar, "special_public_holidays", None) or {}).items():
        for item in items:
            try:
                special.add(dt.date(year, item[0], item[1]))
            except (TypeError, ValueError, IndexError):
                continue
    rows = []
    for date in sorted(d for d in calendar if first <= d <= last):
        j = jdatetime.date.fromgregorian(date=date, locale=jalali.LOCALE)
        name = "؛ ".join(persian.to_persian_digits(n) for n in calendar.get_list(date))
        estimated = (j.month, j.day) not in SOLAR_HOLIDAYS and date not in special
        rows.append((date, name[: Holiday._meta.get_field("name").max_length], estimated))
    return rows


def holidays_seed(*, jalali_years):
    """Bring the organisation-wide official holidays of these Jalali years in line with the
    ``holidays`` package.  Idempotent.  Never touches a row staff added or edited
    (``source="staff"``), even one moved to another day; drops package rows the package no longer
    lists (a lunar estimate it moved).  Returns counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept_staff": 0, "removed": 0}
    now = clock.now()
    with transaction.atomic():
        for year in jalali_years:
            rows = package_holidays(year)
            first = jalali.jalali_date(year, 1, 1)
            last = jalali.jalali_date(year + 1, 1, 1) - dt.timedelta(days=1)
            seeded = {h.seeded_date: h for h in Holiday.objects.select_for_update().filter(unit=None, seeded_date__range=(first, last))}
            for date, name, estimated in rows:
                row = seeded.pop(date, None)
                if row is None:
                    if Holiday.objects.filter(unit=None, date=date).exists():
                        counts["kept_staff"] += 1  # a person already entered this day
                        continue
                    Holiday.objects.create(
                        date=date, name=name, kind=Holiday.Kind.OFFICIAL, is_estimated=estimated,
                        source=Holiday.Source.PACKAGE, seeded_date=date, updated_at=now,
                    )
                    counts["created"] += 1
                elif row.source == Holiday.Source.STAFF:
                    counts["kept_staff"] += 1
                elif (row.date, row.name, row.kind, row.is_estimated, row.start) != (date, name, Holiday.Kind.OFFICIAL, estimated, None):
                    row.date, row.name, row.kind, row.is_estimated = date, name, Holiday.Kind.OFFICIAL, estimated
                    row.start = row.end = None
                    row.updated_at = now
                    row.save()
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
            for row in seeded.values():
                if row.source == Holiday.Source.PACKAGE:
                    row.delete()
                    counts["removed"] += 1
    return counts


def _serves(official, unit):
    return official.sees_all_units or official.units.filter(pk=unit.pk).exists()


def validate_duty_shift(*, unit, date, start, end, official, substitute=None, shift_id=None):
    if unit is None:
        _fail("واحد را انتخاب کنید.", "missing_unit", "unit")
    if date is None:
        _fail("تاریخ را وارد کنید.", "missing_date", "date")
    if start is None or end is None:
        _fail("ساعت شروع و پایان کشیک را وارد کنید.", "missing_time", "start")
    if start >= end:
        _fail("ساعت پایان کشیک باید بعد از ساعت شروع باشد؛ کشیک شبانه را در دو بخش (تا نیمه‌شب و از نیمه‌شب) ثبت کنید.", "end_before_start", "end")
    if official is None:
        _fail("کشیک را انتخاب کنید.", "missing_official", "official")
    if not _serves(official, unit):
        _fail(f"«{official.display_name}» در واحد «{unit.name}» خدمت نمی‌کند.", "official_not_in_unit", "official")
    if substitute is not None:
        if substitute.pk == official.pk:
            _fail("جانشین باید کسی غیر از خود کشیک باشد.", "substitute_is_official", "substitute")
        if not _serves(substitute, unit):
            _fail(f"جانشین «{substitute.display_name}» در واحد «{unit.name}» خدمت نمی‌کند.", "substitute_not_in_unit", "substitute")
    overlap = (
        DutyShift.objects.filter(unit=unit, date=date, official=official, start__lt=end, end__gt=start).exclude(pk=shift_id).first()
    )
    if overlap is not None:
        _fail(
            f"«{official.display_name}» در این روز کشیک هم‌زمان دیگری دارد ({persian.to_persian_digits(f'{overlap.start:%H:%M}–{overlap.end:%H:%M}')}).",
            "overlapping_shift",
            "start",
        )


def duty_shift_save(*, shift=None, unit, date, start, end, official, substitute=None, note=""):
    """Add or edit a shift of the duty roster."""
    with transaction.atomic():
        if shift is not None:
            shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
        validate_duty_shift(unit=unit, date=date, start=start, end=end, official=official, substitute=substitute, shift_id=shift and shift.pk)
        shift = shift or DutyShift()
        shift.unit, shift.date, shift.start, shift.end = unit, date, start, end
        shift.official, shift.substitute, shift.note = official, substitute, persian.clean_line(note)
        shift.save()
    return shift


def duty_shift_delete(*, shift):
    with transaction.atomic():
        DutyShift.objects.filter(pk=shift.pk).delete()
