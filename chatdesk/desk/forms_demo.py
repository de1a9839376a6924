"""Demo data for the service-desk forms (call ``seed()`` from ``manage.py seed_demo``): the
inspection unit that handles complaints and the contact page's groups.  Idempotent.  The people
citizens can ask to meet are the directory's heads of units (desk/demo.py, PEOPLE)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from chatdesk.directory.models import Unit

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
# An older demo created a second «رئیس دانشگاه» here (the directory listed two); its account is
# switched off so the directory's one president (desk/demo.py) stays.
RETIRED_USERNAME = "president"


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
    retired = get_user_model().objects.filter(username=RETIRED_USERNAME, is_active=True).first()
    if retired is not None and not retired.has_usable_password():
        retired.is_active = False
        retired.save(update_fields=["is_active"])
    return inspection
