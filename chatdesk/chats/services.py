"""Every write to conversations (design rule 1): validate, lock, write, then announce on commit."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import Conflict, NotFound, RateLimited, ValidationError
from chatdesk.core.persian import clean_line, clean_text, normalize_mobile
from chatdesk.core.tracking import new_token, token_digest
from chatdesk.directory.models import Official, Unit

from . import selectors, wire
from .access import access_conversation_for_official
from .models import Conversation, Message, Note

_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_\-:.]{1,64}$")


@dataclass
class Started:
    conversation: Conversation
    token: str


def _limits():
    return settings.CHAT


def _validate_client_id(client_id):
    if not isinstance(client_id, str) or not _CLIENT_ID_RE.match(client_id):
        raise ValidationError("شناسه پیام نامعتبر است.", code="invalid_client_id", field="client_id")
    return client_id


def _validate_body(body):
    if not isinstance(body, str):
        raise ValidationError("متن پیام نامعتبر است.", code="invalid_body", field="body")
    body = clean_text(body)
    if not body:
        raise ValidationError("پیام خالی است.", code="empty", field="body")
    limit = _limits()["MAX_MESSAGE_CHARS"]
    if len(body) > limit:
        raise ValidationError(f"پیام طولانی‌تر از {limit} نویسه است.", code="too_long", field="body")
    return body


def _validate_citizen(name, mobile, email):
    name = clean_line(name if isinstance(name, str) else "")
    if len(name) < 2:
        raise ValidationError("لطفاً نام خود را (دست‌کم دو حرف) بنویسید.", code="invalid_name", field="name")
    if len(name) > 80:
        raise ValidationError("نام طولانی‌تر از ۸۰ نویسه است.", code="invalid_name", field="name")
    mobile = (mobile or "").strip() if isinstance(mobile, str) else ""
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValueError:
            raise ValidationError(
                "شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.", code="invalid_mobile", field="mobile"
            ) from None
    email = (email or "").strip() if isinstance(email, str) else ""
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError("نشانی ایمیل معتبر نیست.", code="invalid_email", field="email") from None
        if len(email) > 254:
            raise ValidationError("نشانی ایمیل معتبر نیست.", code="invalid_email", field="email")
    return name, mobile, email


def _add_message(conversation, *, sender, body, official=None, kind=Message.Kind.TEXT, client_id="", data=None, now=None):
    """Append to a locked conversation's stream with the next sequence number."""
    now = now or clock.now()
    conversation.last_seq += 1
    conversation.last_activity_at = now
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=sender,
        official=official,
        kind=kind,
        body=body,
        client_id=client_id,
        data=data or {},
        created_at=now,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=conversation.last_seq, last_activity_at=now)
    frame = wire.message_frame(message)
    realtime.to_citizen(conversation.pk, frame)
    realtime.to_staff_of_conversation(conversation.pk, frame)
    return message


def _add_event(conversation, event, body, **data):
    return _add_message(
        conversation, sender=Conversation.Side.SYSTEM, kind=Message.Kind.EVENT, body=body, data={"event": event, **data}
    )


def _announce_state(conversation):
    realtime.to_citizen(conversation.pk, {"type": events.CONVERSATION, "conversation": wire.conversation_for_citizen(conversation)})
    realtime.to_staff_of_conversation(
        conversation.pk, {"type": events.CONVERSATION, "conversation": wire.conversation_for_staff(conversation)}
    )


def _lock(conversation_id):
    conversation = Conversation.objects.select_for_update().select_related("unit", "official").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


# --- citizen --------------------------------------------------------------------------------
def conversation_start(*, unit_id, name, mobile="", email="", ip_address=None):
    """Open a conversation with a unit for a citizen; returns the conversation and its token."""
    name, mobile, email = _validate_citizen(name, mobile, email)
    try:
        unit = Unit.objects.get(pk=int(unit_id), is_active=True, chat_enabled=True)
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise ValidationError("واحد انتخاب‌شده معتبر نیست.", code="invalid_unit", field="unit") from None
    now = clock.now()
    if ip_address:
        limit = _limits()["CHATS_PER_HOUR_PER_ADDRESS"]
        if selectors.conversations_from_address_since(ip_address, now - dt.timedelta(hours=1)) >= limit:
            raise RateLimited("از این نشانی در یک ساعت گذشته گفتگوهای زیادی آغاز شده است؛ لطفاً بعداً تلاش کنید.", retry_after=3600)
    token = new_token()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            unit=unit,
            token_digest=token_digest(token),
            citizen_name=name,
            citizen_mobile=mobile,
            citizen_email=email,
            created_at=now,
            last_activity_at=now,
            ip_address=ip_address,
        )
        realtime.to_units([unit.pk], {"type": events.QUEUE_ADDED, "conversation": wire.queue_item(conversation)})
    return Started(conversation=conversation, token=token)


