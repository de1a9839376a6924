"""Demo data for the service desk (called by ``manage.py seed_demo`` after the units exist).

The first service is the seed's own: distributing medical specialists (توزیع نیروی متخصص), with
its documents list and its directive and circulars as the seed document gives them.  The others
are usual e-services of a university of medical sciences.  Identifiers are made up for the demo.
Idempotent: running it twice changes nothing (a person's edits to a service are overwritten only
for the demo services, keyed by identifier).
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from chatdesk.core import clock, jalali
from chatdesk.directory.models import Official, Unit

from . import announcements, catalogue
from .models import Announcement, Service, ServiceRule

C = Service.Channel

SPECIALISTS = {
    "identifier": "10040211001",
    "slug": "specialist-distribution",
    "unit": "treatment",
    "name": "توزیع نیروی متخصص (پزشکان متخصص مشمول تعهدات)",
    "summary": "تعیین محل خدمت متخصصین مشمول تعهدات، صدور حکم و گواهی پایان تعهدات.",
    "description": (
        "نیازهای واحدهای تابعه دانشگاه به متخصص جمع‌آوری و در جلسه‌ای با حضور معاون و مدیر درمان توسط کارشناس "
        "توزیع نیروی تخصصی تحلیل می‌شود؛ نیازهای واقعی پس از تأیید در سامانه آواب درج و در جلسه وزارتی بررسی و اعلام "
        "می‌گردد. سپس از متخصصینی که محل خدمتشان در دانشگاه تعیین شده است برای تعیین حوزه خدمت و دریافت مدارک دعوت "
        "می‌شود و پس از تعیین محل خدمت، برای صدور حکم حقوقی با مدیریت منابع انسانی مکاتبه می‌شود.\n"
        "پس از انجام تعهدات، گواهی پایان تعهد توسط معاونت درمان صادر و در سامانه چارگون بارگذاری می‌شود و پس از "
        "تأیید معاونت درمان وزارت بهداشت، پرینت آن به متخصص ارائه می‌گردد.\n"
        "مسئولیت این خدمت در حیطه وظایف معاونت درمان است و تمامی سعی خود را برای رضایتمندی مراجعین محترم به کار می‌گیرد."
    ),
    "recipient": Service.Recipient.G2C,
    "cost_rials": 0,
    "delivery_time": "تعیین محل خدمت پس از جلسه وزارتی؛ گواهی پایان تعهد پس از تأیید وزارت",
    "in_person_visits": 1,
    "channels": [C.ONLINE, C.IN_PERSON, C.PHONE, C.CHAT],
    "availability": "درگاه اینترنتی همواره در دسترس؛ مراجعه حضوری و تلفن در ساعات اداری",
    "documents": [
        ("حکم وزارتی", ""),
        ("تعهد محضری", "ابتدای دوره دستیاری"),
        ("تصویر کارت ملی", ""),
        ("پایان طرح پزشکی عمومی", ""),
        ("کارت نظام پزشکی", ""),
        ("تصاویر شناسنامه", "همه صفحات"),
        ("تصویر کارت پایان خدمت", "برای آقایان"),
    ],
    "rules": [
        {"kind": ServiceRule.Kind.DIRECTIVE, "title": "دستورالعمل توزیع نیروی های متخصص"},
        {"kind": ServiceRule.Kind.CIRCULAR, "title": "ابلاغیه", "number": "۴۰۴-۱۰۰", "date": (1394, 5, 17)},
        {"kind": ServiceRule.Kind.CIRCULAR, "title": "ابلاغیه", "number": "۳۷۶/۱۰۰", "date": (1395, 5, 6)},
    ],
    # The seed's workflow: the treatment deputy, then human resources (the order, the end of
    # work), then the treatment deputy again (the completion certificate).  (title, unit code)
    "steps": [
        ("دریافت و بررسی مدارک و تعیین محل خدمت متخصص", "treatment"),
        ("صدور حکم حقوقی", "human-resources"),
        ("ثبت پایان کار و ارسال به معاونت درمان", "human-resources"),
        ("صدور گواهی پایان تعهد و بارگذاری در سامانه چارگون", "treatment"),
    ],
    "faqs": [
        ("آیا برای این خدمت باید حضوری مراجعه کنم؟",
         "مدارک را می‌توانید از همین درگاه بفرستید؛ برای تعیین محل خدمت یک بار مراجعه حضوری به معاونت درمان لازم است."),
        ("گواهی پایان تعهد چگونه به دست من می‌رسد؟",
         "پس از تأیید معاونت درمان وزارت بهداشت، پرینت گواهی به شما ارائه می‌شود و وضعیت آن در صفحه پیگیری دیده می‌شود."),
    ],
    "survey": [
        "از سرعت رسیدگی به درخواست خود چقدر راضی هستید؟",
        "راهنمایی کارشناسان را چگونه ارزیابی می‌کنید؟",
    ],
}

OTHERS = [
    {
        "identifier": "10040211002",
        "slug": "clinic-license",
        "unit": "treatment",
        "name": "صدور و تمدید پروانه مطب پزشکان",
        "summary": "پروانه مطب برای پزشکان عمومی و متخصص، و تمدید آن در پایان اعتبار.",
        "description": "درخواست از درگاه ثبت و مدارک بارگذاری می‌شود؛ پس از بازدید کارشناس از محل مطب و تأیید کمیسیون، پروانه صادر می‌شود.",
        "cost_rials": 2_500_000,
        "cost_note": "تعرفه مصوب وزارت بهداشت",
        "delivery_time": "۳۰ روز کاری",
        "in_person_visits": 1,
        "channels": [C.ONLINE, C.IN_PERSON],
        "availability": "درگاه اینترنتی شبانه‌روزی؛ بازدید در ساعات اداری",
        "documents": [("تصویر کارت ملی", ""), ("کارت نظام پزشکی", ""), ("سند یا اجاره‌نامه محل مطب", ""), ("پایان طرح", "")],
        "rules": [{"kind": ServiceRule.Kind.REGULATION, "title": "آیین‌نامه تأسیس مطب"}],
    },
    {
        "identifier": "10040311001",
        "slug": "cme-registration",
        "unit": "education",
        "name": "ثبت‌نام در برنامه‌های آموزش مداوم جامعه پزشکی",
        "summary": "ثبت‌نام در همایش‌ها و دوره‌های آموزش مداوم و دریافت گواهی امتیاز.",
        "description": "ثبت‌نام و پرداخت از سامانه آموزش مداوم انجام می‌شود و گواهی امتیاز پس از پایان دوره در همان سامانه در دسترس است.",
        "cost_rials": 1_200_000,
        "cost_note": "برای هر دوره",
        "delivery_time": "بلافاصله پس از ثبت‌نام",
        "in_person_visits": 0,
        "channels": [C.ONLINE],
        "availability": "شبانه‌روزی",
        "documents": [("شماره نظام پزشکی", "")],
        "rules": [],
    },
    {
        "identifier": "10040411001",
        "slug": "health-card",
        "unit": "health",
        "name": "صدور کارت بهداشت متصدیان مراکز تهیه و توزیع مواد غذایی",
        "summary": "کارت بهداشت برای کارکنان رستوران‌ها، نانوایی‌ها و مراکز عرضه مواد غذایی.",
        "description": "پس از ثبت درخواست، متقاضی برای معاینه و آزمایش به مرکز بهداشت معرفی می‌شود و پس از گذراندن آموزش بهداشت عمومی، کارت صادر می‌گردد.",
        "cost_rials": 850_000,
        "delivery_time": "۷ روز کاری",
        "in_person_visits": 2,
        "channels": [C.ONLINE, C.IN_PERSON],
        "availability": "ثبت درخواست شبانه‌روزی؛ معاینه در ساعات اداری مراکز بهداشت",
        "documents": [("تصویر کارت ملی", ""), ("عکس ۳×۴", ""), ("نتیجه آزمایش‌های درخواستی", "")],
        "rules": [],
    },
    {
        "identifier": "10040111001",
        "slug": "public-complaints",
        "online_form": "complaint",  # «رسیدگی به شکایات» opens the complaint form
        "unit": "public-relations",
        "name": "رسیدگی به شکایات و درخواست‌های مردمی",
        "summary": "ثبت شکایت یا درخواست، ارجاع به واحد مسئول و پاسخ با کد پیگیری.",
        "description": "شکایت یا درخواست از میز خدمت ثبت و کد پیگیری به شما داده می‌شود؛ پس از بررسی و ارجاع به واحد مربوط، پاسخ به ایمیل یا شماره همراه شما ارسال می‌شود.",
        "cost_rials": 0,
        "delivery_time": "حداکثر ۱۵ روز کاری",
        "in_person_visits": 0,
        "channels": [C.ONLINE, C.CHAT, C.PHONE, C.EMAIL],
        "availability": "شبانه‌روزی؛ تلفن در ساعات اداری",
        "documents": [],
        "rules": [],
    },
    {
        "identifier": "10040411002",
        "slug": "health-statistics-g2g",
        "unit": "health",
        "name": "ارائه آمار و گزارش‌های بهداشتی به دستگاه‌های ذی‌ربط",
        "summary": "خدمت دستگاه به دستگاه: گزارش‌های دوره‌ای بیماری‌های واگیر و شاخص‌های سلامت.",
        "description": "گزارش‌های دوره‌ای به درخواست دستگاه‌های ذی‌ربط و طبق توافق‌نامه سطح خدمت ارسال می‌شود.",
        "recipient": Service.Recipient.G2G,
        "cost_rials": 0,
        "delivery_time": "ماهانه",
        "in_person_visits": 0,
        "channels": [C.ONLINE, C.EMAIL],
        "availability": "ساعات اداری",
        "documents": [("درخواست کتبی دستگاه متقاضی", "")],
        "rules": [],
    },
]

# Directory entries («درباره ما»): the people who head units, each the manager of their unit
# (Unit.manager), so the meeting form offers every deputy and manager («ملاقات با معاونین و مدیران
# دانشگاه»).  They sign in to nothing (an unusable password) and stay off duty; they are listed
# for their position and public contact.
PEOPLE = [
    # username, display name, position, public phone, public email, unit code
    ("dir-president", "دکتر محمدرضا رحیمی", "رئیس دانشگاه", "086-33333300", "riasat@daneshgah.example", "presidency"),
    ("dir-treatment", "دکتر سارا نوری", "معاون درمان", "086-32222200", "darman@daneshgah.example", "treatment"),
    ("dir-education", "دکتر امیر صادقی", "معاون آموزشی", "086-34444400", "amoozesh@daneshgah.example", "education"),
    ("dir-health", "دکتر لیلا کاظمی", "معاون بهداشت", "086-35555500", "behdasht@daneshgah.example", "health"),
    ("dir-pr", "محسن جعفری", "مدیر روابط عمومی", "086-31111100", "ravabet@daneshgah.example", "public-relations"),
    ("dir-hr", "مهدی شریفی", "مدیر منابع انسانی", "086-36666600", "karkozini@daneshgah.example", "human-resources"),
]
# Managers an older demo set, replaced by the heads above on the next seed: the supervisor
# «فاطمه مرادی» of four units, and a second «رئیس دانشگاه» (forms_demo.py retires that account).
FORMER_DEMO_MANAGERS = {"moradi", "president"}
UNIT_EMAILS = {
    "presidency": "riasat@daneshgah.example",
    "treatment": "darman@daneshgah.example",
    "education": "amoozesh@daneshgah.example",
    "health": "behdasht@daneshgah.example",
    "public-relations": "ravabet@daneshgah.example",
}

MAINTENANCE_TITLE = "به‌روزرسانی سامانه آموزش مداوم"


def _rules(rules):
    out = []
    for r in rules:
        r = dict(r)
        if "date" in r:
            r["date"] = jalali.jalali_date(*r["date"])
        out.append(r)
    return out


@transaction.atomic
def seed(units=None):
    units = units or {u.code: u for u in Unit.objects.all()}
    services = {}
    for order, data in enumerate([SPECIALISTS, *OTHERS]):
        data = dict(data)
        unit = units.get(data.pop("unit"))
        if unit is None:
            continue
        existing = Service.objects.filter(identifier=data["identifier"]).first()
        data["rules"] = _rules(data.get("rules", []))
        if "steps" in data:
            if any(code not in units for _title, code in data["steps"]):
                data.pop("steps")
            else:
                data["steps"] = [(title, units[code]) for title, code in data["steps"]]
        services[data["slug"]] = catalogue.service_save(service=existing, unit=unit, order=order, **data)
    for code, email in UNIT_EMAILS.items():
        Unit.objects.filter(code=code, email="").update(email=email)
    _seed_people(units)
    _seed_maintenance(units, services)
    return services


def _seed_people(units):
    User = get_user_model()
    for username, name, position, phone, email, code in PEOPLE:
        if code not in units:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=None)
        official, _ = Official.objects.get_or_create(
            user=user, defaults={"display_name": name, "position": position, "public_phone": phone, "public_email": email}
        )
        official.units.add(units[code])
        # The head manages the unit, unless a person chose another manager.
        unit = Unit.objects.select_related("manager__user").get(pk=units[code].pk)
        if unit.manager_id is None or unit.manager.user.username in FORMER_DEMO_MANAGERS:
            Unit.objects.filter(pk=unit.pk).update(manager=official)


def _seed_maintenance(units, services):
    """One planned maintenance: tomorrow night 22:00 to 02:00 (Tehran), announced 48 hours ahead,
    so it shows at once.  Re-seeding keeps an announcement that has not ended yet."""
    now = clock.now()
    if Announcement.objects.filter(title=MAINTENANCE_TITLE).exclude(ends_at__lte=now).exists():
        return
    tomorrow = jalali.local(now).date() + dt.timedelta(days=1)
    starts_at = jalali.local_datetime(tomorrow, dt.time(22, 0))
    existing = Announcement.objects.filter(title=MAINTENANCE_TITLE).first()
    announcements.announcement_save(
        announcement=existing,
        title=MAINTENANCE_TITLE,
        body="در این بازه ثبت‌نام در دوره‌های آموزش مداوم و دریافت گواهی امتیاز ممکن نیست. پیشاپیش از شکیبایی شما سپاسگزاریم.",
        kind=Announcement.Kind.MAINTENANCE,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=4),
        units=[],
        services=[s for k, s in services.items() if k == "cme-registration"],
    )
