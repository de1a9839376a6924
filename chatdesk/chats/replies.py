"""Saved replies («پاسخ‌های آماده»): a unit's, managed by its supervisors and the administrators,
and each official's own.  The console inserts one by typing ``/`` and a few letters, or from its
picker; ``{نام}`` and ``{کد_پیگیری}`` are filled in there (docs/protocol.md, saved replies).

Reads, writes and who may do what live here; the console socket and the admin call them."""

import re

from django.db import transaction
from django.db.models import Q

from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import clean_line, clean_text, search_key, to_persian_digits
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import unit_ids_for_official

from .models import SavedReply

TITLE_MAX = 80
SHORTCUT_MAX = 30
BODY_MAX = 1000
PER_OWNER_MAX = 200  # saved replies per unit or per official
PLACEHOLDERS = ("{نام}", "{کد_پیگیری}")
_PLACEHOLDER_RE = re.compile(r"\{[^{}\n]{0,40}\}")
_SHORTCUT_RE = re.compile(r"^[\w\u200c-]+$")


def _text(value):
    return value if isinstance(value, str) else ""


def validate_reply(*, shortcut, title, body):
    """``(shortcut, title, body)`` cleaned, or ValidationError with a Persian message and the
    field.  The same rules for the console and the admin."""
    shortcut = clean_line(_text(shortcut)).lstrip("/")
    title = clean_line(_text(title))
    body = clean_text(_text(body))
    if not shortcut:
        raise ValidationError("میان‌بر پاسخ آماده را بنویسید (مثلاً «سلام»).", field="shortcut")
    if len(shortcut) > SHORTCUT_MAX:
        raise ValidationError(f"میان‌بر حداکثر {to_persian_digits(SHORTCUT_MAX)} نویسه است.", field="shortcut")
    if not _SHORTCUT_RE.match(shortcut):
        raise ValidationError("میان‌بر یک کلمه است: فقط حرف، رقم، خط تیره یا زیرخط، بی‌فاصله.", field="shortcut")
    if not title:
        raise ValidationError("عنوان پاسخ آماده را بنویسید.", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"عنوان حداکثر {to_persian_digits(TITLE_MAX)} نویسه است.", field="title")
    if not body:
        raise ValidationError("متن پاسخ آماده را بنویسید.", field="body")
    if len(body) > BODY_MAX:
        raise ValidationError(
            f"متن پاسخ آماده حداکثر {to_persian_digits(BODY_MAX)} نویسه است؛ این متن {to_persian_digits(len(body))} نویسه دارد.",
            field="body",
        )
    unknown = [p for p in _PLACEHOLDER_RE.findall(body) if p not in PLACEHOLDERS]
    if unknown or body.count("{") != body.count("}"):
        shown = unknown[0] if unknown else "{"
        raise ValidationError(
            f"جای‌نگهدار «{shown}» شناخته نیست؛ فقط {{نام}} (نام شهروند) و {{کد_پیگیری}} (کد پیگیری پرونده) به کار می‌روند.",
            field="body",
        )
    return shortcut, title, body


def managed_unit_ids(official):
    """The units whose saved replies ``official`` may change: every unit for an administrator,
    their own units for a supervisor, none for an official."""
    if official.role == Official.Role.OFFICIAL:
        return []
    return unit_ids_for_official(official)


def replies_for_official(official):
    """The official's own saved replies and those of their units, shortcut order."""
    units = unit_ids_for_official(official)
    return list(
        SavedReply.objects.select_related("unit").filter(Q(owner=official) | Q(unit_id__in=units)).order_by("shortcut", "id")
    )


def _access_for_change(official, reply_id):
    """The reply ``official`` may change; NotFound for missing and forbidden alike."""
    reply_id = parse_id(reply_id)
    reply = SavedReply.objects.select_for_update().filter(pk=reply_id).first() if reply_id else None
    if reply is None:
        raise NotFound("پاسخ آماده یافت نشد.")
    if reply.owner_id is not None and reply.owner_id != official.pk:
        raise NotFound("پاسخ آماده یافت نشد.")
    if reply.unit_id is not None and reply.unit_id not in managed_unit_ids(official):
        # a unit's reply is seen by its officials but changed by its supervisors only
        if reply.unit_id in unit_ids_for_official(official):
            raise ValidationError("پاسخ‌های آماده واحد را فقط سرپرست واحد یا مدیر سامانه تغییر می‌دهد.", code="forbidden")
        raise NotFound("پاسخ آماده یافت نشد.")
    return reply


