"""Every write to conversations (design rule 1): validate, lock, write, then announce on commit.
The message stream's own rules (and ``message_send``) are in stream.py."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import Conflict, NotFound, RateLimited, ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import clean_line, clean_text, normalize_mobile
from chatdesk.core.tracking import format_tracking_code, new_token, token_digest
from chatdesk.directory.models import Official, Unit

from . import greeting, hooks, seen, selectors, wire
from .access import access_conversation_for_official
from .models import Conversation, Message, Note
from .stream import (
    add_message,
    chat_limits,
    message_send,  # noqa: F401  (services the consumers and Bale call, with the others here)
    message_send_together,  # noqa: F401
    validate_body,
    validate_client_id,
)


@dataclass
class Started:
    conversation: Conversation
    token: str
    ticket_code: str = ""  # set when the message became a ticket at once (unit closed)


def validate_citizen(name, mobile, email):
    """A citizen's name, mobile and email as typed in a form: cleaned and checked (a mobile
    normalised to 09xxxxxxxxx), returned as ``(name, mobile, email)``; a bad one raises
    ValidationError naming its field.  Shared by the chat start and tickets.services.ticket_open."""
    name = clean_line(name if isinstance(name, str) else "")
    if len(name) < 2:
        raise ValidationError("لطفاً نام خود را (دست‌کم دو حرف) بنویسید.", code="invalid_name", field="name")
    if len(name) > 80:
        raise ValidationError("نام طولانی‌تر از ۸۰ نویسه است.", code="invalid_name", field="name")
    if mobile is not None and not isinstance(mobile, str):
        raise ValidationError("شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.", code="invalid_mobile", field="mobile")
    if email is not None and not isinstance(email, str):
        raise ValidationError("نشانی ایمیل معتبر نیست.", code="invalid_email", field="email")
    mobile = (mobile or "").strip()
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValueError:
            raise ValidationError(
                "شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.", code="invalid_mobile", field="mobile"
            ) from None
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError("نشانی ایمیل معتبر نیست.", code="invalid_email", field="email") from None
        if len(email) > 254:
            raise ValidationError("نشانی ایمیل معتبر نیست.", code="invalid_email", field="email")
    return name, mobile, email


def _add_event(conversation, event, body, **data):
    return add_message(
        conversation, sender=Conversation.Side.SYSTEM, kind=Message.Kind.EVENT, body=body, data={"event": event, **data}
    )


def _announce_state(conversation):
    realtime.to_citizen(conversation.pk, {"type": events.CONVERSATION, "conversation": wire.conversation_for_citizen(conversation)})
    realtime.to_staff_of_conversation(
        conversation.pk, {"type": events.CONVERSATION, "conversation": wire.conversation_for_staff(conversation)}
    )


def _lock(conversation_id):
    conversation = selectors.for_update(Conversation.objects.select_related("unit", "official")).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    return conversation


# --- citizen --------------------------------------------------------------------------------
def conversation_start(*, unit_id, name, mobile="", email="", ip_address=None, message=None, channel=Conversation.Channel.WEB, case=None):
    """Open a conversation with a unit for a citizen; returns the conversation and its token.

    ``message`` (optional; blank counts as none) is stored as the citizen's first message in the
    same transaction.  When the unit is closed or nobody is on duty it is the citizen's "leave a
    message": the conversation is marked ``started_offline``, needs a way to answer (a mobile or
    email) and becomes a ticket at once.  When someone can answer, it opens the live chat, so
    nothing the citizen typed in the widget's form is lost whichever way availability went.

    ``channel``: the adapter that starts the chat says which way the citizen came in ("web", the
    widget; "bale", chatdesk/bale); the console shows it.
    """
    if channel not in Conversation.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    name, mobile, email = validate_citizen(name, mobile, email)
    if isinstance(message, str) and not clean_text(message):
        # The widget's message box is optional for a live chat: an empty one is no message.  (It
        # used to be refused as «پیام خالی است» when the widget still showed the leave-a-message
        # form after someone had come on duty.)
        message = None
    if message is not None:
        message = validate_body(message, field="message")
    unit = Unit.objects.filter(pk=parse_id(unit_id), is_active=True, chat_enabled=True, show_in_menu=True).first()
    if unit is None:
        raise ValidationError("واحد انتخاب‌شده معتبر نیست.", code="invalid_unit", field="unit")
    now = clock.now()
    offline = not selectors.chat_availability(unit, now)["available"]
    if offline and message is not None and not (mobile or email):
        raise ValidationError("برای پیگیری پیام، شماره همراه یا ایمیل خود را وارد کنید.", code="contact_required", field="mobile")
    if ip_address:
        limit = chat_limits()["CHATS_PER_HOUR_PER_ADDRESS"]
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
            started_offline=offline,
            channel=channel,
            escalate_at=now + dt.timedelta(seconds=unit.escalate_after_seconds),
        )
        if message is not None:
            add_message(conversation, sender=Conversation.Side.CITIZEN, body=message, client_id="first", now=now)
        if offline and message is not None:
            # Nobody can answer now: the message becomes a ticket at once, and the citizen
            # leaves with its tracking code.
            ticket = hooks.conversation_escalate.one(conversation_id=conversation.pk, reason="offline", now=now)
            return Started(conversation=conversation, token=token, ticket_code=ticket.code)
        if case and not offline:
            hooks.chat_for_case(conversation=conversation, case=case, now=now)
        greeting.greet(conversation, unit, now)  # the unit's automatic first message, and when its waiting one is due
        realtime.to_units([unit.pk], {"type": events.QUEUE_ADDED, "conversation": seen.queue_entry(conversation)})
        _announce_queue(unit.pk)
    route_waiting(unit_id=unit.pk)
    return Started(conversation=conversation, token=token)


def conversation_end_by_citizen(*, conversation_id):
    """The citizen leaves.  If they wrote and left a way to answer but nobody has answered yet,
    their question is not dropped: it becomes a ticket (they see its tracking code)."""
    with transaction.atomic():
        conversation = _lock(conversation_id)
        unanswered = (
            conversation.status != Conversation.Status.CLOSED
            and conversation.first_response_at is None
            and (conversation.citizen_mobile or conversation.citizen_email)
            and selectors.citizen_wrote(conversation.pk)
        )
        if unanswered:
            hooks.conversation_escalate.one(conversation_id=conversation.pk, reason="ended")
            conversation.refresh_from_db()
            return conversation
        _close(conversation, by=Conversation.Side.CITIZEN, body="شهروند گفتگو را به پایان رساند.")
    return conversation


def close_as_ticket(conversation, *, ticket_code, official=None):
    """Close a locked conversation that has just become a ticket; the citizen's stream gets the
    tracking code (tickets.escalation.conversation_escalate calls this in its transaction)."""
    shown = format_tracking_code(ticket_code, persian=True)
    body = (
        f"پیام شما با کد پیگیری {shown} ثبت شد. پاسخ را در بخش «پیگیری» این سامانه"
        + (" و در ایمیل خود" if conversation.citizen_email else "")
        + " خواهید دید."
    )
    _close(
        conversation, by=Conversation.Side.SYSTEM, body=body, event="escalated",
        data={"tracking_code": ticket_code, "display_code": format_tracking_code(ticket_code)},
    )
    if official is not None:
        realtime.leave_official_from_conversation(official.pk, conversation.pk)


# --- official -------------------------------------------------------------------------------
def conversation_take(*, conversation_id, official):
    """Assign a waiting conversation to ``official``.  Of two officials taking the same chat at
    once, exactly one gets it; the other receives Conflict(code="already_taken")."""
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        if conversation.status != Conversation.Status.WAITING:
            raise Conflict("این گفتگو را کارشناس دیگری برداشته است.", code="already_taken")
        _assign(conversation, official)
        _leave_queue(conversation, conversation.unit_id, "taken")
    return conversation


def _lock_official_with_room(official):
    """Lock an official's row (serialising their assignments) and check they can take a chat."""
    official = Official.objects.select_for_update().select_related("user").get(pk=official.pk)
    if not official.user.is_active or official.status != Official.Status.AVAILABLE:
        raise Conflict("کارشناس در کشیک نیست؛ وضعیت باید «آماده پاسخ‌گویی» باشد.", code="not_on_duty")
    if selectors.active_count_for_official(official.pk) >= official.max_chats:
        raise Conflict("کارشناس به حداکثر گفتگوهای هم‌زمان رسیده است.", code="full")
    return official


