"""The SMS outbox, the opted-out numbers and the one-time codes (docs/operations.md#sms).

``OutboundSms``: one row per message, written in the transaction of the change that causes it and
sent by the worker (``outbox.py``), exactly as the mail outbox.  The app sits just above
``directory`` (it imports only core and directory): a case is named by its tracking code, not by
a foreign key, and the callers above (tickets, desk) enqueue through ``services``.
"""

from django.db import models
from django.db.models import Q

from chatdesk.core.persian import to_persian_digits


class OutboundSms(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "ثبت پرونده"
        REPLY = "reply", "پاسخ کارشناس"
        STATUS = "status", "تغییر وضعیت"
        MEETING = "meeting", "ملاقات حضوری"
        CODE = "code", "کد یک‌بار مصرف"

    class Status(models.TextChoices):
        QUEUED = "queued", "در صف ارسال"
        SENDING = "sending", "در حال ارسال"
        SENT = "sent", "ارسال شد"
        FAILED = "failed", "ناموفق (نیازمند بررسی)"  # the dead letter: an admin retries it

    class Delivery(models.TextChoices):
        UNKNOWN = "", "نامعلوم"
        PENDING = "pending", "در راه"
        DELIVERED = "delivered", "به گوشی رسید"
        UNDELIVERED = "undelivered", "به گوشی نرسید"

    kind = models.CharField("نوع", max_length=12, choices=Kind.choices)
    to = models.CharField("گیرنده", max_length=11)  # 09xxxxxxxxx
    text = models.TextField("متن")
    segments = models.PositiveSmallIntegerField("تعداد بخش", default=1)
    encoding = models.CharField("رمزگذاری", max_length=4, default="ucs2")  # gsm or ucs2
    case_code = models.CharField("کد پیگیری پرونده", max_length=16, blank=True, db_index=True)
    # One SMS per cause: "created:<ticket>", "reply:<entry>", "meeting:<id>:<event>:<stamp>", …
    dedup_key = models.CharField("کلید یکتایی", max_length=200, blank=True)

    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField("تعداد تلاش", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی")
    locked_until = models.DateTimeField("مهلت ارسال‌کننده", null=True, blank=True)  # the sending worker's lease
    lease = models.CharField("شناسه اجاره", max_length=32, blank=True)
    last_error = models.TextField("آخرین خطا", blank=True)
    backend = models.CharField("درگاه", max_length=20, blank=True)
    provider_id = models.CharField("شناسه در درگاه", max_length=64, blank=True)
    delivery = models.CharField("گزارش تحویل", max_length=12, choices=Delivery.choices, default="", blank=True)
    delivery_detail = models.CharField("شرح گزارش تحویل", max_length=200, blank=True)
    delivery_checked_at = models.DateTimeField("آخرین پرسش گزارش", null=True, blank=True)
    created_at = models.DateTimeField("زمان ایجاد")
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    delivered_at = models.DateTimeField("زمان تحویل", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "پیامک خروجی"
        verbose_name_plural = "پیامک‌های خروجی"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due_idx"),
            models.Index(fields=["to", "created_at"], name="sms_to_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], condition=~Q(dedup_key=""), name="sms_dedup_unique"),
        ]

    def __str__(self):
        return f"{to_persian_digits(self.to)}: {self.text[:40]}"


class SmsOptOut(models.Model):
    """A mobile number that receives no notices any more (one-time codes it asks for still go)."""

    mobile = models.CharField("شماره همراه", max_length=11, unique=True)
    source = models.CharField("از کجا", max_length=40, blank=True)  # "track" (the citizen), "admin"
    created_at = models.DateTimeField("زمان انصراف")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "انصراف از پیامک"
        verbose_name_plural = "انصراف‌ها از پیامک"

    def __str__(self):
        return to_persian_digits(self.mobile)


class OneTimeCode(models.Model):
    """A code sent by SMS that proves the holder has the phone: stored as an HMAC, never in clear,
    with an expiry and a count of wrong tries.  ``subject`` names what it opens ("track:<code>")."""

    subject = models.CharField("موضوع", max_length=64)
    mobile = models.CharField("شماره همراه", max_length=11)
    code_hash = models.CharField("چکیده کد", max_length=64)
    attempts = models.PositiveSmallIntegerField("تلاش‌های نادرست", default=0)
    created_at = models.DateTimeField("زمان ایجاد")
    expires_at = models.DateTimeField("زمان انقضا")
    used_at = models.DateTimeField("زمان استفاده", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "کد یک‌بار مصرف"
        verbose_name_plural = "کدهای یک‌بار مصرف"
        indexes = [models.Index(fields=["subject", "mobile", "created_at"], name="sms_code_idx")]

    def __str__(self):
        return f"{self.subject} → {to_persian_digits(self.mobile)}"
