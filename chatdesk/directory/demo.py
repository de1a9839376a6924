"""Demo data a person can click through (``manage.py seed_demo``, run by ``make run``)."""

import datetime as dt

import jdatetime
from django.contrib.auth import get_user_model
from django.db import transaction

from chatdesk.core import clock, jalali

from . import schedule, services
from .models import DutyShift, OfficeHours, Official, Unit

UNITS = [
    # code, name, kind, parent code, description, phone
    ("presidency", "ریاست دانشگاه", Unit.Kind.PRESIDENCY, None, "دفتر ریاست دانشگاه علوم پزشکی", "086-33333333"),
    ("treatment", "معاونت درمان", Unit.Kind.DEPUTY, "presidency", "توزیع نیروی متخصص، امور بیمارستان‌ها و رسیدگی به درخواست‌های درمانی", "086-32222222"),
    ("public-relations", "روابط عمومی", Unit.Kind.UNIT, "presidency", "اطلاع‌رسانی، پاسخ‌گویی به پرسش‌های عمومی و ارتباط با رسانه‌ها", "086-31111111"),
    ("education", "معاونت آموزشی", Unit.Kind.DEPUTY, "presidency", "امور دانشجویان، آموزش پزشکی و دوره‌های تخصصی", "086-34444444"),
    ("human-resources", "مدیریت منابع انسانی", Unit.Kind.UNIT, "presidency", "صدور احکام کارگزینی و حقوقی، پایان کار و امور کارکنان", "086-36666666"),
    ("health", "معاونت بهداشت", Unit.Kind.DEPUTY, "presidency", "خدمات بهداشتی، واکسیناسیون و مراکز جامع سلامت", "086-35555555"),
]

ALWAYS_OPEN = {"public-relations"}

OFFICIALS = [
    # username, password, display name, position, role, unit codes
    ("admin", "admin-demo-1405", "مدیر سامانه", "مدیر سامانه", Official.Role.ADMIN, []),
    ("rezaei", "demo-1405", "زهرا رضایی", "کارشناس معاونت درمان", Official.Role.OFFICIAL, ["treatment"]),
    ("karimi", "demo-1405", "علی کریمی", "کارشناس معاونت درمان", Official.Role.OFFICIAL, ["treatment"]),
    ("ahmadi", "demo-1405", "مریم احمدی", "کارشناس روابط عمومی", Official.Role.OFFICIAL, ["public-relations"]),
    ("ebrahimi", "demo-1405", "رضا ابراهیمی", "کارشناس منابع انسانی", Official.Role.OFFICIAL, ["human-resources"]),
    ("hosseini", "demo-1405", "حسین حسینی", "کارشناس آموزش", Official.Role.OFFICIAL, ["education"]),
    ("moradi", "demo-1405", "فاطمه مرادی", "سرپرست پاسخ‌گویی", Official.Role.SUPERVISOR, ["treatment", "public-relations", "education", "health"]),
]

# Public relations answers on Thursday mornings too (weekend: Friday only); the others keep the
# usual Thursday-and-Friday weekend.
WEEKENDS = {"public-relations": Unit.Weekend.FRI}
# Each unit's manager (Unit.manager) is the head the directory lists for it (desk/demo.py, PEOPLE):
# the deputies and managers citizens may ask to meet.

# The default Iranian office hours, written out as rows so they show (and can be edited) in the
# admin: Saturday to Wednesday 07:30–14:30, Thursday 07:30–13:00 where Thursday is a workday.
WORKDAY = (dt.time(7, 30), dt.time(14, 30))
THURSDAY = (dt.time(7, 30), dt.time(13, 0))

# unit code → [(official, substitute, start, end)]; None start/end = the day's office hours.
ROSTER = {
    "treatment": [("rezaei", "karimi", None, None), ("karimi", "moradi", dt.time(10, 0), None)],
    "public-relations": [("ahmadi", "moradi", None, None)],
    "education": [("hosseini", "moradi", None, None)],
    "health": [("moradi", None, None, None)],
}
ROSTER_DAYS = 7  # today and the next six days


@transaction.atomic
def seed():
    """Idempotent: running it twice changes nothing."""
    units = {}
    for order, (code, name, kind, parent, description, phone) in enumerate(UNITS):
        unit, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": units.get(parent),
                "description": description,
                "phone": phone,
                "menu_order": order,
                "show_in_menu": kind != Unit.Kind.PRESIDENCY,
                "weekend": WEEKENDS.get(code, Unit.Weekend.THU_FRI),
                # One round-the-clock line, so a person trying the demo at night can still chat live.
                "always_open": code in ALWAYS_OPEN,
            },
        )
        units[code] = unit
    User = get_user_model()
    created = []
    for username, password, name, position, role, unit_codes in OFFICIALS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=password)
            created.append((username, password))
        user.is_staff = role == Official.Role.ADMIN
        user.is_superuser = role == Official.Role.ADMIN
        user.save()
        official, _ = Official.objects.update_or_create(
            user=user, defaults={"display_name": name, "position": position, "role": role}
        )
        official.units.set([units[c] for c in unit_codes])
    seed_calendar(units)
    return units, [(u, p) for u, p, *_ in OFFICIALS]


def seed_calendar(units, *, today=None):
    """Office hours, the official holidays of this and next Jalali year, and a duty roster for
    today and the next days.  Idempotent, and it keeps what a person changed: hours are written
    only for a unit that has none, shifts only for a unit's day that has none."""
    today = today or jalali.local(clock.now()).date()
    officials = {o.user.username: o for o in Official.objects.select_related("user")}
    for code, unit in units.items():
        if not OfficeHours.objects.filter(unit=unit).exists():
            spans = [(day, *WORKDAY) for day in range(5)]
            if 5 not in unit.weekend_days:
                spans.append((5, *THURSDAY))
            services.office_hours_replace(unit=unit, spans=spans)
    year = jdatetime.date.fromgregorian(date=today, locale=jalali.LOCALE).year
    holidays = services.holidays_seed(jalali_years=[year, year + 1])
    shifts = 0
    for code, plan in ROSTER.items():
        unit = units[code]
        calendar = schedule.Calendar(unit, today, today + dt.timedelta(days=ROSTER_DAYS))
        for offset in range(ROSTER_DAYS):
            day = calendar.day(today + dt.timedelta(days=offset))
            if not day.spans or DutyShift.objects.filter(unit=unit, date=day.date).exists():
                continue
            open_from, open_until = jalali.local(day.spans[0][0]).time(), jalali.local(day.spans[-1][1]).time()
            for username, substitute, start, end in plan:
                start, end = start or open_from, end or open_until
                if start >= end:
                    continue
                services.duty_shift_save(
                    unit=unit, date=day.date, start=start, end=end, official=officials[username],
                    substitute=officials.get(substitute), note="",
                )
                shifts += 1
    return {"holidays": holidays, "shifts": shifts}