def _assign(conversation, official, *, event="joined", body=None):
    """Give a locked, waiting conversation to an official who has room (checked here)."""
    official = _lock_official_with_room(official)
    conversation.status = Conversation.Status.ACTIVE
    conversation.official = official
    conversation.taken_at = conversation.taken_at or clock.now()
    conversation.save(update_fields=["status", "official", "taken_at", "unit"])
    _add_event(conversation, event, body or f"{official.display_name} به گفتگو پیوست.", official_name=official.display_name)
    realtime.join_official_to_conversation(official.pk, conversation.pk)
    realtime.to_official(official.pk, {"type": events.ASSIGNED, "conversation": wire.conversation_for_staff(conversation)})
    _announce_state(conversation)
    return official


def _leave_queue(conversation, unit_id, reason):
    realtime.to_units([unit_id], {"type": events.QUEUE_REMOVED, "conversation_id": conversation.pk, "reason": reason})
    _announce_queue(unit_id)


def _announce_queue(unit_id, now=None):
    """Tell every waiting citizen of a unit their place in the queue and the estimated wait."""
    for item in selectors.queue_snapshot(unit_id, now=now):
        realtime.to_citizen(item["conversation_id"], wire.queue_frame(item))


def route_waiting(*, unit_id):
    """Automatic assignment: give the unit's waiting chats, oldest first, to the least-loaded
    available official with room.  Manual units are left alone.  Returns how many were assigned."""
    unit = Unit.objects.filter(pk=unit_id, routing=Unit.Routing.AUTO, is_active=True).first()
    if unit is None:
        return 0
    assigned = 0
    for conversation_id in [c.pk for c in selectors.waiting_in_units([unit.pk])]:
        for _attempt in range(3):  # the chosen official may fill up or leave meanwhile: choose again
            official = selectors.least_loaded_official(unit.pk)
            if official is None:
                return assigned  # oldest first: nobody has room, so no younger chat jumps ahead
            try:
                with transaction.atomic():
                    conversation = _lock(conversation_id)
                    if conversation.status != Conversation.Status.WAITING or conversation.unit_id != unit.pk:
                        break
                    _assign(conversation, official)
                    _leave_queue(conversation, unit.pk, "taken")
                    assigned += 1
                    break
            except Conflict:
                continue
        else:
            return assigned  # this chat could not be placed: keep the order, try on the next tick
    return assigned