def message_send(*, conversation_id, sender, client_id, body, official=None):
    """Append a text message.  Idempotent on ``client_id``: a resend returns the stored message.

    Returns ``(message, created)``.
    """
    client_id = _validate_client_id(client_id)
    with transaction.atomic():
        if sender == Conversation.Side.OFFICIAL:
            conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        else:
            conversation = _lock(conversation_id)
        existing = Message.objects.select_related("official").filter(
            conversation=conversation, sender=sender, client_id=client_id
        ).first()
        if existing is not None:
            return existing, False
        body = _validate_body(body)
        if conversation.status == Conversation.Status.CLOSED:
            raise Conflict("این گفتگو پایان یافته است.", code="conversation_closed")
        now = clock.now()
        if sender == Conversation.Side.CITIZEN:
            per_minute = _limits()["MESSAGES_PER_MINUTE"]
            if selectors.citizen_messages_since(conversation.pk, now - dt.timedelta(minutes=1)) >= per_minute:
                raise RateLimited("پیام‌ها بیش از حد سریع فرستاده می‌شوند؛ لطفاً چند لحظه صبر کنید.", retry_after=60)
        else:
            if conversation.official_id != official.pk:
                raise Conflict("این گفتگو به شما واگذار نشده است.", code="not_assigned")
            if conversation.first_response_at is None:
                conversation.first_response_at = now
                Conversation.objects.filter(pk=conversation.pk).update(first_response_at=now)
        message = _add_message(conversation, sender=sender, body=body, official=official, client_id=client_id, now=now)
    return message, True


def conversation_end_by_citizen(*, conversation_id):
    with transaction.atomic():
        conversation = _lock(conversation_id)
        _close(conversation, by=Conversation.Side.CITIZEN, body="شهروند گفتگو را به پایان رساند.")
    return conversation


# --- official -------------------------------------------------------------------------------
def conversation_take(*, conversation_id, official):
    """Assign a waiting conversation to ``official``.  Of two officials taking the same chat at
    once, exactly one gets it; the other receives Conflict(code="already_taken")."""
    with transaction.atomic():
        Official.objects.select_for_update().filter(pk=official.pk).first()  # serialise one official's takes
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        if conversation.status != Conversation.Status.WAITING:
            raise Conflict("این گفتگو را کارشناس دیگری برداشته است.", code="already_taken")
        official.refresh_from_db(fields=["status", "max_chats"])
        if official.status != Official.Status.AVAILABLE:
            raise Conflict("برای برداشتن گفتگو ابتدا وضعیت خود را «آماده پاسخ‌گویی» کنید.", code="not_on_duty")
        if selectors.active_count_for_official(official.pk) >= official.max_chats:
            raise Conflict("به حداکثر گفتگوهای هم‌زمان خود رسیده‌اید.", code="full")
        now = clock.now()
        conversation.status = Conversation.Status.ACTIVE
        conversation.official = official
        conversation.taken_at = now
        conversation.save(update_fields=["status", "official", "taken_at"])
        _add_event(conversation, "joined", f"{official.display_name} به گفتگو پیوست.", official_name=official.display_name)
        realtime.join_official_to_conversation(official.pk, conversation.pk)
        realtime.to_units([conversation.unit_id], {"type": events.QUEUE_REMOVED, "conversation_id": conversation.pk, "reason": "taken"})
        realtime.to_official(official.pk, {"type": events.ASSIGNED, "conversation": wire.conversation_for_staff(conversation)})
        _announce_state(conversation)
    return conversation


def conversation_close_by_official(*, conversation_id, official):
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        if conversation.status == Conversation.Status.ACTIVE and conversation.official_id != official.pk and official.role == Official.Role.OFFICIAL:
            raise Conflict("این گفتگو به شما واگذار نشده است.", code="not_assigned")
        _close(conversation, by=Conversation.Side.OFFICIAL, body=f"{official.display_name} گفتگو را به پایان رساند.")
    return conversation


def note_add(*, conversation_id, official, client_id, body):
    """An internal note: staff see it, the citizen never does."""
    client_id = _validate_client_id(client_id)
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        existing = Note.objects.filter(conversation=conversation, official=official, client_id=client_id).first()
        if existing:
            return existing, False
        note = Note.objects.create(
            conversation=conversation, official=official, body=_validate_body(body), client_id=client_id, created_at=clock.now()
        )
        realtime.to_staff_of_conversation(conversation.pk, {"type": "note", "note": wire.note(note)})
    return note, True


def _close(conversation, *, by, body):
    if conversation.status == Conversation.Status.CLOSED:
        return
    was_waiting = conversation.status == Conversation.Status.WAITING
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = clock.now()
    conversation.closed_by = by
    conversation.save(update_fields=["status", "closed_at", "closed_by"])
    _add_event(conversation, "closed", body, by=by)
    if was_waiting:
        realtime.to_units([conversation.unit_id], {"type": events.QUEUE_REMOVED, "conversation_id": conversation.pk, "reason": "closed"})
    _announce_state(conversation)
