"""Who may see a conversation.  "Does not exist" and "not yours" give the same NotFound."""

from django.contrib.auth import get_user_model

from chatdesk.core.errors import NotFound
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import unit_ids_for_official

from . import selectors
from .models import Conversation


def access_conversation_for_official(official, conversation_id, *, for_update=False):
    if isinstance(conversation_id, (bool, float)):  # JSON true is not conversation 1
        raise NotFound()
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


def official_may_write_sql(official, conversation_alias):
    """The same rule as ``access_conversation_for_official``, as an SQL condition on a
    conversation row (``(sql, params)``), so the write path checks it in the statement that
    locks the row (chats/stream.py ``_lock_for_write``; tests/chats/test_write_lock.py holds
    the two forms to the same answers)."""
    if official is None:
        return "1 = 0", []
    user = get_user_model()._meta
    through = Official.units.through._meta
    active = (
        f'EXISTS (SELECT 1 FROM "{Official._meta.db_table}" o JOIN "{user.db_table}" u ON u."{user.pk.column}" = o."user_id"'
        f' WHERE o."id" = %s AND u."is_active")'
    )
    unit = f'EXISTS (SELECT 1 FROM "{Unit._meta.db_table}" un WHERE un."id" = {conversation_alias}."unit_id" AND un."is_active")'
    if official.sees_all_units:
        return f"{active} AND {unit}", [official.pk]
    member = (
        f'EXISTS (SELECT 1 FROM "{through.db_table}" ou WHERE ou."{through.get_field("official").column}" = %s'
        f' AND ou."{through.get_field("unit").column}" = {conversation_alias}."unit_id")'
    )
    return f"{active} AND {unit} AND {member}", [official.pk, official.pk]


def access_conversation_for_token(token):
    conversation = selectors.conversation_by_token(token)
    if conversation is None:
        raise NotFound("نشانی گفتگو معتبر نیست.", code="invalid_token")
    return conversation

