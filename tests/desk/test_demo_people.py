"""The demo's directory and meeting form: one president, and every deputy and manager of the
directory offered for a meeting (the seed: meetings «با معاونین و مدیران دانشگاه»).  Seeding is
idempotent and mends the data an older demo left (two presidents, a supervisor as manager)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from chatdesk.core import clock, jalali
from chatdesk.desk import demo as desk_demo
from chatdesk.desk import forms_demo, meetings
from chatdesk.desk.people import public_directory
from chatdesk.directory import demo as directory_demo
from chatdesk.directory.models import DutyShift, Official, Unit

pytestmark = pytest.mark.django_db

MONDAY_10 = jalali.local_datetime(jalali.jalali_date(1405, 9, 2), dt.time(10, 0))
HEADS = {
    "ریاست دانشگاه": "دکتر محمدرضا رحیمی",
    "معاونت درمان": "دکتر سارا نوری",
    "روابط عمومی": "محسن جعفری",
    "معاونت آموزشی": "دکتر امیر صادقی",
    "معاونت بهداشت": "دکتر لیلا کاظمی",
    "مدیریت منابع انسانی": "مهدی شریفی",
}


def seed_all():
    with clock.frozen_at(MONDAY_10):
        units, _ = directory_demo.seed()
        desk_demo.seed(units)
        forms_demo.seed()


def presidents():
    return [p.name for u in public_directory() for p in u.people if p.position == "رئیس دانشگاه"]


def snapshot():
    return (
        sorted(Official.objects.values_list("user__username", "display_name", "position", "user__is_active")),
        sorted(Unit.objects.values_list("code", "manager__user__username")),
        DutyShift.objects.count(),
    )


def test_one_president_and_every_head_can_be_met_idempotently():
    seed_all()
    first = snapshot()
    seed_all()
    assert snapshot() == first
    assert presidents() == ["دکتر محمدرضا رحیمی"]
    offered = {unit.name: person.display_name for person, unit in meetings.meetable_people()}
    assert offered == HEADS
    assert "فاطمه مرادی" not in offered.values()  # a supervisor is not a deputy or manager


def test_seeding_mends_an_older_demo():
    seed_all()
    # What the older demo left: a second president managing the presidency, a supervisor managing four units.
    user = get_user_model().objects.create_user(username="president", password=None)
    old = Official.objects.create(user=user, display_name="دکتر سعید نوری", position="رئیس دانشگاه")
    old.units.add(Unit.objects.get(code="presidency"))
    Unit.objects.filter(code="presidency").update(manager=old)
    Unit.objects.exclude(code__in=["presidency", "inspection"]).update(manager=Official.objects.get(user__username="moradi"))
    assert len(presidents()) == 2
    seed_all()
    assert presidents() == ["دکتر محمدرضا رحیمی"]
    assert {unit.name: person.display_name for person, unit in meetings.meetable_people()} == HEADS
    # a manager a person chose is kept
    chosen = Official.objects.get(user__username="karimi")
    Unit.objects.filter(code="treatment").update(manager=chosen)
    seed_all()
    assert Unit.objects.get(code="treatment").manager == chosen
