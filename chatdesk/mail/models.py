"""The mail outbox and the inbound store (docs/email.md).

``OutboundMail``: one row per message to send, written in the transaction of the change that
causes it, sent by the worker (``outbound.py``).  Its Message-ID is fixed when the row is created,
so a retry after a crash resends the *same* message, which receivers deduplicate.

``InboundMail``: every message received (LMTP/SMTP receiver or IMAP poll), stored once per
Message-ID, with its raw bytes kept as a file under MEDIA_ROOT, and what became of it.
"""

import os
import secrets

from django.db import models
from django.db.models import Q

from chatdesk.chats.models import Conversation
from chatdesk.directory.models import Official, Unit
from chatdesk.tickets.models import Entry, Ticket, private_storage


class OutboundMail(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "ثبت پرونده"
        REPLY = "reply", "پاسخ کارشناس"
        STATUS = "status", "تغییر وضعیت"
        TRANSCRIPT = "transcript", "متن گفتگو"
        MEETING = "meeting", "ملاقات حضوری"
        STAFF = "staff", "اطلاع به کارشناسان"  # an overdue or objected case (never to the citizen)

    class Status(models.TextChoices):
        QUEUED = "queued", "در صف ارسال"
        SENDING = "sending", "در حال ارسال"
        SENT = "sent", "ارسال شد"
        FAILED = "failed", "ناموفق"
        BOUNCED = "bounced", "برگشت خورد"  # the relay took it, the recipient's server refused it later

    message_id = models.CharField("شناسه پیام", max_length=255, unique=True)  # "<hex@domain>", fixed at creation
    kind = models.CharField("نوع", max_length=12, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_mails")
    entry = models.ForeignKey(Entry, verbose_name="رویداد پرونده", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    to = models.EmailField("گیرنده", max_length=254)
    subject = models.CharField("موضوع", max_length=400)
    text = models.TextField("متن ساده")
    html = models.TextField("متن قالب‌دار", blank=True)
    headers = models.JSONField("سرآیندها", default=dict, blank=True)  # Reply-To, In-Reply-To, References, …
    # One mail per cause: "created:<ticket>", "reply:<entry>", "status:<ticket>:<entry>", …
    dedup_key = models.CharField("کلید یکتایی", max_length=200, blank=True)

    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField("تعداد تلاش", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی")
    locked_until = models.DateTimeField("در دست ارسال تا", null=True, blank=True)  # the lease of the sending worker
    lease = models.CharField("شناسه ارسال‌کننده", max_length=32, blank=True)  # who holds it (checked when marking)
    last_error = models.TextField("آخرین خطا", blank=True)
    created_at = models.DateTimeField("زمان ایجاد")
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    bounced_at = models.DateTimeField("زمان برگشت", null=True, blank=True)
    bounce_reason = models.CharField("علت برگشت", max_length=500, blank=True)  # from the delivery report

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ایمیل خروجی"
        verbose_name_plural = "ایمیل‌های خروجی"
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["ticket", "created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], condition=~Q(dedup_key=""), name="outbound_dedup_unique"),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject}"


def _raw_upload_to(instance, filename):
    return os.path.join("mail", "raw", secrets.token_hex(2), secrets.token_hex(16) + ".eml")


class InboundMail(models.Model):
    class Status(models.TextChoices):
        ROUTED = "routed", "به پرونده افزوده شد"
        NEW_TICKET = "new_ticket", "پرونده تازه"
        HELD = "held", "در انتظار بررسی کارشناس"
        IGNORED = "ignored", "نادیده گرفته شد"  # auto-reply, bounce, loop, bulk
        REJECTED = "rejected", "رد شد"  # nothing to route by, unknown token, invalid
        DISCARDED = "discarded", "کنار گذاشته شد"  # a held mail an official discarded

    message_id = models.CharField("شناسه پیام", max_length=255, unique=True)  # dedup: the same message is stored once
    source = models.CharField("راه دریافت", max_length=10)  # lmtp, smtp, imap
    raw = models.FileField("پیام خام", storage=private_storage, upload_to=_raw_upload_to, max_length=200)
    size = models.PositiveIntegerField("اندازه (بایت)", default=0)
    sha256 = models.CharField("چکیده محتوا", max_length=64)
    from_address = models.CharField("فرستنده", max_length=254, blank=True)
    from_name = models.CharField("نام فرستنده", max_length=200, blank=True)
    recipients = models.JSONField("گیرندگان", default=list, blank=True)  # envelope (LMTP) or header addresses (IMAP)
    subject = models.CharField("موضوع", max_length=400, blank=True)
    body = models.TextField("متن", blank=True)  # what went (or would go) to the timeline: quotes stripped
    status = models.CharField("وضعیت", max_length=12, choices=Status.choices)
    reason = models.CharField("علت", max_length=40, blank=True)
    routed_by = models.CharField("راه یافتن پرونده", max_length=20, blank=True)  # token, in_reply_to, subject_code, unit_address
    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails")
    unit = models.ForeignKey(Unit, verbose_name="واحد", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entry = models.ForeignKey(Entry, verbose_name="رویداد پرونده", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField("داده‌ها", default=dict, blank=True)  # refused attachments, references, …
    received_at = models.DateTimeField("زمان دریافت")
    handled_by = models.ForeignKey(Official, verbose_name="رسیدگی‌کننده", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField("زمان رسیدگی", null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "ایمیل ورودی"
        verbose_name_plural = "ایمیل‌های ورودی"
        indexes = [
            models.Index(fields=["status", "unit", "received_at"]),
            models.Index(fields=["from_address", "received_at"]),
        ]

    def __str__(self):
        return f"{self.from_address}: {self.subject}"
