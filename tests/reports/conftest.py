"""A hand-made week of cases for the report tests, with figures computed by hand.

Unit A («treatment») keeps the default office hours: Saturday to Wednesday 07:30–14:30, weekend
Thursday and Friday.  The week is Saturday 1405/02/12 (2026-05-02) to Friday 1405/02/18; Monday
1405/02/14 is an organisation-wide holiday.

chats (unit A)                                  wait (wall)   first response (office)
  c1 Sat 09:00 taken 09:02, answered 09:05 (o1)     120          300
  c2 Sun 14:25 taken 14:27, answered 14:40 (o1)     120          300 (only until 14:30)
  c3 Sun 10:00 citizen left at 10:03, no answer      —            —   abandoned
  c4 Sun 11:00 no answer, became ticket T1           —            —   escalated
  c5 Wed 14:00 taken 14:10, answered next Sat 08:00  600         3600 (Wed 30 min + Sat 30 min)
     (o2)
  c6 Mon (holiday) 10:00 taken Tue 07:35, answered   77700        600 (Tue 07:30–07:40)
     Tue 07:40 (o1)
tickets
  T1 (unit A, from c4, o1) Sun 11:05, answered 11:35 (due 12:00: met), resolved Tue 09:30
     (due Tue 09:00: missed); resolution in office time: Sun 12300 + Tue 7200 = 19500
  T2 (unit A, complaint) Sat 10:00, never answered, due Sat 11:00: missed
  T3 (now unit B, request) Wed 13:00, referred from A to B, answered 13:30 (due 14:00: met)
ratings: c1 → 5 (o1), T1 → 2 «دیر پاسخ دادند» (o1), c5 → 4 (o2)
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from chatdesk.chats.models import Conversation
from chatdesk.core import jalali
from chatdesk.core.tracking import new_token, new_tracking_code, token_digest
from chatdesk.directory.models import Holiday, Official
from chatdesk.reports.models import Rating
from chatdesk.tickets.models import AuditEvent, Ticket

SAT = dt.date(2026, 5, 2)
NOW = jalali.local_datetime(dt.date(2026, 5, 20), dt.time(12, 0))


def at(day_offset, hhmm):
    h, m = (int(x) for x in hhmm.split(":"))
    return jalali.local_datetime(SAT + dt.timedelta(days=day_offset), dt.time(h, m))


SUN, MON, TUE, WED, NEXT_SAT = 1, 2, 3, 4, 7


def make_chat(unit, *, created, official=None, taken=None, first=None, closed=None, closed_by="", status=None, name="مریم رضایی"):
    token = new_token()
    status = status or (Conversation.Status.CLOSED if closed else (Conversation.Status.ACTIVE if taken else Conversation.Status.WAITING))
    conv = Conversation.objects.create(
        unit=unit, token_digest=token_digest(token), citizen_name=name, citizen_mobile="09121234567",
        citizen_email="maryam@example.ir", status=status, official=official, created_at=created, taken_at=taken,
        first_response_at=first, closed_at=closed, closed_by=closed_by, last_activity_at=closed or first or created,
    )
    conv.token = token
    return conv


def make_ticket(unit, *, created, kind=Ticket.Kind.REQUEST, assignee=None, first=None, first_due=None, resolved=None,
                resolution_due=None, status=Ticket.Status.NEW, conversation=None, updated=None):
    return Ticket.objects.create(
        code=new_tracking_code(), kind=kind, unit=unit, subject="درخواست", citizen_name="علی محمدی",
        citizen_mobile="09351112233", citizen_email="ali@example.ir", assignee=assignee, created_at=created,
        updated_at=updated or resolved or first or created, first_response_at=first, first_response_due=first_due,
        resolved_at=resolved, resolution_due=resolution_due, status=status, conversation=conversation,
    )


@dataclass
class Week:
    unit: object
    other: object
    o1: Official
    o2: Official
    supervisor: Official
    admin: Official
    outsider: Official
    chats: dict
    tickets: dict


@pytest.fixture
def week(unit, other_unit, make_official):
    Holiday.objects.create(date=SAT + dt.timedelta(days=MON), name="تعطیل آزمایشی", kind=Holiday.Kind.OFFICIAL)
    o1 = make_official("o1", [unit], name="زهرا کریمی")
    o2 = make_official("o2", [unit], name="حسین احمدی")
    supervisor = make_official("sup", [unit], name="سرپرست درمان", role=Official.Role.SUPERVISOR)
    admin = make_official("adm", [], name="مدیر سامانه", role=Official.Role.ADMIN)
    outsider = make_official("out", [other_unit], name="کارشناس روابط عمومی", role=Official.Role.SUPERVISOR)
    C = Conversation.Side
    c1 = make_chat(unit, created=at(0, "09:00"), official=o1, taken=at(0, "09:02"), first=at(0, "09:05"), closed=at(0, "09:20"), closed_by=C.OFFICIAL)
    c2 = make_chat(unit, created=at(SUN, "14:25"), official=o1, taken=at(SUN, "14:27"), first=at(SUN, "14:40"), closed=at(SUN, "15:00"), closed_by=C.CITIZEN)
    c3 = make_chat(unit, created=at(SUN, "10:00"), closed=at(SUN, "10:03"), closed_by=C.CITIZEN)
    c4 = make_chat(unit, created=at(SUN, "11:00"), closed=at(SUN, "11:05"), closed_by=C.SYSTEM)
    c5 = make_chat(unit, created=at(WED, "14:00"), official=o2, taken=at(WED, "14:10"), first=at(NEXT_SAT, "08:00"), closed=at(NEXT_SAT, "08:30"), closed_by=C.OFFICIAL)
    c6 = make_chat(unit, created=at(MON, "10:00"), official=o1, taken=at(TUE, "07:35"), first=at(TUE, "07:40"), closed=at(TUE, "08:00"), closed_by=C.OFFICIAL)
    t1 = make_ticket(
        unit, created=at(SUN, "11:05"), kind=Ticket.Kind.CHAT, assignee=o1, first=at(SUN, "11:35"), first_due=at(SUN, "12:00"),
        resolved=at(TUE, "09:30"), resolution_due=at(TUE, "09:00"), status=Ticket.Status.RESOLVED, conversation=c4,
    )
    t2 = make_ticket(unit, created=at(0, "10:00"), kind=Ticket.Kind.COMPLAINT, first_due=at(0, "11:00"), resolution_due=NOW + dt.timedelta(days=30))
    t3 = make_ticket(
        other_unit, created=at(WED, "13:00"), kind=Ticket.Kind.REQUEST, first=at(WED, "13:30"), first_due=at(WED, "14:00"),
        status=Ticket.Status.REFERRED, resolution_due=NOW + dt.timedelta(days=30),
    )
    AuditEvent.objects.create(ticket=t3, official=o1, actor="official", action="refer",
                              changes={"unit": [unit.pk, other_unit.pk], "status": ["open", "referred"], "reason": "x"}, created_at=at(WED, "13:40"))
    for case, score, comment, official, when in (
        (c1, 5, "", o1, at(0, "09:30")), (t1, 2, "دیر پاسخ دادند", o1, at(TUE, "10:00")), (c5, 4, "", o2, at(NEXT_SAT - 3, "09:00")),
    ):
        key = "ticket" if isinstance(case, Ticket) else "conversation"
        Rating.objects.create(**{key: case}, unit=unit, official=official, score=score, comment=comment, channel="widget",
                              created_at=when, updated_at=when)
    return Week(unit, other_unit, o1, o2, supervisor, admin, outsider,
                {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6}, {"t1": t1, "t2": t2, "t3": t3})
