"""Tickets: every case a unit must answer (an escalated chat, an offline message, an online
request, a complaint, a meeting request, a contact form, an inbound email).

A ticket is found by its tracking code («کد پیگیری»); its timeline is a list of entries, some
public (the citizen sees them), some internal (notes, assignments).  Every change writes an
``AuditEvent`` in the same transaction (see services.py).
"""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q

from chatdesk.chats.models import Conversation, Message
from chatdesk.core.tracking import format_tracking_code
from chatdesk.directory.models import Official, Unit


# What an audit row's ``action`` code means, for people (the admin, the console's history).
ACTION_LABELS = {
    "created": "ثبت پرونده", "follow_up": "پیگیری شهروند", "reply": "پاسخ", "note": "یادداشت داخلی", "assign": "واگذاری",
    "priority": "تغییر اولویت", "refer": "ارجاع", "status": "تغییر وضعیت", "viewed": "مشاهده", "rated": "ثبت نظر",
    "anonymised": "ناشناس‌سازی", "meeting_offer": "پیشنهاد وقت ملاقات", "meeting_confirmed": "قطعی شدن ملاقات",
    "meeting_cancelled": "لغو ملاقات", "meeting_done": "انجام ملاقات", "meeting_reminder": "یادآوری ملاقات",
    "docs_requested": "درخواست مدارک از شهروند", "objection": "اعتراض شهروند", "overdue_escalated": "ارجاع به سرپرست پس از مهلت قانونی",
    "clock_paused": "توقف مهلت‌ها", "printed": "چاپ برگه پرونده", "clock_resumed": "ادامه مهلت‌ها",
}
# While a case waits for the citizen every clock (SLA and statutory) stands still (services.py).
PAUSED_STATUSES = ("waiting", "docs")


def ltr_isolate(code):
    """A code kept left to right inside Persian text (its digit groups would otherwise swap)."""
    return f"\u2066{code}\u2069"


def action_label(action):
    return ACTION_LABELS.get(action, action)


def new_secret():
    return secrets.token_urlsafe(32)


