"""«دیده شد» (#21): how far each side has read a conversation's stream.

A client sends ``{"type": "read", "seq": N}`` (the console adds ``conversation_id``) when the
messages up to ``seq`` are on screen.  The mark only grows (an older ``read`` changes nothing and
is not announced); a ``seq`` beyond the conversation's last is refused with ``read_ahead`` and
changes nothing.  The marks are columns of the conversation, so the ``welcome`` (conversation
shape, ``read``) carries them after any reconnect; a change is announced to both sides as a
``read`` frame (docs/protocol.md)."""

from django.db import transaction

from chatdesk.core import events, realtime
from chatdesk.core.errors import Conflict, NotFound, ValidationError

from .access import access_conversation_for_official
from .models import Conversation

COLUMNS = {Conversation.Side.CITIZEN: "citizen_read_seq", Conversation.Side.OFFICIAL: "official_read_seq"}


class ReadAhead(ValidationError):
    code = "read_ahead"

    def __init__(self, last_seq):
        super().__init__("شمارهٔ پیام خوانده‌شده از آخرین پیام گفتگو بیشتر است.", code="read_ahead", field="seq")
        self.last_seq = last_seq

    def as_dict(self):
        return {**super().as_dict(), "last_seq": self.last_seq}


def read_frame(conversation_id, side, seq):
    return {"type": events.READ, "conversation_id": conversation_id, "side": side, "seq": seq}


def mark_read(*, conversation_id, side, seq, official=None):
    """Record that ``side`` has read up to ``seq``; returns True when the mark moved (and was
    announced), False when it was already there or further.  An official's read counts only in a
    chat they hold: one of their units' chats held by someone else is ``not_assigned``, any other
    ``not_found`` (access_conversation_for_official)."""
    column = COLUMNS[side]
    if official is not None:
        conversation = access_conversation_for_official(official, conversation_id)
        if conversation.official_id != official.pk:
            raise Conflict("این گفتگو به شما واگذار نشده است.", code="not_assigned")
    with transaction.atomic():
        last_seq = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True).first()
        if last_seq is None:
            raise NotFound()
        if seq > last_seq:
            raise ReadAhead(last_seq)
        moved = Conversation.objects.filter(pk=conversation_id, **{f"{column}__lt": seq}).update(**{column: seq})
        if moved:
            realtime.to_conversation(conversation_id, read_frame(conversation_id, side, seq))
    return bool(moved)
