"""Who may see a conversation.  "Does not exist" and "not yours" give the same NotFound."""

from chatdesk.core.errors import NotFound
from chatdesk.directory.models import Official
from chatdesk.directory.selectors import unit_ids_for_official

from . import selectors
from .models import Conversation


def access_conversation_for_official(official, conversation_id, *, for_update=False):
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if official is None or not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        raise NotFound()  # a deactivated official's open console gets nothing, at once
    qs = Conversation.objects.select_related("unit", "official")
    if for_update:
        qs = selectors.for_update(qs)
    conversation = qs.filter(pk=conversation_id).first()
    if conversation is None or conversation.unit_id not in unit_ids_for_official(official):
        raise NotFound()
    return conversation


def access_conversation_for_token(token):
    conversation = selectors.conversation_by_token(token)
    if conversation is None:
        raise NotFound("نشانی گفتگو معتبر نیست.", code="invalid_token")
    return conversation

