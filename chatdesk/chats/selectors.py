from chatdesk.core.tracking import token_digest

from .models import Conversation, Message, Note

HISTORY_PAGE = 500


def conversation_by_token(token):
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return Conversation.objects.select_related("unit", "official").filter(token_digest=token_digest(token)).first()


def messages_after(conversation_id, after_seq, limit=HISTORY_PAGE):
    """Messages with ``seq > after_seq``, oldest first, at most ``limit``."""
    return list(
        Message.objects.select_related("official").filter(conversation_id=conversation_id, seq__gt=after_seq).order_by("seq")[:limit]
    )


def last_messages(conversation_id, count):
    rows = list(Message.objects.select_related("official").filter(conversation_id=conversation_id).order_by("-seq")[:count])
    rows.reverse()
    return rows


def notes_of(conversation_id):
    return list(Note.objects.select_related("official").filter(conversation_id=conversation_id))


def waiting_in_units(unit_ids):
    return list(
        Conversation.objects.select_related("unit")
        .filter(unit_id__in=unit_ids, status=Conversation.Status.WAITING)
        .order_by("created_at", "id")
    )


def active_for_official(official_id):
    return list(
        Conversation.objects.select_related("unit", "official")
        .filter(official_id=official_id, status=Conversation.Status.ACTIVE)
        .order_by("taken_at", "id")
    )


def active_count_for_official(official_id):
    return Conversation.objects.filter(official_id=official_id, status=Conversation.Status.ACTIVE).count()


def citizen_messages_since(conversation_id, since):
    return Message.objects.filter(conversation_id=conversation_id, sender=Conversation.Side.CITIZEN, created_at__gte=since).count()


def conversations_from_address_since(ip_address, since):
    return Conversation.objects.filter(ip_address=ip_address, created_at__gte=since).count()
