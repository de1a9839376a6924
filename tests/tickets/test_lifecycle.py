"""Status lifecycle, audit rows, replies, follow-ups, referral, SLA clocks, access and search."""

import datetime as dt

import pytest
from django.http import QueryDict

from chatdesk.core import clock
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.directory.models import Holiday
from chatdesk.tickets import access, selectors, services, sweeps
from chatdesk.tickets.models import AuditEvent, Entry, Ticket

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
S = Ticket.Status


def open_ticket(unit_, *, when=MONDAY_10, **kw):
    fields = dict(kind="request", unit=unit_, subject="درخواست گواهی", body="لطفاً گواهی اشتغال صادر شود.", name="سارا رضایی", mobile="09121112233")
    fields.update(kw)
    with clock.frozen_at(when):
        return services.ticket_open(**fields).ticket


def test_opening_validates_first_and_changes_nothing_on_bad_input(unit):
    bad = [
        dict(mobile="", email=""),
        dict(mobile="0912"),
        dict(subject="x"),
        dict(body="   "),
        dict(unit=999999),
        dict(kind="nonsense"),
    ]
    for override in bad:
        with pytest.raises(ValidationError):
            open_ticket(unit, **override)
    assert not Ticket.objects.exists() and not Entry.objects.exists() and not AuditEvent.objects.exists()


def test_opening_writes_entry_audit_and_sla_and_is_idempotent(unit):
    ticket = open_ticket(unit, dedup_key="form-1")
    again = open_ticket(unit, dedup_key="form-1")
    assert again == ticket and Ticket.objects.count() == 1
    assert ticket.status == S.NEW and ticket.first_response_due and ticket.resolution_due
    assert list(ticket.audit.values_list("action", "actor")) == [("created", "citizen")]
    assert "گواهی" in ticket.search_key and ticket.code in ticket.search_key


def _all_pairs():
    return [(a, b) for a in S.values for b in S.values if a != b]


@pytest.mark.parametrize("old,new", _all_pairs())
def test_every_status_transition_is_allowed_or_refused_with_an_audit_row(unit, officials, old, new):
    ticket = open_ticket(unit)
    Ticket.objects.filter(pk=ticket.pk).update(status=old)
    before = AuditEvent.objects.count()
    allowed = new in services.TRANSITIONS[old] and new != S.REFERRED
    if allowed:
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=new)
        row = AuditEvent.objects.latest("id")
        assert (row.action, row.official, row.changes) == ("status", officials["a"], {"status": [old, new]})
        assert Ticket.objects.get(pk=ticket.pk).status == new
        assert Entry.objects.filter(ticket=ticket, kind="event", data__to=new).exists()
    else:
        with pytest.raises(Conflict):
            services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=new)
        assert AuditEvent.objects.count() == before and Ticket.objects.get(pk=ticket.pk).status == old


def test_resolving_and_closing_stamp_times_and_reopening_restarts_the_resolution_clock(unit, officials):
    ticket = open_ticket(unit)
    with clock.frozen_at(MONDAY_10 + dt.timedelta(hours=1)):
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=S.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.resolved_at == MONDAY_10 + dt.timedelta(hours=1)
    first_due = ticket.resolution_due
    with clock.frozen_at(MONDAY_10 + dt.timedelta(days=1)):
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=S.OPEN)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None and ticket.resolution_due > first_due


def test_a_reply_is_public_answers_the_sla_takes_the_ticket_and_may_set_status(unit, officials):
    ticket = open_ticket(unit)
    with clock.frozen_at(MONDAY_10 + dt.timedelta(minutes=30)):
        entry = services.ticket_reply(ticket_id=ticket.pk, official=officials["a"], body="گواهی صادر شد.", status=S.WAITING)
    ticket.refresh_from_db()
    assert entry.public and entry.kind == "reply"
    assert ticket.first_response_at == MONDAY_10 + dt.timedelta(minutes=30) and ticket.assignee == officials["a"]
    assert ticket.status == S.WAITING
    assert [a for a in ticket.audit.values_list("action", flat=True)] == ["created", "reply", "status"]


def test_notes_are_never_public(unit, officials):
    ticket = open_ticket(unit)
    note = services.ticket_note(ticket_id=ticket.pk, official=officials["a"], body="تماس گرفتم؛ پاسخ نداد")
    assert not note.public
    assert note not in selectors.timeline(ticket, public_only=True)
    assert note in selectors.timeline(ticket, public_only=False)


