"""Satisfaction ratings, per-case figures for the reports, and the agencies' statistics tokens.

- ``Rating``: the citizen's 1–5 score (and optional comment) of one case: a chat that ended
  without becoming a ticket, or a ticket once resolved.  One per case (a unique constraint on
  each side, and exactly one side set); changeable for ``REPORTS["RATING_CHANGE_DAYS"]`` days.
  ``unit`` and ``official`` are copied from the case when it is rated, so a later referral does
  not move the score to another unit and the reports group it without joins.
- ``CaseMetrics``: the durations of one case in its unit's office hours, computed by the worker
  (``services.metrics_sweep``) from the case's timestamps, so report pages only aggregate.
- ``AgencyToken``: a bearer token of another agency for the read-only statistics API
  (docs/statistics-api.md); only its SHA-256 digest is stored, the token is shown once.
"""

from django.db import models
from django.db.models import Q

from chatdesk.chats.models import Conversation
from chatdesk.core.persian import to_persian_digits
from chatdesk.directory.models import Official, Unit
from chatdesk.tickets.models import Ticket


class Rating(models.Model):
    class Channel(models.TextChoices):
        WIDGET = "widget", "پنجره گفتگو"
        TRACKING = "tracking", "صفحه پیگیری"
        EMAIL = "email", "پیوند ایمیل"

    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="rating", verbose_name="گفتگو"
    )
    ticket = models.OneToOneField(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="rating", verbose_name="پرونده")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="واحد")
    official = models.ForeignKey(
        Official, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="کارشناس"
    )
    score = models.PositiveSmallIntegerField("امتیاز")
    comment = models.TextField("نظر", blank=True)
    channel = models.CharField("راه ثبت", max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField("زمان ثبت")
    updated_at = models.DateTimeField("آخرین تغییر")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "نظر شهروند"
        verbose_name_plural = "نظرهای شهروندان"
        constraints = [
            models.CheckConstraint(
                condition=(Q(conversation__isnull=False) & Q(ticket__isnull=True)) | (Q(conversation__isnull=True) & Q(ticket__isnull=False)),
                name="rating_one_case",
            ),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_5"),
        ]
        indexes = [models.Index(fields=["unit", "created_at"]), models.Index(fields=["official", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self):
        return to_persian_digits(f"امتیاز {self.score}")


class CaseMetrics(models.Model):
    """Durations of one case (a chat or a ticket), computed in its unit's office hours.

    ``source_at`` is the case timestamp the row was computed from (a chat's ``closed_at`` or
    ``first_response_at``, a ticket's ``updated_at``): a case whose timestamp moved on is
    computed again by the next sweep.
    """

    conversation = models.OneToOneField(Conversation, verbose_name="گفتگو", null=True, blank=True, on_delete=models.CASCADE, related_name="metrics")
    ticket = models.OneToOneField(Ticket, verbose_name="پرونده", null=True, blank=True, on_delete=models.CASCADE, related_name="metrics")
    # Chats: wall-clock seconds from the start until an official took the chat.
    wait_seconds = models.PositiveIntegerField("انتظار در صف (ثانیه)", null=True, blank=True)
    # Office-hours seconds from the start until the first answer / until resolved.
    first_response_seconds = models.PositiveIntegerField("نخستین پاسخ (ثانیه کاری)", null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField("رسیدگی (ثانیه کاری)", null=True, blank=True)
    source_at = models.DateTimeField("زمان مبنا")
    computed_at = models.DateTimeField("زمان محاسبه")

    class Meta:
        verbose_name = "شاخص پرونده"
        verbose_name_plural = "شاخص‌های پرونده‌ها"
        constraints = [
            models.CheckConstraint(
                condition=(Q(conversation__isnull=False) & Q(ticket__isnull=True)) | (Q(conversation__isnull=True) & Q(ticket__isnull=False)),
                name="metrics_one_case",
            )
        ]

    def __str__(self):
        return to_persian_digits(f"شاخص پرونده {self.ticket_id}" if self.ticket_id else f"شاخص گفتگو {self.conversation_id}")


class AgencyToken(models.Model):
    """Another agency's key to the statistics API.  ``units`` empty and ``all_units`` off opens
    nothing: the scope is always explicit."""

    name = models.CharField("نام دستگاه", max_length=150)
    token_digest = models.CharField("چکیده توکن", max_length=64, unique=True, editable=False)
    prefix = models.CharField("آغاز توکن", max_length=8, editable=False, help_text="برای شناختن توکن؛ خود توکن نگه‌داری نمی‌شود.")
    all_units = models.BooleanField("همه واحدها", default=False)
    units = models.ManyToManyField(Unit, blank=True, related_name="+", verbose_name="واحدهای مجاز")
    is_active = models.BooleanField("فعال", default=True)
    expires_at = models.DateTimeField("پایان اعتبار", null=True, blank=True)
    note = models.TextField("توضیح", blank=True)
    created_at = models.DateTimeField("زمان ساخت", auto_now_add=True)
    last_used_at = models.DateTimeField("آخرین استفاده", null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "توکن آمار دستگاه‌ها"
        verbose_name_plural = "توکن‌های آمار دستگاه‌ها"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
