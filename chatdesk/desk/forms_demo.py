"""Demo data for the service-desk forms (call ``seed()`` from ``manage.py seed_demo``): the
inspection unit that handles complaints, the contact page's groups, and the university
president as a person citizens can ask to meet.  Idempotent."""

from django.contrib.auth import get_user_model
from django.db import transaction

from chatdesk.directory.models import Official, Unit

from .complaints import complaint_settings_set
from .models_forms import ContactGroup

INSPECTION = ("inspection", "بازرسی و رسیدگی به شکایات", "رسیدگی به شکایات مردمی از واحدهای دانشگاه", "086-33330000")
GROUPS = [
    # name, description, unit code
    ("پرسش‌های عمومی", "پرسش درباره خدمات و واحدهای دانشگاه", "public-relations"),
    ("امور درمان و بیمارستان‌ها", "بیمارستان‌ها، نیروی متخصص و درخواست‌های درمانی", "treatment"),
    ("امور آموزشی و دانشجویی", "دانشجویان، دوره‌ها و آموزش پزشکی", "education"),
    ("پیشنهاد و انتقاد", "پیشنهادهای شما برای بهتر شدن خدمات", "presidency"),
]
PRESIDENT = ("president", "دکتر سعید نوری", "رئیس دانشگاه")


@transaction.atomic
def seed():
    units = {u.code: u for u in Unit.objects.all()}
    presidency = units.get("presidency")
    inspection, _ = Unit.objects.get_or_create(
        code=INSPECTION[0],
        defaults={"name": INSPECTION[1], "description": INSPECTION[2], "phone": INSPECTION[3], "parent": presidency,
                  "kind": Unit.Kind.UNIT, "menu_order": 90, "show_in_menu": False, "chat_enabled": False},
    )
    units[inspection.code] = inspection
    complaint_settings_set(unit=inspection, fallback_unit=presidency)
    for order, (name, description, code) in enumerate(GROUPS):
        if code in units:
            ContactGroup.objects.update_or_create(name=name, defaults={"description": description, "unit": units[code], "order": order})
    if presidency is not None and presidency.manager_id is None:
        User = get_user_model()
        user = User.objects.filter(username=PRESIDENT[0]).first() or User.objects.create_user(username=PRESIDENT[0], password=None)
        official, _ = Official.objects.get_or_create(user=user, defaults={"display_name": PRESIDENT[1], "position": PRESIDENT[2]})
        official.units.add(presidency)
        Unit.objects.filter(pk=presidency.pk).update(manager=official)
    return inspection