@pytest.mark.parametrize("status,reopens", [(S.WAITING, True), (S.RESOLVED, True), (S.OPEN, False), (S.NEW, False)])
def test_the_citizen_writing_again_reopens_waiting_or_resolved(unit, status, reopens):
    ticket = open_ticket(unit)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    services.ticket_follow_up(ticket_id=ticket.pk, body="هنوز پاسخی نگرفته‌ام")
    ticket.refresh_from_db()
    assert ticket.status == (S.OPEN if reopens else status)
    assert ticket.audit.filter(action="reopened").exists() == reopens
    assert ticket.audit.filter(action="follow_up", actor="citizen").count() == 1


def test_a_closed_ticket_refuses_a_follow_up_and_changes_nothing(unit):
    ticket = open_ticket(unit)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.CLOSED)
    entries = Entry.objects.count()
    with pytest.raises(Conflict):
        services.ticket_follow_up(ticket_id=ticket.pk, body="سلام")
    assert Entry.objects.count() == entries


def test_follow_ups_are_idempotent_on_their_key(unit):
    ticket = open_ticket(unit)
    a = services.ticket_follow_up(ticket_id=ticket.pk, body="یک", dedup_key="<m1@example.com>")
    b = services.ticket_follow_up(ticket_id=ticket.pk, body="یک", dedup_key="<m1@example.com>")
    assert a == b and ticket.entries.filter(kind="citizen").count() == 2


def test_referral_moves_the_case_hides_the_reason_and_restarts_sla_in_the_new_unit(unit, other_unit, officials):
    ticket = open_ticket(unit)
    services.ticket_assign(ticket_id=ticket.pk, official=officials["a"], assignee_id=officials["b"].pk)
    with clock.frozen_at(MONDAY_10 + dt.timedelta(hours=2)):
        services.ticket_refer(ticket_id=ticket.pk, official=officials["a"], to_unit_id=other_unit.pk, reason="موضوع مربوط به روابط عمومی است")
    ticket.refresh_from_db()
    assert (ticket.unit, ticket.status, ticket.assignee) == (other_unit, S.REFERRED, None)
    public = selectors.timeline(ticket, public_only=True)
    assert any("ارجاع شد" in e.body for e in public)
    assert not any("روابط عمومی است" in e.body for e in public)
    assert any("روابط عمومی است" in e.body for e in selectors.timeline(ticket, public_only=False))
    assert ticket.audit.get(action="refer").changes["unit"] == [unit.pk, other_unit.pk]
    # the old unit no longer sees it; the new one does, with its clock starting at the referral
    with pytest.raises(NotFound):
        access.access_ticket_for_official(officials["a"], ticket.pk)
    assert access.access_ticket_for_official(officials["other"], ticket.pk) == ticket
    assert ticket.first_response_due > MONDAY_10 + dt.timedelta(hours=2)
    # a reply by the new unit opens it
    services.ticket_reply(ticket_id=ticket.pk, official=officials["other"], body="بررسی می‌شود")
    ticket.refresh_from_db()
    assert ticket.status == S.OPEN


def test_assignment_only_to_officials_of_the_unit(unit, officials):
    ticket = open_ticket(unit)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket_id=ticket.pk, official=officials["a"], assignee_id=officials["other"].pk)
    services.ticket_assign(ticket_id=ticket.pk, official=officials["a"], assignee_id=officials["b"].pk)
    ticket.refresh_from_db()
    assert ticket.assignee == officials["b"] and ticket.status == S.OPEN
    assert ticket.audit.get(action="assign").changes == {"assignee": [None, officials["b"].pk]}


def test_officials_of_other_units_get_the_same_answer_as_for_a_missing_ticket(unit, officials):
    ticket = open_ticket(unit)
    for actor, ticket_id in ((officials["other"], ticket.pk), (officials["a"], 999999), (officials["a"], "x"), (None, ticket.pk)):
        with pytest.raises(NotFound) as info:
            access.access_ticket_for_official(actor, ticket_id)
        assert info.value.code == "not_found"
    for call in (
        lambda: services.ticket_reply(ticket_id=ticket.pk, official=officials["other"], body="x"),
        lambda: services.ticket_note(ticket_id=ticket.pk, official=officials["other"], body="x"),
        lambda: services.ticket_set_status(ticket_id=ticket.pk, official=officials["other"], status=S.CLOSED),
        lambda: services.ticket_refer(ticket_id=ticket.pk, official=officials["other"], to_unit_id=ticket.unit_id, reason="x"),
    ):
        with pytest.raises(NotFound):
            call()
    officials["a"].user.is_active = False
    officials["a"].user.save()
    with pytest.raises(NotFound):
        access.access_ticket_for_official(officials["a"], ticket.pk)


