"""The write path's one locking statement (chats/stream.py ``lock_for_write``) applies the
same access rule as ``access_conversation_for_official``, written in SQL
(``official_may_write_sql``): both must give the same answer in every case, and "missing" and
"not yours" stay the same NotFound."""

import pytest
from django.db import transaction

from chatdesk.chats import services
from chatdesk.chats.access import access_conversation_for_official
from chatdesk.chats.models import Conversation
from chatdesk.chats.stream import lock_for_write
from chatdesk.core.errors import NotFound
from chatdesk.directory.models import Official

pytestmark = pytest.mark.django_db


def _orm_allows(official, conversation_id):
    try:
        access_conversation_for_official(official, conversation_id)
        return True
    except NotFound:
        return False


def _lock_allows(official, conversation_id):
    try:
        with transaction.atomic():
            lock_for_write(conversation_id, Conversation.Side.OFFICIAL, official, "probe")
        return True
    except NotFound as error:
        assert error.code == NotFound.code  # the same answer as a missing conversation
        return False


@pytest.fixture
def world(unit, other_unit, make_unit, make_official):
    closed_unit = make_unit("واحد غیرفعال", code="inactive")
    chats = {
        name: services.conversation_start(unit_id=u.pk, name="مریم شهروند").conversation
        for name, u in (("own", unit), ("other", other_unit), ("closed", closed_unit))
    }
    closed_unit.is_active = False
    closed_unit.save()
    officials = {
        "member": make_official("member", [unit]),
        "outsider": make_official("outsider", [other_unit]),
        "admin": make_official("admin", [], role=Official.Role.ADMIN),
        "deactivated": make_official("deactivated", [unit]),
    }
    officials["deactivated"].user.is_active = False
    officials["deactivated"].user.save()
    return chats, officials


@pytest.mark.parametrize("who", ["member", "outsider", "admin", "deactivated"])
@pytest.mark.parametrize("which", ["own", "other", "closed", "missing", "text", "negative", "bool"])
def test_the_sql_rule_and_the_orm_rule_agree(world, who, which):
    chats, officials = world
    conversation_id = {"missing": 999_999, "text": "abc", "negative": -1, "bool": True}.get(which)
    if conversation_id is None:
        conversation_id = chats[which].pk
    official = officials[who]
    assert _lock_allows(official, conversation_id) == _orm_allows(official, conversation_id)


def test_the_rule_gives_the_expected_answers(world):
    chats, officials = world
    allowed = {
        (who, which)
        for who in officials
        for which in chats
        if _lock_allows(officials[who], chats[which].pk)
    }
    assert allowed == {("member", "own"), ("outsider", "other"), ("admin", "own"), ("admin", "other")}


def test_resend_and_pace_come_with_the_lock(unit, make_official, settings):
    settings.CHAT = {**settings.CHAT, "MESSAGES_PER_MINUTE": 3}
    conversation = services.conversation_start(unit_id=unit.pk, name="مریم شهروند").conversation
    for n in range(2):
        services.message_send(conversation_id=conversation.pk, sender="citizen", client_id=f"c{n}", body="سلام")
    with transaction.atomic():
        locked = lock_for_write(conversation.pk, "citizen", None, "c1")
    assert locked.stored_seq == 2
    assert locked.paced_at is None  # two of three: not at the limit yet
    services.message_send(conversation_id=conversation.pk, sender="citizen", client_id="c2", body="سلام")
    with transaction.atomic():
        locked = lock_for_write(conversation.pk, "citizen", None, "new")
    assert locked.stored_seq is None
    assert locked.paced_at is not None and locked.paced_at.tzinfo is not None


def test_the_locked_row_carries_the_columns_the_rules_read(unit, make_official):
    """The lock reads only some columns (the rest deferred): each must land in its own field."""
    official = make_official("member", [unit])
    conversation = services.conversation_start(unit_id=unit.pk, name="مریم شهروند").conversation
    services.conversation_take(conversation_id=conversation.pk, official=official)
    services.message_send(conversation_id=conversation.pk, sender="official", official=official, client_id="o1", body="سلام")
    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.first_response_at is not None and stored.official_id == official.pk
    with transaction.atomic():
        locked = lock_for_write(conversation.pk, "official", official, "o1")
    for name in ("id", "status", "official_id", "first_response_at", "last_seq"):
        assert getattr(locked, name) == getattr(stored, name), name
    assert locked.stored_seq == stored.last_seq
    assert "citizen_name" in locked.get_deferred_fields()
