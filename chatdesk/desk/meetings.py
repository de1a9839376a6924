"""Meeting requests («درخواست ملاقات حضوری»): services (writes) and selectors (reads).

Flow: the citizen picks a deputy or manager from the directory (an active official who manages
an active unit and has a position), a subject and up to three preferred Jalali days → a ticket of
kind ``meeting`` in that person's unit (their office) and a ``MeetingRequest``.  The office
offers a slot (the citizen confirms it on the tracking page) or confirms one at once.  The
citizen is told each step (timeline entry, email through ``chatdesk.mail.notifications
.meeting_update``) and can cancel until the meeting.  The worker job
``meeting_reminder_sweep`` reminds the citizen once, ``REMINDER_HOURS`` before the meeting.

Ticket status follows the meeting: offered → waiting (for the citizen), confirmed → open,
cancelled → closed, done → resolved.
"""

import datetime as dt

from django.db import transaction

from chatdesk.core import clock, events, jalali, realtime
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.core.persian import clean_line, to_latin_digits, to_persian_digits
from chatdesk.directory import schedule
from chatdesk.directory.models import Unit
from chatdesk.directory.selectors import unit_ids_for_official
from chatdesk.mail import notifications
from chatdesk.tickets import notify as ticket_notify
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets import wire as ticket_wire
from chatdesk.tickets import writes as ticket_writes
from chatdesk.tickets.access import access_ticket_for_official
from chatdesk.tickets.models import Entry, Ticket

from .models_forms import MeetingRequest
from .online_requests import hit_form_limit, validate_national_code

M = MeetingRequest.Status
S = Ticket.Status
MAX_DAYS = 3
MAX_DAYS_AHEAD = 90
REMINDER_HOURS = 24
SLOT_MINUTES = (10, 15, 20, 30, 45, 60)


# --- reads --------------------------------------------------------------------------------------
def meetable_people():
    """Deputies and managers a citizen may ask to meet: [(official, unit)], in menu order."""
    units = (
        Unit.objects.filter(is_active=True, manager__isnull=False, manager__user__is_active=True)
        .exclude(manager__position="")
        .select_related("manager")
        .order_by("menu_order", "id")
    )
    seen, people = set(), []
    for unit in units:
        if unit.manager_id in seen:
            continue
        seen.add(unit.manager_id)
        people.append((unit.manager, unit))
    return people


def person_and_office(person_id):
    for official, unit in meetable_people():
        if str(official.pk) == str(person_id):
            return official, unit
    return None, None


def meeting_for_ticket(ticket):
    return MeetingRequest.objects.select_related("person", "ticket").filter(ticket=ticket).first()


def meetings_for_official(official, *, include_past=False):
    """Meeting requests of the official's units (their offices' inbox), soonest first."""
    qs = MeetingRequest.objects.select_related("person", "ticket", "ticket__unit").filter(ticket__unit_id__in=unit_ids_for_official(official))
    if not include_past:
        qs = qs.filter(status__in=[M.REQUESTED, M.OFFERED, M.CONFIRMED])
    return list(qs.order_by("status", "slot_start", "created_at"))


def days_display(meeting):
    return [jalali.format_date(dt.date.fromisoformat(d), long=True) for d in meeting.preferred_days]


def slot_display(meeting):
    if meeting.slot_start is None:
        return ""
    return f"{jalali.format_date(meeting.slot_start, long=True)} ساعت {jalali.format_time(meeting.slot_start)}"


def reminders_due(now):
    return MeetingRequest.objects.filter(
        status=M.CONFIRMED, reminded_at__isnull=True, slot_start__gt=now, slot_start__lte=now + dt.timedelta(hours=REMINDER_HOURS)
    ).values_list("pk", flat=True)


# --- helpers ------------------------------------------------------------------------------------
def _notify(meeting, event):
    """Email and SMS the citizen (chatdesk/mail and chatdesk/sms write their outbox rows in this
    transaction)."""
    notifications.meeting_update(meeting, event, slot_text=slot_display(meeting))
    stamp = int((meeting.updated_at or meeting.ticket.updated_at).timestamp())
    ticket_notify.meeting_update(meeting.ticket, event, person_name=meeting.person.display_name, slot_text=slot_display(meeting), stamp=stamp)


def _lock(meeting_id=None, *, ticket=None):
    qs = MeetingRequest.objects.select_for_update().select_related("person")
    meeting = qs.filter(ticket=ticket).first() if ticket is not None else qs.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound()
    return meeting


