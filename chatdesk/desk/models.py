"""Service desk («میز خدمت»): the catalogue of e-services and the public announcements.

Catalogue, directory and announcements live in ``catalogue.py``, ``directory.py`` and
``announcements.py`` (services and selectors for each); requests, complaints, meetings and contact
forms are added by their own modules and migrations.

Models hold integrity only (design rule 10).  Text is stored as typed; ``Service.search_key`` is
the normalised search column, written only by ``catalogue.service_save`` /
``catalogue.service_reindex``.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from chatdesk.directory.models import Unit

# A government e-service identifier («شناسه خدمت»): 8 to 12 Latin digits (stored folded; shown
# with Persian digits).
IDENTIFIER_VALIDATOR = RegexValidator(r"^[0-9]{8,12}\Z", "شناسه خدمت باید ۸ تا ۱۲ رقم باشد.")


class Service(models.Model):
    """One e-service of the catalogue, with what the citizen needs to know before asking for it."""

    class Recipient(models.TextChoices):
        G2C = "g2c", "شهروندان (G2C)"
        G2B = "g2b", "کسب‌وکارها (G2B)"
        G2G = "g2g", "دستگاه‌های دولتی (G2G)"

    class Channel(models.TextChoices):
        ONLINE = "online", "درگاه اینترنتی"
        IN_PERSON = "in_person", "مراجعه حضوری"
        PHONE = "phone", "تلفن"
        EMAIL = "email", "ایمیل"
        CHAT = "chat", "گفتگوی زنده"
        MAIL = "mail", "پست"

    class OnlineForm(models.TextChoices):
        """Which public form the service's «ثبت درخواست آنلاین» opens."""

        REQUEST = "request", "درخواست آنلاین با مدارک لازم"
        COMPLAINT = "complaint", "فرم ثبت شکایت"
        CONTACT = "contact", "فرم تماس با ما"
        MEETING = "meeting", "فرم درخواست ملاقات"

    identifier = models.CharField("شناسه خدمت", max_length=12, unique=True, validators=[IDENTIFIER_VALIDATOR])
    name = models.CharField("عنوان خدمت", max_length=200)
    slug = models.SlugField("کلید لاتین", max_length=80, unique=True, help_text="حروف و رقم لاتین و خط تیره، برای پیوندها.")
    unit = models.ForeignKey(Unit, verbose_name="واحد ارائه‌دهنده", on_delete=models.PROTECT, related_name="services")
    summary = models.CharField("خلاصه", max_length=300, blank=True)
    description = models.TextField("شرح خدمت", blank=True)
    recipient = models.CharField("گیرنده خدمت", max_length=4, choices=Recipient.choices, default=Recipient.G2C)
    # Cost: an amount in rials (0 = free), or a text when it cannot be one number.
    cost_rials = models.PositiveBigIntegerField("هزینه (ریال)", null=True, blank=True, help_text="صفر یعنی رایگان؛ خالی یعنی طبق توضیح هزینه.")
    cost_note = models.CharField("توضیح هزینه", max_length=300, blank=True)
    delivery_time = models.CharField("زمان انجام خدمت", max_length=120, blank=True)
    in_person_visits = models.PositiveSmallIntegerField("تعداد مراجعه حضوری", default=0)
    channels = models.JSONField("شیوه‌های دسترسی", default=list, blank=True)
    availability = models.CharField("زمان دسترسی", max_length=200, blank=True)
    access_url = models.URLField("نشانی سامانه خدمت", blank=True)
    online_form = models.CharField(
        "فرم درخواست آنلاین", max_length=10, choices=OnlineForm.choices, default=OnlineForm.REQUEST, blank=True,
        help_text="مثلاً خدمت «رسیدگی به شکایات» فرم ثبت شکایت را باز می‌کند.",
    )
    is_active = models.BooleanField("فعال", default=True)
    order = models.PositiveIntegerField("ترتیب", default=0)
    search_key = models.TextField("کلید جست‌وجو", editable=False, default="")
    updated_at = models.DateTimeField("آخرین تغییر", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["unit__menu_order", "unit_id", "order", "name"]
        verbose_name = "خدمت"
        verbose_name_plural = "خدمات (میز خدمت)"

    def __str__(self):
        return self.name

    @property
    def is_free(self):
        return self.cost_rials == 0


class ServiceDocument(models.Model):
    """A document the applicant must provide, in the order the service lists them."""

    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField("ردیف", default=0)
    title = models.CharField("مدرک", max_length=200)
    note = models.CharField("توضیح", max_length=300, blank=True)

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = "مدرک لازم"
        verbose_name_plural = "مدارک لازم"

    def __str__(self):
        return self.title


class ServiceRule(models.Model):
    """A law, directive or circular that governs a service («قوانین و مقررات»)."""

    class Kind(models.TextChoices):
        LAW = "law", "قانون"
        REGULATION = "regulation", "آیین‌نامه"
        DIRECTIVE = "directive", "دستورالعمل"
        CIRCULAR = "circular", "ابلاغیه / بخشنامه"

    service = models.ForeignKey(Service, verbose_name="خدمت", on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField("ردیف", default=0)
    kind = models.CharField("نوع", max_length=12, choices=Kind.choices, default=Kind.CIRCULAR)
    title = models.CharField("عنوان", max_length=300)
    number = models.CharField("شماره", max_length=60, blank=True)
    date = models.DateField("تاریخ", null=True, blank=True)
    url = models.URLField("پیوند", blank=True)
    text = models.TextField("متن یا خلاصه", blank=True)

    class Meta:
        ordering = ["service_id", "order", "id"]
        verbose_name = "قانون یا ابلاغیه"
        verbose_name_plural = "قوانین و ابلاغیه‌ها"

    def __str__(self):
        return self.title


class Announcement(models.Model):
    """A public notice of an outage, planned maintenance or other news, shown as a banner on the
    portal and in the chat widget from ``show_from`` until ``ends_at`` (open-ended when empty).

    An announcement with no units and no services concerns the whole portal.  A unit includes the
    units under it; a service's announcement reaches the citizen who picks its unit in the widget.
    """

    class Kind(models.TextChoices):
        OUTAGE = "outage", "اختلال و قطعی"
        MAINTENANCE = "maintenance", "تعمیر و نگهداری برنامه‌ریزی‌شده"
        INFO = "info", "اطلاعیه"

    title = models.CharField("عنوان", max_length=200)
    body = models.TextField("متن", blank=True)
    kind = models.CharField("نوع", max_length=12, choices=Kind.choices, default=Kind.MAINTENANCE)
    starts_at = models.DateTimeField("شروع")
    ends_at = models.DateTimeField("پایان", null=True, blank=True, help_text="خالی یعنی تا اطلاع ثانوی.")
    show_from = models.DateTimeField("نمایش از", help_text="برای کار برنامه‌ریزی‌شده، از پیش اطلاع داده می‌شود.")
    units = models.ManyToManyField(Unit, verbose_name="واحدهای متأثر", related_name="announcements", blank=True)
    services = models.ManyToManyField(Service, verbose_name="خدمات متأثر", related_name="announcements", blank=True)
    is_published = models.BooleanField("منتشر شود", default=True)
    created_at = models.DateTimeField("ثبت", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("آخرین تغییر", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "اطلاعیه"
        verbose_name_plural = "اطلاعیه‌های اختلال و تعمیرات"
        indexes = [models.Index(fields=["is_published", "show_from", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
                violation_error_message="زمان پایان باید بعد از زمان شروع باشد.",
            ),
            models.CheckConstraint(
                condition=Q(show_from__lte=models.F("starts_at")),
                name="announcement_shown_before_start",
                violation_error_message="زمان نمایش نباید بعد از زمان شروع باشد.",
            ),
        ]

    def __str__(self):
        return self.title

from .models_forms import ComplaintSettings, ContactGroup, MeetingRequest  # noqa: E402,F401  (forms: requests, complaints, meetings)
from .models_profile import RequestStep, ServiceFAQ, ServiceStep, SurveyAnswer, SurveyQuestion  # noqa: E402,F401  (profile, steps, survey)