QUEUE_REFRESH_SECONDS = 30
_queue_refreshed_at = None  # per process: the refresh is a courtesy, a second worker only repeats it


def queue_refresh_sweep(*, now=None):
    """Worker job: every QUEUE_REFRESH_SECONDS, tell each waiting citizen their estimate again,
    so it follows the time they have waited (selectors.remaining_wait) even when the queue does
    not move.  Returns how many units were refreshed."""
    global _queue_refreshed_at
    now = now or clock.now()
    if _queue_refreshed_at is not None and dt.timedelta(0) <= now - _queue_refreshed_at < dt.timedelta(seconds=QUEUE_REFRESH_SECONDS):
        return 0
    _queue_refreshed_at = now
    units = selectors.units_with_waiting()
    for unit_id in units:
        _announce_queue(unit_id, now=now)
    return len(units)


def routing_sweep(*, now=None):
    """Worker job: route every automatic unit (covers officials coming on duty or freeing up)."""
    units = Unit.objects.filter(routing=Unit.Routing.AUTO, is_active=True).values_list("pk", flat=True)
    return sum(route_waiting(unit_id=unit_id) for unit_id in units)


def conversation_transfer(*, conversation_id, official, note, to_official_id=None, to_unit_id=None):
    """Hand a conversation to another official and/or unit, with an internal note.

    The citizen is told where the chat went, never the note; the history goes with the chat.
    A transfer to an official needs them on duty with room; to a unit, the chat waits in that
    unit's queue (and is routed there if the unit assigns automatically).
    """
    if not isinstance(note, str) or not clean_text(note):
        raise ValidationError("علت انتقال را در یادداشت داخلی بنویسید.", code="note_required", field="note")
    note = validate_body(note, field="note")
    if not to_official_id and not to_unit_id:
        raise ValidationError("مقصد انتقال را انتخاب کنید.", code="invalid_target")
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        if conversation.status == Conversation.Status.CLOSED:
            raise Conflict("این گفتگو پایان یافته است.", code="conversation_closed")
        if official.role == Official.Role.OFFICIAL and conversation.official_id != official.pk:
            raise Conflict("فقط کارشناس همین گفتگو یا سرپرست می‌تواند آن را منتقل کند.", code="not_assigned")
        target_unit = conversation.unit
        if to_unit_id:
            try:
                target_unit = Unit.objects.get(pk=parse_id(to_unit_id), is_active=True, chat_enabled=True)
            except Unit.DoesNotExist:
                raise ValidationError("واحد مقصد معتبر نیست.", code="invalid_unit", field="to_unit_id") from None
        target = None
        if to_official_id:
            try:
                target = Official.objects.get(pk=parse_id(to_official_id), units=target_unit, user__is_active=True)
            except Official.DoesNotExist:
                raise ValidationError("کارشناس مقصد عضو این واحد نیست.", code="invalid_official", field="to_official_id") from None
            if target.pk == conversation.official_id:
                raise ValidationError("گفتگو هم‌اکنون با همین کارشناس است.", code="invalid_official", field="to_official_id")
        previous_official_id = conversation.official_id
        previous_unit_id = conversation.unit_id
        was_waiting = conversation.status == Conversation.Status.WAITING
        note_row = Note.objects.create(conversation=conversation, official=official, body=f"انتقال: {note}", created_at=clock.now())
        conversation.unit = target_unit
        if target is not None:
            _assign(conversation, target, event="transferred", body=f"گفتگوی شما به {target.display_name} ({target_unit.name}) منتقل شد.")
            if was_waiting:
                _leave_queue(conversation, previous_unit_id, "transferred")
        else:
            conversation.status = Conversation.Status.WAITING
            conversation.official = None
            conversation.save(update_fields=["unit", "status", "official"])
            _add_event(conversation, "transferred", f"گفتگوی شما به {target_unit.name} منتقل شد؛ لطفاً منتظر کارشناس آن واحد بمانید.")
            if was_waiting and previous_unit_id != target_unit.pk:
                _leave_queue(conversation, previous_unit_id, "transferred")
            realtime.to_units([target_unit.pk], {"type": events.QUEUE_ADDED, "conversation": seen.queue_entry(conversation)})
            _announce_queue(target_unit.pk)
            _announce_state(conversation)
        realtime.to_staff_of_conversation(conversation.pk, {"type": events.NOTE, "note": wire.note(note_row)})
        if previous_official_id and previous_official_id != conversation.official_id:
            realtime.to_official(previous_official_id, {"type": events.CONVERSATION, "conversation": wire.conversation_for_staff(conversation)})
            realtime.leave_official_from_conversation(previous_official_id, conversation.pk)
        for unit_id in {target_unit.pk, previous_unit_id}:  # the freed official may take the next chat
            transaction.on_commit(lambda unit_id=unit_id: route_waiting(unit_id=unit_id))
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
    client_id = validate_client_id(client_id)
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id, for_update=True)
        # The answer to a resend is built from the row on the event loop (wire.note reads its
        # author): fetch the author with it, or the console's answer raised there.
        existing = Note.objects.select_related("official").filter(conversation=conversation, official=official, client_id=client_id).first()
        if existing:
            return existing, False
        note = Note.objects.create(
            conversation=conversation, official=official, body=validate_body(body), client_id=client_id, created_at=clock.now()
        )
        realtime.to_staff_of_conversation(conversation.pk, {"type": events.NOTE, "note": wire.note(note)})
    return note, True


def _close(conversation, *, by, body, event="closed", data=None):
    if conversation.status == Conversation.Status.CLOSED:
        return
    was_waiting = conversation.status == Conversation.Status.WAITING
    conversation.status = Conversation.Status.CLOSED
    conversation.closed_at = clock.now()
    conversation.closed_by = by
    conversation.escalate_at = None
    conversation.save(update_fields=["status", "closed_at", "closed_by", "escalate_at"])
    _add_event(conversation, event, body, by=by, **(data or {}))
    if was_waiting:
        _leave_queue(conversation, conversation.unit_id, "closed")
    _announce_state(conversation)
    # a freed official may receive the next waiting chat of an automatic unit
    unit_id = conversation.unit_id
    transaction.on_commit(lambda: route_waiting(unit_id=unit_id))