def _save(meeting, now, *fields):
    meeting.updated_at = now
    meeting.save(update_fields=[*fields, "updated_at"])


def _status(ticket, new, *, official=None, actor=None, now):
    if ticket.status != new and new in ticket_services.TRANSITIONS[ticket.status]:
        ticket_writes.set_status(ticket, new, official=official, actor=actor, now=now)


def _entry(ticket, text, event, *, official=None, now, **data):
    return ticket_writes.add_entry(ticket, Entry.Kind.EVENT, text, official=official, data={"event": event, **data}, now=now)


def _parse_days(days, today):
    parsed = []
    for value in days or []:
        value = (value or "").strip() if isinstance(value, str) else value
        if not value:
            continue
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = jalali.parse_date(value)
            except ValueError:
                raise ValidationError("تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۹/۰۱ وارد کنید.", code="invalid_day", field="days") from None
        if day <= today:
            raise ValidationError("روزهای پیشنهادی باید از فردا به بعد باشند.", code="invalid_day", field="days")
        if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            raise ValidationError(f"روزهای پیشنهادی باید تا {to_persian_digits(MAX_DAYS_AHEAD)} روز آینده باشند.", code="invalid_day", field="days")
        if day not in parsed:
            parsed.append(day)
    if not parsed:
        raise ValidationError("دست‌کم یک روز پیشنهادی انتخاب کنید.", code="days_required", field="days")
    if len(parsed) > MAX_DAYS:
        raise ValidationError(f"حداکثر {to_persian_digits(MAX_DAYS)} روز پیشنهاد دهید.", code="invalid_day", field="days")
    return parsed


# --- citizen ------------------------------------------------------------------------------------
def meeting_request_open(*, person_id, subject, body, days, name, mobile="", email="", national_code="",
                         day_part=MeetingRequest.DayPart.ANY, files=(), ip_address=None, dedup_key=""):
    """Ask to meet a deputy or manager.  Returns tickets.services.Opened (its ticket has
    ``.meeting``)."""
    person, office = person_and_office(person_id)
    if person is None:
        raise ValidationError("فردی را که می‌خواهید ملاقات کنید از فهرست انتخاب کنید.", code="invalid_person", field="person")
    today = jalali.local(clock.now()).date()
    parsed = _parse_days(days, today)
    if day_part not in MeetingRequest.DayPart.values:
        day_part = MeetingRequest.DayPart.ANY
    national_code = validate_national_code(national_code)
    hit_form_limit(ip_address)
    with transaction.atomic():
        opened = ticket_services.ticket_open(
            kind=Ticket.Kind.MEETING, unit=office, subject=subject, body=body, name=name, mobile=mobile, email=email,
            national_code=national_code, files=files, ip_address=ip_address, dedup_key=dedup_key,
            data={"meeting": {"person_id": person.pk, "person_name": person.display_name, "position": person.position,
                              "days": [d.isoformat() for d in parsed], "day_part": day_part}},
        )
        if opened.created:
            now = clock.now()
            MeetingRequest.objects.create(
                ticket=opened.ticket, person=person, preferred_days=[d.isoformat() for d in parsed], day_part=day_part,
                created_at=now, updated_at=now,
            )
    return opened


def meeting_accept_by_citizen(*, ticket):
    """The citizen confirms the slot the office offered.  The caller checked access (the
    tracking page's session, access.access_ticket_for_session)."""
    now = clock.now()
    with transaction.atomic():
        meeting = _lock(ticket=ticket)
        if meeting.status == M.CONFIRMED:
            return meeting
        if meeting.status != M.OFFERED:
            raise Conflict("وقتی برای تأیید پیشنهاد نشده است.", code="nothing_to_confirm")
        if meeting.slot_start <= now:
            raise Conflict("زمان پیشنهادی گذشته است؛ منتظر پیشنهاد تازه بمانید یا درخواست را لغو کنید.", code="slot_passed")
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        meeting.status, meeting.confirmed_at = M.CONFIRMED, now
        _save(meeting, now, "status", "confirmed_at")
        _entry(ticket, f"شهروند زمان ملاقات ({slot_display(meeting)}) را تأیید کرد.", "meeting_confirmed", now=now)
        ticket_writes.audit(ticket, "meeting_confirmed", actor="citizen", changes={"slot": meeting.slot_start.isoformat()}, now=now)
        _status(ticket, S.OPEN, actor="citizen", now=now)
        _tell_office(ticket)
        _notify(meeting, "confirmed")
    return meeting


