"""Service-desk forms: contact groups, where complaints go, and meeting requests.

Every form becomes a ``tickets.Ticket`` (its tracking code, timeline, documents and SLA);
these tables only hold what a ticket cannot: the groups of the contact page, the unit that
handles complaints, and a meeting's person, days and slot.  Writes are in ``requests.py``,
``complaints.py`` and ``meetings.py`` (design rule 1).
"""

from django.db import models
from django.db.models import Q

from chatdesk.directory.models import Official, Unit


class ContactGroup(models.Model):
    """A group on the contact page («تماس با ما»): the citizen picks one, the case goes to its
    unit, and the answer goes to the citizen's email."""

    name = models.CharField("عنوان گروه", max_length=120)
    description = models.CharField("توضیح", max_length=300, blank=True)
    unit = models.ForeignKey(Unit, verbose_name="واحد رسیدگی‌کننده", on_delete=models.PROTECT, related_name="contact_groups")
    order = models.PositiveSmallIntegerField("ترتیب", default=0)
    is_active = models.BooleanField("فعال", default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "گروه تماس"
        verbose_name_plural = "گروه‌های تماس با ما"

    def __str__(self):
        return self.name


class ComplaintSettings(models.Model):
    """Where complaints go (one row).  A complaint about a unit is never handled by that unit:
    it goes to ``unit`` (e.g. «بازرسی»), and a complaint about that unit itself goes to
    ``fallback_unit`` (e.g. the president's office)."""

    unit = models.ForeignKey(
        Unit, verbose_name="واحد رسیدگی به شکایات", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="مانند «بازرسی و پاسخ‌گویی به شکایات».",
    )
    fallback_unit = models.ForeignKey(
        Unit, verbose_name="رسیدگی به شکایت از خود این واحد", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="شکایت از واحد رسیدگی به شکایات به این واحد (مانند دفتر ریاست) می‌رود.",
    )

    class Meta:
        verbose_name = "تنظیمات شکایات"
        verbose_name_plural = "تنظیمات شکایات"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="complaint_settings_single_row")]

    def __str__(self):
        return "تنظیمات شکایات"


class MeetingRequest(models.Model):
    """A citizen's request to meet a deputy or manager in person, tied to its ticket."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "در انتظار تعیین وقت"
        OFFERED = "offered", "وقت پیشنهاد شده؛ در انتظار تأیید شما"
        CONFIRMED = "confirmed", "قطعی شده"
        CANCELLED = "cancelled", "لغو شده"
        DONE = "done", "انجام شده"

    class DayPart(models.TextChoices):
        ANY = "any", "فرقی نمی‌کند"
        MORNING = "morning", "صبح"
        NOON = "noon", "نزدیک ظهر"

    ticket = models.OneToOneField("tickets.Ticket", verbose_name="پرونده", on_delete=models.CASCADE, related_name="meeting")
    person = models.ForeignKey(Official, verbose_name="ملاقات با", on_delete=models.PROTECT, related_name="meeting_requests")
    # Preferred days: Gregorian ISO dates (shown in Jalali), in the order the citizen gave them.
    preferred_days = models.JSONField("روزهای پیشنهادی", default=list)
    day_part = models.CharField("زمان ترجیحی", max_length=10, choices=DayPart.choices, default=DayPart.ANY)
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    slot_start = models.DateTimeField("زمان ملاقات", null=True, blank=True)
    slot_minutes = models.PositiveSmallIntegerField("مدت (دقیقه)", default=20)
    location = models.CharField("محل ملاقات", max_length=200, blank=True)
    offered_by = models.ForeignKey(Official, verbose_name="پیشنهاددهنده", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField("زمان پیشنهاد", null=True, blank=True)
    confirmed_at = models.DateTimeField("زمان قطعی شدن", null=True, blank=True)
    cancelled_at = models.DateTimeField("زمان لغو", null=True, blank=True)
    cancelled_by = models.CharField("لغوکننده", max_length=10, blank=True)  # citizen, official
    cancel_reason = models.CharField("علت لغو", max_length=300, blank=True)
    # Set once by the reminder job (a conditional update: any number of workers remind once).
    reminded_at = models.DateTimeField("زمان یادآوری", null=True, blank=True)
    created_at = models.DateTimeField("زمان ثبت")
    updated_at = models.DateTimeField("آخرین تغییر")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "درخواست ملاقات"
        verbose_name_plural = "درخواست‌های ملاقات"
        indexes = [models.Index(fields=["status", "slot_start"]), models.Index(fields=["person", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["offered", "confirmed"]) | Q(slot_start__isnull=False),
                name="meeting_slot_when_offered",
            )
        ]

    def __str__(self):
        return f"ملاقات با {self.person} ({self.get_status_display()})"

    @property
    def is_active(self):
        return self.status in (self.Status.REQUESTED, self.Status.OFFERED, self.Status.CONFIRMED)