def _announce(reply_unit_id, owner_id):
    frame = {"type": events.REPLIES_CHANGED}
    if reply_unit_id is not None:
        realtime.to_units([reply_unit_id], frame)
    else:
        realtime.to_official(owner_id, frame)


def saved_reply_save(*, official, shortcut, title, body, unit_id=None, reply_id=None):
    """Create (no ``reply_id``) or change a saved reply.  ``unit_id`` given: the unit's (the
    official must manage it), else the official's own.  Bad input changes nothing."""
    shortcut, title, body = validate_reply(shortcut=shortcut, title=title, body=body)
    if unit_id not in (None, ""):
        unit_id = parse_id(unit_id)
        if not unit_id or not Unit.objects.filter(pk=unit_id).exists() or unit_id not in unit_ids_for_official(official):
            raise NotFound("واحد یافت نشد.")
        if unit_id not in managed_unit_ids(official):
            raise ValidationError("پاسخ‌های آماده واحد را فقط سرپرست واحد یا مدیر سامانه تغییر می‌دهد.", code="forbidden")
    else:
        unit_id = None
    with transaction.atomic():
        if reply_id is not None:
            reply = _access_for_change(official, reply_id)
            unit_id, owner_id = reply.unit_id, reply.owner_id
        else:
            reply = SavedReply(unit_id=unit_id, owner=None if unit_id else official)
            owner_id = reply.owner_id
            same_owner = SavedReply.objects.filter(unit_id=unit_id) if unit_id else SavedReply.objects.filter(owner=official)
            if same_owner.count() >= PER_OWNER_MAX:
                raise ValidationError(f"بیش از {to_persian_digits(PER_OWNER_MAX)} پاسخ آماده نمی‌توان داشت.", field="shortcut")
        clash = SavedReply.objects.filter(shortcut=shortcut).exclude(pk=reply.pk)
        clash = clash.filter(unit_id=unit_id) if unit_id else clash.filter(owner_id=owner_id)
        if clash.exists():
            raise ValidationError(f"میان‌بر «/{shortcut}» پیش‌تر به کار رفته است.", field="shortcut")
        reply.shortcut, reply.title, reply.body = shortcut, title, body
        saved_reply_store(reply)
    return reply


def saved_reply_store(reply):
    """Write a validated reply with its search key (the console's save and the admin's); the
    consoles concerned hear ``replies.changed``."""
    with transaction.atomic():
        reply.search_key = search_key(f"{reply.shortcut} {reply.title} {reply.body}")
        reply.updated_at = clock.now()
        reply.save()
        _announce(reply.unit_id, reply.owner_id)


def saved_reply_delete(*, official, reply_id):
    with transaction.atomic():
        reply = _access_for_change(official, reply_id)
        unit_id, owner_id = reply.unit_id, reply.owner_id
        reply.delete()
        _announce(unit_id, owner_id)


def reply_wire(reply, official, managed):
    return {
        "id": reply.pk,
        "scope": "unit" if reply.unit_id else "personal",
        "unit": {"id": reply.unit_id, "name": reply.unit.name} if reply.unit_id else None,
        "shortcut": reply.shortcut,
        "title": reply.title,
        "body": reply.body,
        "key": reply.search_key,
        "editable": reply.owner_id == official.pk or reply.unit_id in managed,
    }


def replies_frame(official):
    """The answer to ``replies.list``: the replies and the units whose replies the official manages."""
    managed = managed_unit_ids(official)
    units = Unit.objects.filter(pk__in=managed).order_by("menu_order", "id")
    return {
        "type": events.REPLIES,
        "replies": [reply_wire(r, official, managed) for r in replies_for_official(official)],
        "units": [{"id": u.pk, "name": u.name} for u in units],
        "placeholders": list(PLACEHOLDERS),
        "limits": {"shortcut": SHORTCUT_MAX, "title": TITLE_MAX, "body": BODY_MAX},
    }