def meeting_cancel_by_citizen(*, ticket, reason=""):
    now = clock.now()
    reason = clean_line(reason or "")[:300]
    with transaction.atomic():
        meeting = _lock(ticket=ticket)
        if meeting.status == M.CANCELLED:
            return meeting
        if not meeting.is_active:
            raise Conflict("این ملاقات دیگر قابل لغو نیست.", code="meeting_closed")
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        meeting.status, meeting.cancelled_at, meeting.cancelled_by, meeting.cancel_reason = M.CANCELLED, now, "citizen", reason
        _save(meeting, now, "status", "cancelled_at", "cancelled_by", "cancel_reason")
        _entry(ticket, "شهروند درخواست ملاقات را لغو کرد." + (f" علت: {reason}" if reason else ""), "meeting_cancelled", now=now, by="citizen")
        ticket_writes.audit(ticket, "meeting_cancelled", actor="citizen", changes={"reason": reason}, now=now)
        _status(ticket, S.CLOSED, actor="citizen", now=now)
        _tell_office(ticket)
        _notify(meeting, "cancelled")
    return meeting


# --- the office ---------------------------------------------------------------------------------
def _parse_slot(date_value, time_value):
    try:
        day = date_value if isinstance(date_value, dt.date) else jalali.parse_date(date_value)
    except ValueError:
        raise ValidationError("تاریخ ملاقات نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۹/۰۱ وارد کنید.", code="invalid_slot", field="date") from None
    if not isinstance(time_value, dt.time):
        text = to_latin_digits(str(time_value or "")).strip()
        try:
            hours, minutes = (int(p) for p in text.split(":"))
            time_value = dt.time(hours, minutes)
        except (ValueError, TypeError):
            raise ValidationError("ساعت ملاقات را به شکل ۱۰:۳۰ وارد کنید.", code="invalid_slot", field="time") from None
    return jalali.local_datetime(day, time_value)


def meeting_offer(*, ticket_id, official, date, time, minutes=20, location="", confirm=False):
    """The office offers a slot (the citizen then confirms it) or, with ``confirm``, fixes it.
    The slot must be in the future and inside the office's hours (holidays included)."""
    start = _parse_slot(date, time)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if minutes not in SLOT_MINUTES:
        raise ValidationError("مدت ملاقات نامعتبر است.", code="invalid_slot", field="minutes")
    location = clean_line(location or "")[:200]
    now = clock.now()
    if start <= now:
        raise ValidationError("زمان ملاقات باید در آینده باشد.", code="invalid_slot", field="date")
    with transaction.atomic():
        ticket = access_ticket_for_official(official, ticket_id, for_update=True)
        meeting = _lock(ticket=ticket)
        if not meeting.is_active:
            raise Conflict("این درخواست ملاقات بسته شده است.", code="meeting_closed")
        end = start + dt.timedelta(minutes=minutes)
        if not schedule.is_open(ticket.unit, start) or not schedule.is_open(ticket.unit, end - dt.timedelta(seconds=1)):
            raise ValidationError("این زمان در ساعت اداری واحد نیست (یا روز تعطیل است).", code="outside_office_hours", field="time")
        clash = MeetingRequest.objects.filter(person=meeting.person, status=M.CONFIRMED, slot_start__lt=end).exclude(pk=meeting.pk)
        for other in clash:
            if other.slot_start + dt.timedelta(minutes=other.slot_minutes) > start:
                raise Conflict("در این زمان ملاقات قطعی دیگری برای همین فرد ثبت شده است.", code="slot_taken")
        old = meeting.slot_start.isoformat() if meeting.slot_start else None
        meeting.slot_start, meeting.slot_minutes, meeting.location = start, minutes, location
        meeting.offered_by, meeting.offered_at, meeting.reminded_at = official, now, None
        meeting.status = M.CONFIRMED if confirm else M.OFFERED
        meeting.confirmed_at = now if confirm else None
        _save(meeting, now, "slot_start", "slot_minutes", "location", "offered_by", "offered_at", "reminded_at", "status", "confirmed_at")
        where = f" در {location}" if location else ""
        if confirm:
            text = f"زمان ملاقات شما با {meeting.person.display_name} قطعی شد: {slot_display(meeting)}{where}."
        else:
            text = (f"زمان پیشنهادی برای ملاقات با {meeting.person.display_name}: {slot_display(meeting)}{where}. "
                    "لطفاً آن را در صفحه پیگیری تأیید یا لغو کنید.")
        _entry(ticket, text, "meeting_confirmed" if confirm else "meeting_offered", official=official, now=now, slot=start.isoformat())
        ticket_writes.audit(ticket, "meeting_offer", official=official,
                               changes={"slot": [old, start.isoformat()], "confirmed": confirm, "minutes": minutes}, now=now)
        if ticket.first_response_at is None:
            ticket.first_response_at, ticket.sla_alerted = now, 0
            ticket_writes.touch(ticket, now, "first_response_at", "sla_alerted")
        if ticket.assignee_id is None:
            ticket.assignee = official
            ticket_writes.touch(ticket, now, "assignee")
        _status(ticket, S.OPEN if confirm else S.WAITING, official=official, now=now)
        _notify(meeting, "confirmed" if confirm else "offered")
    return meeting


