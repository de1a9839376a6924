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

Who reads it (``access_log_scope``):
- an administrator (``Official.Role.ADMIN``) or anyone with the permission
  ``core.view_accesslog`` (the "auditor": give it to a user or a group in the admin): every unit;
- a supervisor: the rows of their own units;
- a plain official: nothing (404, the same as a missing page).
"""

import datetime as dt

from django.db import models

from . import clock
from .persian import search_index, search_key


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
    from chatdesk.core.persian import to_persian_digits

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


def log_attachment(*, official, attachment):
    """A console download of a chat's or a ticket's document."""
    from chatdesk.chats.models import Conversation
    from chatdesk.tickets.models import Ticket

    if attachment.ticket_id:
        ticket = Ticket.objects.filter(pk=attachment.ticket_id).first()
        if ticket is not None:
            return log_ticket(official=official, ticket=ticket, action=AccessLog.Action.FILE_DOWNLOAD, attachment_id=attachment.pk)
    conversation = Conversation.objects.filter(pk=attachment.conversation_id).first() if attachment.conversation_id else None
    if conversation is not None:
        return log_conversation(official=official, conversation=conversation, action=AccessLog.Action.FILE_DOWNLOAD, attachment_id=attachment.pk)
    return None


# --- reading ------------------------------------------------------------------------------------
def access_log_scope(official):
    """The unit ids whose rows this official may read, ``None`` for all; NotFound otherwise."""
    from chatdesk.core.errors import NotFound
    from chatdesk.directory.models import Official
    from chatdesk.directory.selectors import unit_ids_for_official

    if official is None or not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        raise NotFound()
    if official.role == Official.Role.ADMIN or official.user.has_perm("core.view_accesslog"):
        return None
    if official.role == Official.Role.SUPERVISOR:
        return unit_ids_for_official(official)
    raise NotFound()


def search(unit_ids, *, official=None, citizen="", unit=None, date_from=None, date_to=None):
    """Rows in scope (``unit_ids`` None = all), filtered; dates are Gregorian ``date``s of
    Tehran days (inclusive)."""
    from . import jalali

    qs = AccessLog.objects.all()
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if official:
        key = search_key(official)
        if key.isdigit():
            qs = qs.filter(official_id=int(key))
        else:
            for word in key.split()[:5]:
                qs = qs.filter(official_name__icontains=word)
    if citizen:
        for word in search_key(citizen).split()[:5]:
            qs = qs.filter(citizen_key__contains=word)
    if unit:
        qs = qs.filter(unit_id=unit)
    if date_from:
        qs = qs.filter(created_at__gte=jalali.local_datetime(date_from, dt.time(0, 0)))
    if date_to:
        qs = qs.filter(created_at__lt=jalali.local_datetime(date_to + dt.timedelta(days=1), dt.time(0, 0)))
    return qs.select_related("unit")


def forget_citizen(*, conversation_ids=(), ticket_ids=()):
    """Retention: the rows of anonymised cases keep who looked, not the citizen's search key."""
    n = 0
    if conversation_ids:
        n += AccessLog.objects.filter(conversation_id__in=list(conversation_ids)).exclude(citizen_key="").update(citizen_key="")
    if ticket_ids:
        n += AccessLog.objects.filter(ticket_id__in=list(ticket_ids)).exclude(citizen_key="").update(citizen_key="")
    return n
