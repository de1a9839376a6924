"""Statutory deadlines in working days (Iranian calendar, holidays), the clocks standing still
while a case waits for the citizen, and the sweep that sends an overdue case up to the parent
unit's supervisor exactly once.  Every moment is pinned (frozen clock, explicit ``now``)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.conf import settings
from django.test import override_settings

from chatdesk.core import clock, realtime
from chatdesk.core.errors import Conflict
from chatdesk.directory import schedule
from chatdesk.directory.models import Holiday, Official
from chatdesk.mail.models import OutboundMail
from chatdesk.sms.models import OutboundSms
from chatdesk.tickets import access, selectors, services, sweeps
from chatdesk.tickets.models import Attachment, AuditEvent, Entry, Ticket

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
S = Ticket.Status


def png():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def open_case(unit_, *, when=MONDAY_10, kind="complaint", **kw):
    fields = dict(
        kind=kind, unit=unit_, subject="شکایت از تأخیر در صدور حکم", body="حکم من پس از دو ماه صادر نشده است.",
        name="سارا رضایی", mobile="09121112233", email="sara@example.ir", national_code="0013542419",
    )
    fields.update(kw)
    with clock.frozen_at(when):
        return services.ticket_open(**fields).ticket


# --- working days ---------------------------------------------------------------------------------
def test_working_days_skip_weekends_and_holidays(unit):
    # Monday 2 Azar 1405; Thursday and Friday are the weekend.
    assert schedule.add_working_days(unit, MONDAY_10, 1) == at(1405, 9, 3, 14, 30)
    assert schedule.add_working_days(unit, MONDAY_10, 3) == at(1405, 9, 7, 14, 30)  # Tue, Wed, then Saturday
    Holiday.objects.create(date=at(1405, 9, 7).date(), name="تعطیلی آزمایشی", kind="closure")
    assert schedule.add_working_days(unit, MONDAY_10, 3) == at(1405, 9, 8, 14, 30)  # the holiday does not count
    unit.always_open = True
    assert schedule.add_working_days(unit, MONDAY_10, 3) == at(1405, 9, 5, 23, 59)  # calendar days, to the day's end


def test_statutory_deadline_per_kind_unit_and_service(unit):
    complaint = open_case(unit)  # 15 working days by default
    assert complaint.statutory_due == at(1405, 9, 23, 14, 30)
    request = open_case(unit, kind="request", subject="درخواست گواهی اشتغال")  # default 30
    assert request.statutory_due == schedule.add_working_days(unit, MONDAY_10, 30)
    with override_settings(TICKETS={**settings.TICKETS, "STATUTORY_DAYS": {"complaint": 20, "default": 30}}):
        assert open_case(unit, subject="شکایت دوم").statutory_due == schedule.add_working_days(unit, MONDAY_10, 20)
    unit.response_days = 5
    unit.save()
    assert open_case(unit, subject="شکایت سوم").statutory_due == at(1405, 9, 9, 14, 30)
    # a service's own deadline wins over the unit's
    assert open_case(unit, subject="شکایت چهارم", response_days=2).statutory_due == at(1405, 9, 4, 14, 30)


# --- the clocks stand still while the case waits for the citizen -----------------------------------
def test_clocks_pause_for_missing_documents_and_resume_across_a_holiday(unit, officials):
    Holiday.objects.create(date=at(1405, 9, 7).date(), name="تعطیلی آزمایشی", kind="closure")  # Saturday
    unit.first_response_minutes = 60
    unit.save()
    ticket = open_case(unit)
    # resolution: 21 office hours from Monday 10:00 = Sunday 8 Azar 10:00 (Saturday is closed)
    assert ticket.resolution_due == at(1405, 9, 8, 10)
    assert ticket.statutory_due == at(1405, 9, 24, 14, 30)  # 15 working days, the holiday skipped
    with clock.frozen_at(at(1405, 9, 4, 13)):  # Wednesday 13:00
        services.ticket_request_documents(ticket_id=ticket.pk, official=officials["a"], missing="تصویر کارت ملی خوانا نیست.")
    ticket.refresh_from_db()
    assert ticket.status == S.DOCS and ticket.clock_paused_at == at(1405, 9, 4, 13)
    # While it waits nothing is announced, though the old deadline passes.
    assert selectors.sla_state(ticket, at(1405, 9, 8, 11)) == "paused"
    assert sweeps.sla_sweep(now=at(1405, 9, 8, 11)) == 0
    # The citizen sends the document on Sunday 9:30: 3.5 office hours passed while paused
    # (Wednesday 13:00–14:30, Sunday 7:30–9:30), and what was left is left again.
    with clock.frozen_at(at(1405, 9, 8, 9, 30)):
        services.ticket_follow_up(
            ticket_id=ticket.pk, body="تصویر تازه پیوست شد.",
            files=[SimpleUploadedFile("کارت ملی.png", png(), content_type="image/png")],
        )
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN and ticket.clock_paused_at is None
    assert ticket.resolution_due == at(1405, 9, 8, 13, 30)  # 4 h were left: Sunday 9:30 + 4 h
    assert ticket.statutory_due == at(1405, 9, 25, 11)  # moved on by the same 3.5 office hours
    assert Attachment.objects.filter(ticket=ticket, uploaded_by="citizen").count() == 1
    resumed = ticket.audit.get(action="clock_resumed")
    assert dt.datetime.fromisoformat(resumed.changes["paused_at"]) == at(1405, 9, 4, 13)
    assert set(resumed.changes) >= {"resolution_due", "statutory_due"}


def test_waiting_for_an_answer_pauses_too_and_a_passed_deadline_stays_passed(unit, officials):
    unit.first_response_minutes = 60
    unit.save()
    ticket = open_case(unit)  # first response due Monday 11:00
    with clock.frozen_at(at(1405, 9, 2, 11, 30)):  # already late
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=S.WAITING)
    with clock.frozen_at(at(1405, 9, 3, 9)):
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=S.OPEN)
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(1405, 9, 2, 11)  # not moved: it had passed
    # the resolution clock had not passed: Monday 11:30 to its due (Thursday, Friday off) is
    # left again from Tuesday 9:00
    left = schedule.business_seconds_between(unit, at(1405, 9, 2, 11, 30), at(1405, 9, 7, 10))
    assert left == 19.5 * 3600  # Monday 3 h + Tuesday 7 h + Wednesday 7 h + Saturday 2.5 h
    # from Tuesday 9:00: Tuesday 5.5 h, Wednesday 7 h, Saturday 7 h → Saturday 14:30
    assert ticket.resolution_due == at(1405, 9, 7, 14, 30)


# --- missing documents --------------------------------------------------------------------------------
def test_docs_request_is_a_public_answer_mailed_and_texted(unit, officials, django_capture_on_commit_callbacks):
    ticket = open_case(unit)
    with clock.frozen_at(at(1405, 9, 2, 11)):
        entry = services.ticket_request_documents(
            ticket_id=ticket.pk, official=officials["a"], missing="صفحه دوم شناسنامه", dedup_key="form-9",
        )
        again = services.ticket_request_documents(
            ticket_id=ticket.pk, official=officials["a"], missing="صفحه دوم شناسنامه", dedup_key="form-9",
        )
    assert again.pk == entry.pk
    assert entry.public and entry.kind == Entry.Kind.REPLY and "صفحه دوم شناسنامه" in entry.body
    assert entry.data["event"] == "docs_requested"
    assert list(AuditEvent.objects.filter(ticket=ticket, action="docs_requested").values_list("changes__missing", flat=True)) == ["صفحه دوم شناسنامه"]
    mails = OutboundMail.objects.filter(ticket=ticket, kind=OutboundMail.Kind.REPLY)
    assert mails.count() == 1 and "صفحه دوم شناسنامه" in mails.get().text and "منتظر مدارک شماست" in mails.get().text
    assert OutboundSms.objects.filter(to="09121112233").exclude(dedup_key__startswith="created").count() == 1


def test_docs_request_refuses_empty_note_and_changes_nothing(unit, officials):
    from chatdesk.core.errors import ValidationError

    ticket = open_case(unit)
    with pytest.raises(ValidationError):
        services.ticket_request_documents(ticket_id=ticket.pk, official=officials["a"], missing="   ")
    ticket.refresh_from_db()
    assert ticket.status == S.NEW and not Entry.objects.filter(ticket=ticket, kind=Entry.Kind.REPLY).exists()


# --- objection ---------------------------------------------------------------------------------------
def test_objection_once_goes_to_the_units_supervisor_or_up_the_hierarchy(make_unit, make_official):
    parent = make_unit("معاونت توسعه", code="dev")
    child = make_unit("اداره کارگزینی", code="hr", parent=parent)
    clerk = make_official("clerk", [child], name="کارشناس کارگزینی")
    boss = make_official("boss", [parent], name="مدیر توسعه", role=Official.Role.SUPERVISOR)
    outsider = make_official("outsider", [make_unit("روابط عمومی", code="pr")])
    ticket = open_case(child)
    with pytest.raises(Conflict):  # not rejected yet
        services.ticket_object(ticket_id=ticket.pk, reason="دلیل")
    with clock.frozen_at(at(1405, 9, 2, 11)):
        services.ticket_reply(ticket_id=ticket.pk, official=clerk, body="درخواست شما با مقررات همخوانی ندارد.", status=S.REJECTED)
    ticket.refresh_from_db()
    assert ticket.status == S.REJECTED and ticket.resolved_at == at(1405, 9, 2, 11)
    with pytest.raises(access.NotFound):
        access.access_ticket_for_official(boss, ticket.pk)
    with clock.frozen_at(at(1405, 9, 3, 9)), realtime.captured() as sent:
        services.ticket_object(ticket_id=ticket.pk, reason="مدارک کامل بود و پیوست شده است.")
    ticket.refresh_from_db()
    assert ticket.status == S.OBJECTED and ticket.supervisor == boss and ticket.objected_at == at(1405, 9, 3, 9)
    row = AuditEvent.objects.get(ticket=ticket, action="objection")
    assert row.actor == "citizen" and row.changes["supervisor"] == boss.pk and "مدارک کامل" in row.changes["reason"]
    assert access.access_ticket_for_official(boss, ticket.pk) == ticket  # the supervisor sees it now
    assert ticket in selectors.tickets_for_official(boss, selectors.parse_filters({}), at(1405, 9, 3, 9))
    with pytest.raises(access.NotFound):
        access.access_ticket_for_official(outsider, ticket.pk)
    # once only, even after it is rejected again
    with clock.frozen_at(at(1405, 9, 3, 10)):
        services.ticket_set_status(ticket_id=ticket.pk, official=boss, status=S.REJECTED)
        with pytest.raises(Conflict) as refused:
            services.ticket_object(ticket_id=ticket.pk, reason="دوباره")
    assert "یک بار" in refused.value.message
    assert AuditEvent.objects.filter(ticket=ticket, action="objection").count() == 1


def test_the_units_manager_comes_first(make_unit, make_official):
    unit_ = make_unit("اداره کارگزینی", code="hr")
    manager = make_official("manager", [unit_], name="مدیر کارگزینی")
    make_official("sup", [unit_], role=Official.Role.SUPERVISOR)
    unit_.manager = manager
    unit_.save()
    from chatdesk.directory.selectors import supervisor_of

    assert supervisor_of(unit_) == manager


# --- overdue cases go up, once ----------------------------------------------------------------------
def test_statutory_sweep_sends_an_overdue_case_up_once(make_unit, make_official, django_capture_on_commit_callbacks):
    parent = make_unit("معاونت درمان", code="treat")
    child = make_unit("اداره امور بیمارستان‌ها", code="hosp", parent=parent, response_days=1)
    clerk = make_official("clerk", [child], name="کارشناس")
    head = make_official("head", [parent], name="مدیر درمان")
    parent.manager = head
    parent.save()
    ticket = open_case(child)  # due Tuesday 3 Azar 14:30
    paused = open_case(child, subject="شکایت منتظر مدارک")
    with clock.frozen_at(at(1405, 9, 2, 12)):
        services.ticket_assign(ticket_id=ticket.pk, official=clerk, assignee_id=clerk.pk)
        services.ticket_request_documents(ticket_id=paused.pk, official=clerk, missing="رونوشت حکم")
    assert ticket.statutory_due == at(1405, 9, 3, 14, 30)
    assert sweeps.statutory_sweep(now=at(1405, 9, 3, 14)) == 0
    with realtime.captured() as sent, django_capture_on_commit_callbacks(execute=True):
        assert sweeps.statutory_sweep(now=at(1405, 9, 3, 14, 31)) == 1  # the paused case does not go up
        assert sweeps.statutory_sweep(now=at(1405, 9, 4, 9)) == 0
    ticket.refresh_from_db()
    assert ticket.supervisor == head and ticket.overdue_escalated_at == at(1405, 9, 3, 14, 31)
    assert AuditEvent.objects.filter(ticket=ticket, action="overdue_escalated").count() == 1
    event = Entry.objects.get(ticket=ticket, data__event="overdue_escalated")
    assert not event.public and "مدیر درمان" in event.body and "۱۴۰۵" in event.body
    frames = [(group, m["frame"]["reason"]) for group, m in sent if m["frame"]["type"] == "ticket.overdue"]
    groups = {g for g, _ in frames}
    assert any(str(head.pk) in g for g in groups) and any(str(clerk.pk) in g for g in groups)
    assert any("unit" in g for g in groups)
    assert access.access_ticket_for_official(head, ticket.pk) == ticket
    paused.refresh_from_db()
    assert paused.overdue_escalated_at is None and paused.supervisor is None
