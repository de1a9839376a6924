"""The access log: who opened which citizen's case (issue #8, phase 2).

One ``AccessLog`` row each time an official
- opens a chat's history in the console (``chat.open`` on the console socket),
- opens a ticket's page (``tickets.services.ticket_mark_viewed``, next to its ``AuditEvent``),
- downloads a document of a chat or a ticket (console downloads only; the citizen's own
  downloads are not logged).

A row keeps the official (and their name, so deleting the account keeps the trail), the unit and
the case, and a normalised search key of the citizen's name, mobile, email, national code and
tracking code (``core.persian.search_key``), so the page searches without joining cases that
retention may since have anonymised.  Retention blanks ``citizen_key`` together with the case
(the row itself stays: it says who looked, not what they saw).

Who reads it (``chatdesk.site.access_log.access_log_scope``; the page is site/access_log_views.py):
- an administrator (``Official.Role.ADMIN``) or anyone with the permission
  ``core.view_accesslog`` (the "auditor": give it to a user or a group in the admin): every unit;
- a supervisor: the rows of their own units;
- a plain official: nothing (404, the same as a missing page).
"""

from django.db import models

from . import clock
from .persian import search_index, to_persian_digits


class AccessLog(models.Model):
    class Action(models.TextChoices):
        CHAT_OPEN = "chat_open", "باز کردن گفتگو"
        TICKET_VIEW = "ticket_view", "دیدن پرونده"
        FILE_DOWNLOAD = "file_download", "دریافت پیوست"

    official = models.ForeignKey("directory.Official", verbose_name="کارمند", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    official_name = models.CharField("کارمند", max_length=120)
    unit = models.ForeignKey("directory.Unit", verbose_name="واحد", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField("کار", max_length=20, choices=Action.choices)
    conversation_id = models.BigIntegerField("شماره گفتگو", null=True, blank=True)
    ticket_id = models.BigIntegerField("شماره پرونده", null=True, blank=True)
    attachment_id = models.BigIntegerField("شماره فایل", null=True, blank=True)
    case_label = models.CharField("پرونده", max_length=40)  # «گفتگو ۱۲» or the tracking code
    citizen_key = models.TextField("کلید جست‌وجوی شهروند", blank=True)  # search_key of name, mobile, email, national code, code
    created_at = models.DateTimeField("زمان", db_index=True)

    class Meta:
        app_label = "core"
        ordering = ["-created_at", "-id"]
        verbose_name = "ثبت دسترسی"
        verbose_name_plural = "گزارش دسترسی‌ها"
        indexes = [models.Index(fields=["unit", "created_at"]), models.Index(fields=["official", "created_at"])]

    def __str__(self):
        return f"{self.official_name}: {self.get_action_display()} {self.case_label}"


def _citizen_key(*parts):
    return search_index(" ".join(str(p) for p in parts if p))


def _official_name(official):
    return (getattr(official, "display_name", "") or "")[:120]


def log_conversation(*, official, conversation, action=AccessLog.Action.CHAT_OPEN, attachment_id=None):
    return AccessLog.objects.create(
        official=official, official_name=_official_name(official), unit_id=conversation.unit_id, action=action,
        conversation_id=conversation.pk, attachment_id=attachment_id,
        case_label=f"گفتگو {to_persian_digits(conversation.pk)}",
        citizen_key=_citizen_key(conversation.citizen_name, conversation.citizen_mobile, conversation.citizen_email),
        created_at=clock.now(),
    )


def log_ticket(*, official, ticket, action=AccessLog.Action.TICKET_VIEW, attachment_id=None):
    return AccessLog.objects.create(
        official=official, official_name=_official_name(official), unit_id=ticket.unit_id, action=action,
        ticket_id=ticket.pk, conversation_id=ticket.conversation_id,
        attachment_id=attachment_id, case_label=ticket.code,
        # A complaint filed with hidden identity is found by its code only.
        citizen_key=_citizen_key(ticket.code) if ticket.hide_identity else _citizen_key(
            ticket.citizen_name, ticket.citizen_mobile, ticket.citizen_email, ticket.citizen_national_code, ticket.code
        ),
        created_at=clock.now(),
    )


def forget_citizen(*, conversation_ids=(), ticket_ids=()):
    """Retention: the rows of anonymised cases keep who looked, not the citizen's search key."""
    n = 0
    if conversation_ids:
        n += AccessLog.objects.filter(conversation_id__in=list(conversation_ids)).exclude(citizen_key="").update(citizen_key="")
    if ticket_ids:
        n += AccessLog.objects.filter(ticket_id__in=list(ticket_ids)).exclude(citizen_key="").update(citizen_key="")
    return n