def meeting_cancel_by_official(*, ticket_id, official, reason):
    reason = clean_line(reason or "")[:300]
    if len(reason) < 3:
        raise ValidationError("علت لغو را بنویسید؛ برای شهروند فرستاده می‌شود.", code="reason_required", field="reason")
    now = clock.now()
    with transaction.atomic():
        ticket = access_ticket_for_official(official, ticket_id, for_update=True)
        meeting = _lock(ticket=ticket)
        if not meeting.is_active:
            raise Conflict("این درخواست ملاقات بسته شده است.", code="meeting_closed")
        meeting.status, meeting.cancelled_at, meeting.cancelled_by, meeting.cancel_reason = M.CANCELLED, now, "official", reason
        _save(meeting, now, "status", "cancelled_at", "cancelled_by", "cancel_reason")
        _entry(ticket, f"ملاقات لغو شد. علت: {reason}", "meeting_cancelled", official=official, now=now, by="official")
        ticket_writes.audit(ticket, "meeting_cancelled", official=official, changes={"reason": reason}, now=now)
        _status(ticket, S.CLOSED, official=official, now=now)
        _notify(meeting, "cancelled")
    return meeting


def meeting_mark_done(*, ticket_id, official):
    now = clock.now()
    with transaction.atomic():
        ticket = access_ticket_for_official(official, ticket_id, for_update=True)
        meeting = _lock(ticket=ticket)
        if meeting.status != M.CONFIRMED:
            raise Conflict("فقط ملاقات قطعی‌شده را می‌توان انجام‌شده ثبت کرد.", code="not_confirmed")
        meeting.status = M.DONE
        _save(meeting, now, "status")
        _entry(ticket, "ملاقات انجام شد.", "meeting_done", official=official, now=now)
        ticket_writes.audit(ticket, "meeting_done", official=official, now=now)
        _status(ticket, S.RESOLVED, official=official, now=now)
    return meeting


def _tell_office(ticket):
    frame = {"type": events.TICKET_CHANGED, "ticket": ticket_wire.ticket_brief(ticket)}
    realtime.to_units([ticket.unit_id], frame)
    if ticket.assignee_id:
        realtime.to_official(ticket.assignee_id, frame)


# --- worker -------------------------------------------------------------------------------------
def meeting_reminder_sweep(*, now=None):
    """Worker job: remind the citizen of a confirmed meeting once, ``REMINDER_HOURS`` before it.
    The conditional update of ``reminded_at`` decides which worker sends it."""
    now = now or clock.now()
    sent = 0
    for meeting_id in list(reminders_due(now)[:200]):
        with transaction.atomic():
            won = MeetingRequest.objects.filter(pk=meeting_id, status=M.CONFIRMED, reminded_at__isnull=True).update(reminded_at=now)
            if not won:
                continue
            meeting = MeetingRequest.objects.select_related("person", "ticket", "ticket__unit").get(pk=meeting_id)
            ticket = meeting.ticket
            where = f" در {meeting.location}" if meeting.location else ""
            _entry(ticket, f"یادآوری: ملاقات شما با {meeting.person.display_name} {slot_display(meeting)}{where} است. "
                           "اگر نمی‌توانید حاضر شوید، آن را در صفحه پیگیری لغو کنید.", "meeting_reminder", now=now)
            ticket_writes.audit(ticket, "meeting_reminder", changes={"slot": meeting.slot_start.isoformat()}, now=now)
            _notify(meeting, "reminder")
            sent += 1
    return sent

