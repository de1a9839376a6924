"""Who may see a conversation.  "Does not exist" and "not yours" give the same NotFound."""

from django.conf import settings
from django.contrib.auth import get_user_model

from chatdesk.core import ratelimit
from chatdesk.core.errors import NotFound, RateLimited
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import to_persian_digits
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import unit_ids_for_official

from . import selectors
from .models import Conversation


def access_conversation_for_official(official, conversation_id, *, for_update=False):
    conversation_id = parse_id(conversation_id)  # JSON true is not conversation 1, nor 1.9
    if not conversation_id:
        raise NotFound()
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
    locks the row (chats/stream.py ``lock_for_write``; tests/chats/test_write_lock.py holds
    the two forms to the same answers)."""
    if official is None:
        return "1 = 0", []
    active, unit, member = _write_rule_sql(conversation_alias, "%s")
    if official.sees_all_units:
        return f"{active} AND {unit}", [official.pk]
    return f"{active} AND {unit} AND {member}", [official.pk, official.pk]


def officials_may_write_sql(conversation_alias, official_column, all_units_column):
    """``official_may_write_sql`` for many requests in one statement (a batch's locks,
    chats/stream.py ``lock_together``): the official's id and ``sees_all_units`` are columns of
    the request's row, not values (an official id NULL: no official, no access)."""
    active, unit, member = _write_rule_sql(conversation_alias, official_column, fence=" OFFSET 0")
    return f"{official_column} IS NOT NULL AND {active} AND {unit} AND ({all_units_column} OR {member})"


def _write_rule_sql(conversation_alias, official, fence=""):
    """The rule's three conditions, ``official`` an SQL expression for the official's id: the
    official's user is active; the conversation's unit is active; the official belongs to it.

    Each is a lookup by key.  ``fence`` (``" OFFSET 0"``, PostgreSQL) keeps it one where the
    rule is checked for many rows: without it PostgreSQL may plan an ``EXISTS`` as a "hashed
    SubPlan", reading every official, user, unit and membership into a hash for each
    statement, which it chose for a batch's locks (``officials_may_write_sql``): 0.4 ms of a
    0.6 ms statement with 400 officials (#22, docs/performance.md)."""
    user = get_user_model()._meta
    through = Official.units.through._meta
    active = (
        f'EXISTS (SELECT 1 FROM "{Official._meta.db_table}" o JOIN "{user.db_table}" u ON u."{user.pk.column}" = o."user_id"'
        f' WHERE o."id" = {official} AND u."is_active"{fence})'
    )
    unit = f'EXISTS (SELECT 1 FROM "{Unit._meta.db_table}" un WHERE un."id" = {conversation_alias}."unit_id" AND un."is_active"{fence})'
    member = (
        f'EXISTS (SELECT 1 FROM "{through.db_table}" ou WHERE ou."{through.get_field("official").column}" = {official}'
        f' AND ou."{through.get_field("unit").column}" = {conversation_alias}."unit_id"{fence})'
    )
    return active, unit, member


TOKEN_SCOPE = "chat-token"
TOKEN_LOCKED_MESSAGE = (
    "از این نشانی چند بار پیاپی نشانی گفتگوی نادرست فرستاده شده است؛ لطفاً {minutes} دقیقهٔ دیگر دوباره تلاش کنید."
)


def access_conversation_for_token(token, *, address):
    """The conversation a citizen's chat token opens (NotFound ``invalid_token`` otherwise).

    ``address`` is the client's (``core.auth.client_address``, a socket's peer): wrong tokens
    from one address are counted, and ``TOKEN_FAILURES_PER_ADDRESS`` of them within the window
    lock it out for ``TOKEN_LOCK_SECONDS`` (RateLimited, right tokens too), as failed sign-ins
    do.  None only where no client asks (a command, a test of something else)."""
    limits = settings.CHAT
    remaining = ratelimit.locked_for(TOKEN_SCOPE, address)
    if remaining:
        minutes = to_persian_digits(max(1, -(-remaining // 60)))
        raise RateLimited(TOKEN_LOCKED_MESSAGE.format(minutes=minutes), retry_after=remaining)
    conversation = selectors.conversation_by_token(token)
    if conversation is None:
        ratelimit.count_failure(
            TOKEN_SCOPE, address, limit=limits["TOKEN_FAILURES_PER_ADDRESS"],
            window=limits["TOKEN_FAILURE_WINDOW_SECONDS"], lock_seconds=limits["TOKEN_LOCK_SECONDS"],
        )
        raise NotFound("نشانی گفتگو معتبر نیست.", code="invalid_token")
    return conversation