class Ticket(models.Model):
    class Kind(models.TextChoices):
        CHAT = "chat", "گفتگوی بی‌پاسخ"
        OFFLINE = "offline", "پیام خارج از ساعت کاری"
        REQUEST = "request", "درخواست خدمت"
        COMPLAINT = "complaint", "شکایت"
        MEETING = "meeting", "درخواست ملاقات"
        CONTACT = "contact", "تماس با ما"
        EMAIL = "email", "ایمیل"
        REPORT = "report", "گزارش"

    class Status(models.TextChoices):
        NEW = "new", "جدید"
        OPEN = "open", "در حال رسیدگی"
        WAITING = "waiting", "در انتظار پاسخ شما"
        DOCS = "docs", "در انتظار مدارک شهروند"
        REFERRED = "referred", "ارجاع‌شده"
        RESOLVED = "resolved", "پاسخ داده شد"
        REJECTED = "rejected", "رد شد"
        OBJECTED = "objected", "اعتراض شهروند نزد سرپرست"
        CLOSED = "closed", "بسته"

    class Priority(models.TextChoices):
        LOW = "low", "کم"
        NORMAL = "normal", "عادی"
        HIGH = "high", "زیاد"
        URGENT = "urgent", "فوری"

    code = models.CharField("کد پیگیری", max_length=16, unique=True)
    kind = models.CharField("نوع", max_length=12, choices=Kind.choices)
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField("اولویت", max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    unit = models.ForeignKey(Unit, verbose_name="واحد", on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_tickets"
    )
    subject = models.CharField("موضوع", max_length=200)
    citizen_name = models.CharField("نام", max_length=80)
    citizen_mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    citizen_email = models.EmailField("ایمیل", blank=True)
    citizen_national_code = models.CharField("کد ملی", max_length=10, blank=True)
    # Complaints: the unit complained about never sees who complained (desk app sets it).
    hide_identity = models.BooleanField("پنهان بودن هویت", default=False)
    # An escalated chat: unique, so a chat can never become two tickets (any number of workers).
    conversation = models.OneToOneField(
        Conversation, verbose_name="گفتگو", null=True, blank=True, on_delete=models.PROTECT, related_name="ticket"
    )
    # Per-ticket secret behind the email link and the reply address (tracking.ticket_token);
    # replacing it revokes every link sent so far.
    secret = models.CharField("رمز پیوندها", max_length=64, default=new_secret, editable=False)
    data = models.JSONField("داده‌ها", default=dict, blank=True)  # kind-specific fields (service, meeting, …)
    ip_address = models.GenericIPAddressField("نشانی آی‌پی", null=True, blank=True)

    created_at = models.DateTimeField("زمان ثبت")
    updated_at = models.DateTimeField("آخرین تغییر")
    first_response_at = models.DateTimeField("زمان نخستین پاسخ", null=True, blank=True)
    resolved_at = models.DateTimeField("زمان پاسخ نهایی", null=True, blank=True)
    closed_at = models.DateTimeField("زمان بستن", null=True, blank=True)
    # SLA moments, computed in the unit's office hours when the clock starts (services.py):
    # "warn" is when three quarters of the target have passed.
    first_response_due = models.DateTimeField("مهلت نخستین پاسخ", null=True, blank=True)
    first_response_warn_at = models.DateTimeField("هشدار مهلت نخستین پاسخ", null=True, blank=True)
    resolution_due = models.DateTimeField("مهلت رسیدگی", null=True, blank=True)
    resolution_warn_at = models.DateTimeField("هشدار مهلت رسیدگی", null=True, blank=True)
    # The statutory response deadline («مهلت قانونی پاسخ»), in working days of the Iranian
    # calendar (writes.statutory_days); past it the case goes up to a supervisor once.
    statutory_due = models.DateTimeField("مهلت قانونی پاسخ", null=True, blank=True)
    overdue_escalated_at = models.DateTimeField("زمان ارجاع به سرپرست پس از مهلت", null=True, blank=True)
    # When the clocks stopped (the case waits for the citizen); None while they run.
    clock_paused_at = models.DateTimeField("توقف مهلت‌ها از", null=True, blank=True)
    # The supervisor the case went up to (an objection or a passed deadline): they see it too.
    supervisor = models.ForeignKey(
        Official, verbose_name="سرپرست ناظر", null=True, blank=True, on_delete=models.SET_NULL, related_name="supervised_tickets"
    )
    objected_at = models.DateTimeField("زمان اعتراض", null=True, blank=True)
    # What the SLA sweep has already announced for the current clock: 0 nothing, 1 warning, 2 breach.
    sla_alerted = models.PositiveSmallIntegerField("هشدارهای مهلت", default=0)

    # Normalised text of the code, subject, contact and every entry (persian.search_key).
    search_key = models.TextField("کلید جست‌وجو", blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "پرونده"
        verbose_name_plural = "پرونده‌ها"
        indexes = [
            models.Index(fields=["unit", "status", "created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "first_response_warn_at"]),
            models.Index(fields=["status", "resolution_warn_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["status", "statutory_due"]),  # the console list (newest change first), report metrics
        ]

    def __str__(self):
        return f"{ltr_isolate(self.display_code)} — {self.subject}"

    @property
    def display_code(self):
        return format_tracking_code(self.code)

    @property
    def is_open(self):
        return self.status not in (self.Status.RESOLVED, self.Status.REJECTED, self.Status.CLOSED)


class Entry(models.Model):
    """One item of a ticket's timeline."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", "پیام شهروند"
        REPLY = "reply", "پاسخ"
        NOTE = "note", "یادداشت داخلی"
        EVENT = "event", "رویداد"

    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices)
    public = models.BooleanField("دیده‌شدن برای شهروند", default=True)  # False: staff only (notes, assignments)
    official = models.ForeignKey(Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    body = models.TextField("متن", blank=True)
    data = models.JSONField("داده‌ها", default=dict, blank=True)
    # What arrived through another channel: "chat" (transcript), "web", "email".
    channel = models.CharField("راه رسیدن", max_length=10, default="web")
    # Idempotency: a resent form or a mail delivered twice is stored once.
    dedup_key = models.CharField("کلید یکتایی", max_length=255, blank=True)
    created_at = models.DateTimeField("زمان")

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        verbose_name = "رویداد پرونده"
        verbose_name_plural = "رویدادهای پرونده"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "dedup_key"], condition=~Q(dedup_key=""), name="entry_dedup_unique"),
            models.CheckConstraint(condition=~Q(kind="note") | Q(public=False), name="entry_note_never_public"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {ltr_isolate(format_tracking_code(self.ticket.code, persian=True))}"


class AuditEvent(models.Model):
    """Who changed what, when: written in the same transaction as the change."""

    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", on_delete=models.CASCADE, related_name="audit")
    official = models.ForeignKey(Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.CharField("انجام‌دهنده", max_length=10)  # citizen, official, system
    action = models.CharField("کار", max_length=30)
    changes = models.JSONField("تغییرها", default=dict, blank=True)  # {"field": [old, new]} or details
    created_at = models.DateTimeField("زمان")

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["official", "created_at"]), models.Index(fields=["action", "created_at"])]
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "رویدادهای ممیزی"

    def __str__(self):
        return f"{action_label(self.action)} — {ltr_isolate(format_tracking_code(self.ticket.code, persian=True))}"


class PrivateStorage(FileSystemStorage):
    """Uploaded documents live under MEDIA_ROOT, which is never served by a public URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.MEDIA_ROOT)
        kwargs.setdefault("base_url", None)
        super().__init__(**kwargs)


private_storage = PrivateStorage()


def _upload_to(instance, filename):
    # A random name: the citizen's file name is kept in ``name`` only, never on disk.
    return os.path.join("attachments", secrets.token_hex(2), secrets.token_hex(16))


class Attachment(models.Model):
    """A document sent by a citizen or an official, in a chat or on a ticket (or both: a chat's
    attachments follow it into its ticket)."""

    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    entry = models.ForeignKey(Entry, verbose_name="رویداد پرونده", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    conversation = models.ForeignKey(Conversation, verbose_name="گفتگو", null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, verbose_name="پیام", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField("فایل", storage=private_storage, upload_to=_upload_to, max_length=200)
    name = models.CharField("نام پرونده", max_length=150)
    content_type = models.CharField("نوع فایل", max_length=100)
    size = models.PositiveIntegerField("اندازه (بایت)")
    sha256 = models.CharField("چکیده محتوا", max_length=64)
    uploaded_by = models.CharField("فرستنده", max_length=10)  # citizen or official
    official = models.ForeignKey(Official, verbose_name="کارشناس", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("زمان")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "پیوست"
        verbose_name_plural = "پیوست‌ها"

    def __str__(self):
        return self.name


class CaseChat(models.Model):
    """A live chat the citizen started from the tracking page of a case that waits for documents
    («در انتظار مدارک شهروند»): the documents the citizen sends in it are added to that case
    (tickets/chat_documents.py)."""

    ticket = models.ForeignKey(Ticket, verbose_name="پرونده", on_delete=models.CASCADE, related_name="case_chats")
    conversation = models.OneToOneField(Conversation, verbose_name="گفتگو", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("زمان")

    class Meta:
        verbose_name = "گفتگوی فرستادن مدارک"
        verbose_name_plural = "گفتگوهای فرستادن مدارک"

    def __str__(self):
        return f"{self.ticket} ← گفتگوی {self.conversation_id}"