def test_citizen_lookup_same_answer_for_unknown_code_and_wrong_contact(unit):
    ticket = open_ticket(unit, email="Sara@Example.com")
    shown = ticket.display_code
    assert access.access_ticket_for_citizen(shown, "09121112233") == ticket
    assert access.access_ticket_for_citizen(ticket.code, "۰۹۱۲۱۱۱۲۲۳۳") == ticket
    assert access.access_ticket_for_citizen(ticket.code, "sara@example.com") == ticket
    messages = set()
    for code, contact in ((ticket.code, "09120000000"), (ticket.code, "x@example.com"), ("1111-1111-11111", "09121112233"), (ticket.code, ""), ("", "")):
        with pytest.raises(NotFound) as info:
            access.access_ticket_for_citizen(code, contact)
        messages.add(info.value.message)
    assert len(messages) == 1


# --- SLA in office hours --------------------------------------------------------------------------
def test_sla_clocks_count_office_hours_weekends_and_holidays(unit):
    # Wednesday 4 Azar 1405 at 13:00; default hours Sat–Wed 07:30–14:30, Thursday and Friday off.
    unit.first_response_minutes = 240
    unit.save()
    ticket = open_ticket(unit, when=at(1405, 9, 4, 13))
    # 90 minutes on Wednesday, then Saturday from 07:30: 150 more minutes -> 10:00
    assert ticket.first_response_due == at(1405, 9, 7, 10)
    assert ticket.first_response_warn_at == at(1405, 9, 7, 9)  # three quarters: 180 minutes
    Holiday.objects.create(date=at(1405, 9, 7).date(), name="تعطیلی آزمایشی", kind="closure")
    ticket2 = open_ticket(unit, when=at(1405, 9, 4, 13), subject="درخواست دوم")
    assert ticket2.first_response_due == at(1405, 9, 8, 10)  # Saturday closed: Sunday 10:00


def test_sla_states_and_alerts_are_sent_once(unit, officials, django_capture_on_commit_callbacks):
    from chatdesk.core import realtime

    unit.first_response_minutes = 60
    unit.save()
    ticket = open_ticket(unit)  # Monday 10:00 -> due 11:00, warning 10:45
    assert selectors.sla_state(ticket, MONDAY_10) == "ok"
    assert selectors.sla_state(ticket, at(1405, 9, 2, 10, 46)) == "warning"
    assert selectors.sla_state(ticket, at(1405, 9, 2, 11, 1)) == "breached"
    with realtime.captured() as sent, django_capture_on_commit_callbacks(execute=True):
        assert sweeps.sla_sweep(now=at(1405, 9, 2, 10, 46)) == 1
        assert sweeps.sla_sweep(now=at(1405, 9, 2, 10, 50)) == 0
        assert sweeps.sla_sweep(now=at(1405, 9, 2, 11, 1)) == 1
        assert sweeps.sla_sweep(now=at(1405, 9, 2, 12)) == 0
    levels = [m["frame"]["level"] for g, m in sent if m["frame"]["type"] == "ticket.sla"]
    assert levels == ["sla_warning", "sla_breach"]
    assert list(ticket.audit.filter(action__startswith="sla").values_list("action", flat=True)) == ["sla_warning", "sla_breach"]
    # answering switches to the resolution clock: no longer breached
    with clock.frozen_at(at(1405, 9, 2, 11, 5)):
        services.ticket_reply(ticket_id=ticket.pk, official=officials["a"], body="پاسخ")
    ticket.refresh_from_db()
    assert selectors.sla_state(ticket, at(1405, 9, 2, 11, 6)) == "ok"


def test_auto_close_after_days_resolved(unit, officials):
    ticket = open_ticket(unit)
    with clock.frozen_at(MONDAY_10):
        services.ticket_set_status(ticket_id=ticket.pk, official=officials["a"], status=S.RESOLVED)
    assert sweeps.auto_close_sweep(now=MONDAY_10 + dt.timedelta(days=6)) == 0
    assert sweeps.auto_close_sweep(now=MONDAY_10 + dt.timedelta(days=8)) == 1
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.audit.filter(action="status", actor="system").exists()


