"""Chats that become tickets: the escalation timer's sweep, an offline message, a citizen who
leaves an unanswered question, an official's "turn this chat into a ticket" (docs/tickets.md).

Exactly once with any number of workers: the conversation row is locked (SKIP LOCKED on
PostgreSQL; SQLite serialises writers) and ``Ticket.conversation`` is unique in the database.
"""

from django.db import IntegrityError, connection, transaction

from chatdesk.chats import services as chat_services
from chatdesk.chats.access import access_conversation_for_official
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock
from chatdesk.core.errors import Conflict, NotFound
from chatdesk.core.persian import clean_line

from . import notify
from .models import Attachment, Entry, Ticket
from .writes import (
    add_entry,
    audit,
    index_ticket,
    insert_ticket,
    start_first_response_clock,
    start_resolution_clock,
    start_statutory_clock,
)


# --- chats become tickets ---------------------------------------------------------------------
def _lock_conversation(conversation_id, *, skip_locked):
    qs = Conversation.objects.select_related("unit", "official")
    if connection.features.has_select_for_update_skip_locked and skip_locked:
        qs = qs.select_for_update(of=("self",), skip_locked=True)
    elif connection.features.has_select_for_update_of:
        qs = qs.select_for_update(of=("self",))
    else:
        qs = qs.select_for_update()
    return qs.filter(pk=conversation_id).first()


def _subject_from(conversation):
    first = Message.objects.filter(conversation=conversation, sender=Conversation.Side.CITIZEN, kind=Message.Kind.TEXT).order_by("seq").first()
    if first is not None:
        text = clean_line(first.body)
        return text if len(text) <= 80 else text[:79] + "…"
    return f"گفتگوی بی‌پاسخ با {conversation.unit.name}"


def _ticket_from_conversation(conversation, *, reason, official=None, now):
    """Copy a locked conversation into a new ticket: the whole transcript, its notes and its
    documents.  The conversation's unique link makes a second ticket impossible."""
    kind = Ticket.Kind.OFFLINE if conversation.started_offline else Ticket.Kind.CHAT
    ticket = Ticket(
        kind=kind, unit=conversation.unit, subject=_subject_from(conversation), conversation=conversation,
        citizen_name=conversation.citizen_name, citizen_mobile=conversation.citizen_mobile,
        citizen_email=conversation.citizen_email, ip_address=conversation.ip_address,
        assignee=official or conversation.official, created_at=now, updated_at=now,
        first_response_at=conversation.first_response_at,
        data={"conversation_id": conversation.pk, "escalation": reason},
    )
    start_first_response_clock(ticket, now)
    start_resolution_clock(ticket, now)
    start_statutory_clock(ticket, now)
    if ticket.assignee_id or ticket.first_response_at:
        ticket.status = Ticket.Status.OPEN
    fields = {f.name: getattr(ticket, f.name) for f in Ticket._meta.concrete_fields if f.name not in ("id", "code", "secret")}
    ticket = insert_ticket(**fields)
    index_ticket(ticket)
    entries = {}
    # Text and documents (a document's entry is where its attachment shows in the timeline).
    transcript = Message.objects.filter(conversation=conversation, kind__in=[Message.Kind.TEXT, Message.Kind.FILE])
    for message in transcript.select_related("official").order_by("seq"):
        kind_ = Entry.Kind.CITIZEN if message.sender == Conversation.Side.CITIZEN else Entry.Kind.REPLY
        entries[message.pk] = add_entry(
            ticket, kind_, message.body, official=message.official, channel="chat", data={"seq": message.seq},
            created_at=message.created_at, now=now, announce=False,
        )
    for note in Note.objects.filter(conversation=conversation).select_related("official"):
        add_entry(ticket, Entry.Kind.NOTE, note.body, public=False, official=note.official, channel="chat", created_at=note.created_at, now=now, announce=False)
    # (a document already handed to a case waiting for it, chat_documents.py, stays with that case)
    for attachment in Attachment.objects.filter(conversation=conversation, ticket__isnull=True):
        attachment.ticket = ticket
        attachment.entry = entries.get(attachment.message_id)
        attachment.save(update_fields=["ticket", "entry"])
    reasons = {
        "timeout": "کارشناسی در مهلت مقرر پاسخ نداد؛ گفتگو به پرونده تبدیل شد.",
        "offline": "پیام در ساعت غیرکاری ثبت شد و به پرونده تبدیل شد.",
        "official": "کارشناس گفتگو را به پرونده تبدیل کرد.",
        "ended": "شهروند پیش از پاسخ کارشناس گفتگو را ترک کرد؛ پیام به پرونده تبدیل شد.",
    }
    add_entry(ticket, Entry.Kind.EVENT, reasons[reason], data={"event": "escalated", "reason": reason}, official=official, now=now)
    audit(ticket, "created", official=official, actor="official" if official else "system",
           changes={"kind": kind, "from_conversation": conversation.pk, "reason": reason}, now=now)
    return ticket


def conversation_escalate(*, conversation_id, reason, official=None, now=None, skip_locked=False):
    """Turn a conversation into a ticket and close the chat with the tracking code in it.

    ``reason``: "timeout" (the worker: nobody answered in time), "offline" (a message left while
    the unit was closed), "ended" (the citizen left before an answer), "official" (by hand).
    Returns the ticket, or None when there was nothing to do (already a ticket, answered,
    closed, or locked by another worker).
    """
    now = now or clock.now()
    with transaction.atomic():
        if official is not None:
            access_conversation_for_official(official, conversation_id)
        conversation = _lock_conversation(conversation_id, skip_locked=skip_locked)
        if conversation is None:
            if official is not None:
                raise NotFound()
            return None
        if Ticket.objects.filter(conversation=conversation).exists():
            if official is not None:
                raise Conflict("این گفتگو پیش‌تر به پرونده تبدیل شده است.", code="already_escalated")
            return None
        if conversation.status == Conversation.Status.CLOSED and reason != "ended":
            if official is not None:
                raise Conflict("این گفتگو پایان یافته است.", code="conversation_closed")
            return None
        if reason == "timeout" and (conversation.escalate_at is None or conversation.escalate_at > now):
            return None
        ticket = _ticket_from_conversation(conversation, reason=reason, official=official, now=now)
        chat_services.close_as_ticket(conversation, ticket_code=ticket.code, official=official)
        notify.ticket_created(ticket)
    return ticket


def escalation_sweep(*, now=None, batch=200):
    """Worker job: every chat whose timer ran out becomes a ticket, exactly once with any number
    of workers (rows locked with SKIP LOCKED on PostgreSQL; SQLite serialises writers; and a
    chat's ticket is unique in the database either way)."""
    now = now or clock.now()
    due = list(
        Conversation.objects.filter(escalate_at__lte=now)
        .exclude(status=Conversation.Status.CLOSED)
        .order_by("escalate_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    done = 0
    for conversation_id in due:
        try:
            if conversation_escalate(conversation_id=conversation_id, reason="timeout", now=now, skip_locked=True):
                done += 1
        except IntegrityError:  # another worker won the race for this chat: it is a ticket once
            continue
    return done
