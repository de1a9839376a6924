"""What a unit's chat says by itself (#21): the greeting when a citizen starts a chat, and the
waiting message when the chat is still in the queue ``chat_waiting_after_minutes`` later.

Both are stream entries (sender ``system``, kind ``event``, ``event`` ``greeting`` or ``waiting``),
so both sides see them and they stay in the transcript.  The waiting message is due at
``Conversation.waiting_message_at`` (set at the start when the unit has one) and is sent once by
the worker (``waiting_message_sweep``); a chat taken, closed or already sent is skipped."""

import datetime as dt

from django.db import transaction

from chatdesk.core import clock

from . import selectors
from .models import Conversation, Message
from .stream import add_message

GREETING = "greeting"
WAITING = "waiting"


def _say(conversation, event, body, now):
    return add_message(conversation, sender=Conversation.Side.SYSTEM, kind=Message.Kind.EVENT, body=body,
                       data={"event": event}, now=now)


def greet(conversation, unit, now):
    """At the start of a live chat (inside its transaction): the unit's greeting, and the time
    its waiting message becomes due.  Returns the greeting message or None."""
    if unit.chat_waiting_message.strip():
        conversation.waiting_message_at = now + dt.timedelta(minutes=unit.chat_waiting_after_minutes)
        conversation.save(update_fields=["waiting_message_at"])
    if unit.chat_greeting.strip():
        return _say(conversation, GREETING, unit.chat_greeting.strip(), now)
    return None


def waiting_message_sweep(*, now=None):
    """Worker job: the waiting message of every chat still waiting past its time, once.
    Returns how many were sent."""
    now = now or clock.now()
    due = Conversation.objects.filter(waiting_message_at__lte=now).values_list("pk", flat=True)[:200]
    sent = 0
    for pk in due:
        with transaction.atomic():
            conversation = selectors.for_update(Conversation.objects.select_related("unit")).filter(pk=pk, waiting_message_at__lte=now).first()
            if conversation is None:
                continue  # another worker did it
            body = conversation.unit.chat_waiting_message.strip()
            if conversation.status == Conversation.Status.WAITING and body:
                _say(conversation, WAITING, body, now)
                sent += 1
            Conversation.objects.filter(pk=pk).update(waiting_message_at=None)
    return sent