# --- the console list ------------------------------------------------------------------------------
def filters(**params):
    q = QueryDict(mutable=True)
    q.update(params)
    return selectors.parse_filters(q)


def test_search_finds_persian_whatever_the_keyboard(unit, officials):
    t1 = open_ticket(unit, subject="کارت ورود به جلسه", body="شماره پرونده ۱۲۳۴۵")
    t2 = open_ticket(unit, subject="گواهی‌نامه موقت", body="درخواست")
    services.ticket_follow_up(ticket_id=t2.pk, body="با كد ملي ثبت شد")
    a = officials["a"]

    def found(q):
        return set(selectors.tickets_for_official(a, filters(q=q, status=""), MONDAY_10))

    assert found("كارت") == {t1}  # Arabic kaf
    assert found("12345") == {t1}  # Latin digits for Persian ones
    assert found("گواهی نامه") == {t2}  # space for ZWNJ
    assert found("کد ملی") == {t2}  # Persian letters for the Arabic ones typed by the citizen
    assert found(t1.display_code) == {t1}
    assert found(t1.code[:5]) == {t1} | ({t2} if t1.code[:5] in t2.code else set())


def test_list_filters_by_status_unit_assignee_sla_and_jalali_dates(unit, other_unit, officials):
    old = open_ticket(unit, when=at(1405, 8, 1), subject="قدیمی")
    new = open_ticket(unit, when=at(1405, 9, 1), subject="جدید")
    services.ticket_assign(ticket_id=new.pk, official=officials["a"], assignee_id=officials["a"].pk)
    elsewhere = open_ticket(other_unit, subject="واحد دیگر")
    a = officials["a"]
    now = at(1405, 9, 1, 11)  # an hour after the new one: only the old one is overdue

    def got(**params):
        return set(selectors.tickets_for_official(a, filters(**params), now))

    assert got() == {old, new}  # active, own units only
    assert elsewhere not in got(status="")
    assert got(assignee="me") == {new} and got(assignee="none") == {old}
    assert got(date_from="۱۴۰۵/۰۹/۰۱") == {new}
    assert got(date_to="1405/08/30") == {old}
    assert got(sla="breached") == {old}  # a month without an answer
    assert filters(date_from="1405/13/40").errors



def test_a_word_is_found_whether_typed_with_a_zwnj_a_space_or_nothing(unit, officials):
    """«ثبتنام» finds «ثبت‌نام» (issue #20), and every other pairing of the three typings."""
    zwnj = open_ticket(unit, subject="ثبت\u200cنام دوره تابستانی", body="متن")
    spaced = open_ticket(unit, subject="درخواست", body="کارت پایان خدمت")
    joined = open_ticket(unit, subject="درخواست", body="گواهینامه رانندگی")
    a = officials["a"]

    def found(q):
        return set(selectors.tickets_for_official(a, filters(q=q, status=""), MONDAY_10))

    for typed in ("ثبتنام", "ثبت نام", "ثبت\u200cنام"):
        assert found(typed) == {zwnj}, typed
    for typed in ("پایانخدمت", "پایان خدمت", "پایان\u200cخدمت"):
        assert found(typed) == {spaced}, typed
    for typed in ("گواهینامه", "گواهی نامه", "گواهی\u200cنامه"):
        assert found(typed) == {joined}, typed


def test_the_migration_reindexes_keys_stored_before(unit, officials):
    """Keys written before the joined form existed are re-indexed by tickets 0003."""
    from importlib import import_module

    from django.apps import apps

    from chatdesk.core.persian import search_key
    from chatdesk.tickets.models import Ticket

    ticket = open_ticket(unit, subject="ثبت\u200cنام دوره", body="متن")
    Ticket.objects.filter(pk=ticket.pk).update(search_key=search_key(f"{ticket.code} ثبت\u200cنام دوره"))  # the old form
    found = lambda q: set(selectors.tickets_for_official(officials["a"], filters(q=q, status=""), MONDAY_10))  # noqa: E731
    assert found("ثبتنام") == set()
    import_module("chatdesk.tickets.migrations.0004_search_key_joined").forwards(apps, None)
    assert found("ثبتنام") == {ticket} and found("ثبت نام") == {ticket}
