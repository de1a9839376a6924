"""What an official has seen of a conversation, and the previews the console lists: the last
message of each chat with its Jalali time, and how many of the citizen's messages the official
has not seen (``ConversationSeen``, kept in the database so the counts survive a reload)."""

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from chatdesk.core import events, jalali, realtime
from chatdesk.core.errors import ValidationError

from . import wire
from .access import access_conversation_for_official
from .models import Conversation, ConversationSeen, Message

PREVIEW_CHARS = 80


def preview(message):
    """A message as one short line of the console's lists (None for no message)."""
    if message is None:
        return None
    body = " ".join(message.body.split())
    if message.kind == Message.Kind.FILE:
        body = "فایل: " + body
    if len(body) > PREVIEW_CHARS:
        body = body[: PREVIEW_CHARS - 1] + "…"
    return {"body": body, "sender": message.sender, "seq": message.seq, "ts": message.created_at.isoformat(),
            "ts_display": jalali.format_datetime(message.created_at)}


def last_messages(conversation_ids):
    """``{conversation id: its last text or file message}`` (events are not previews)."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    shown = Message.objects.exclude(kind=Message.Kind.EVENT)
    last = shown.filter(conversation_id=OuterRef("pk")).order_by("-seq").values("pk")[:1]
    message_ids = Conversation.objects.filter(pk__in=ids).annotate(last=Subquery(last)).values_list("last", flat=True)
    return {m.conversation_id: m for m in Message.objects.filter(pk__in=[i for i in message_ids if i])}


def unread_counts(official_id, conversation_ids):
    """``{conversation id: citizen messages after what the official has seen}`` (0 left out)."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    seen = ConversationSeen.objects.filter(official_id=official_id, conversation_id=OuterRef("conversation_id")).values("seq")[:1]
    rows = (
        Message.objects.filter(conversation_id__in=ids, sender=Conversation.Side.CITIZEN)
        .exclude(kind=Message.Kind.EVENT)
        .annotate(seen=Coalesce(Subquery(seen, output_field=IntegerField()), Value(0)))
        .filter(seq__gt=F("seen"))
        .values("conversation_id")
        .annotate(n=Count("pk"))
    )
    return {row["conversation_id"]: row["n"] for row in rows}


def seen_seq(official_id, conversation_id):
    return ConversationSeen.objects.filter(official_id=official_id, conversation_id=conversation_id).values_list("seq", flat=True).first() or 0


def list_extras(official_id, conversation_ids):
    """``{conversation id: {"preview": ..., "unread": n}}`` for the console's lists."""
    ids = list(conversation_ids)
    last = last_messages(ids)
    unread = unread_counts(official_id, ids)
    return {i: {"preview": preview(last.get(i)), "unread": unread.get(i, 0)} for i in ids}


def conversation_seen(*, official, conversation_id, seq):
    """The official has seen ``conversation_id`` up to ``seq`` (never goes back; capped at the
    conversation's last message).  Every console of the official hears it (``seen``)."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValidationError("شمارهٔ پیام نامعتبر است.", field="seq")
    with transaction.atomic():
        conversation = access_conversation_for_official(official, conversation_id)
        seq = min(seq, conversation.last_seq)
        row, created = ConversationSeen.objects.select_for_update().get_or_create(
            official=official, conversation=conversation, defaults={"seq": seq}
        )
        if not created and seq > row.seq:
            row.seq = seq
            row.save(update_fields=["seq"])
        unread = unread_counts(official.pk, [conversation.pk]).get(conversation.pk, 0)
        realtime.to_official(official.pk, {"type": events.SEEN, "conversation_id": conversation.pk, "seq": row.seq, "unread": unread})
    return row.seq


def queue_entry(conversation, official_id=None):
    """``wire.queue_item`` with its preview and unread count (for ``official_id``, or nobody's)."""
    return wire.queue_item(conversation, **list_extras(official_id, [conversation.pk])[conversation.pk])


def queue_entries(conversations, official_id):
    extras = list_extras(official_id, [c.pk for c in conversations])
    return [wire.queue_item(c, **extras[c.pk]) for c in conversations]


def announce_waiting_message(conversation_id, unit_id):
    """A citizen wrote in a waiting chat: its unit's consoles update the queue's preview."""
    extras = list_extras(None, [conversation_id])[conversation_id]
    realtime.to_units([unit_id], {"type": events.QUEUE_UPDATED, "conversation_id": conversation_id, **extras})
