"""Demo data a person can click through (``manage.py seed_demo``, run by ``make run``)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Official, Unit

UNITS = [
    # code, name, kind, parent code, description, phone
    ("presidency", "ریاست دانشگاه", Unit.Kind.PRESIDENCY, None, "دفتر ریاست دانشگاه علوم پزشکی", "086-33333333"),
    ("treatment", "معاونت درمان", Unit.Kind.DEPUTY, "presidency", "توزیع نیروی متخصص، امور بیمارستان‌ها و رسیدگی به درخواست‌های درمانی", "086-32222222"),
    ("public-relations", "روابط عمومی", Unit.Kind.UNIT, "presidency", "اطلاع‌رسانی، پاسخ‌گویی به پرسش‌های عمومی و ارتباط با رسانه‌ها", "086-31111111"),
    ("education", "معاونت آموزشی", Unit.Kind.DEPUTY, "presidency", "امور دانشجویان، آموزش پزشکی و دوره‌های تخصصی", "086-34444444"),
    ("health", "معاونت بهداشت", Unit.Kind.DEPUTY, "presidency", "خدمات بهداشتی، واکسیناسیون و مراکز جامع سلامت", "086-35555555"),
]

OFFICIALS = [
    # username, password, display name, position, role, unit codes
    ("admin", "admin-demo-1405", "مدیر سامانه", "مدیر سامانه", Official.Role.ADMIN, []),
    ("rezaei", "demo-1405", "زهرا رضایی", "کارشناس معاونت درمان", Official.Role.OFFICIAL, ["treatment"]),
    ("karimi", "demo-1405", "علی کریمی", "کارشناس معاونت درمان", Official.Role.OFFICIAL, ["treatment"]),
    ("ahmadi", "demo-1405", "مریم احمدی", "کارشناس روابط عمومی", Official.Role.OFFICIAL, ["public-relations"]),
    ("hosseini", "demo-1405", "حسین حسینی", "کارشناس آموزش", Official.Role.OFFICIAL, ["education"]),
    ("moradi", "demo-1405", "فاطمه مرادی", "سرپرست پاسخ‌گویی", Official.Role.SUPERVISOR, ["treatment", "public-relations", "education", "health"]),
]


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
    return units, [(u, p) for u, p, *_ in OFFICIALS]
