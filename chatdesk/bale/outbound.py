"""What goes back to a citizen in Bale, and the worker that sends it.

``on_frame`` is registered with ``core/realtime.subscribe`` (apps.py): it sees every frame a
service announces to a conversation's citizen and to a ticket's staff, inside the service's
transaction, and writes a ``BaleOutbound`` row for the conversations that came from Bale:

- an official's message or document;
- the chat's system events (an official joined, a transfer, the end, and the tracking code when
  the chat becomes a ticket), with the unit menu when the chat is over;
- an official's public reply to the ticket the chat became (the ticket's changes are announced to
  its staff; the public replies not yet sent are queued, one row per reply) and the files attached
  to that reply, one row per file;
- the answer to a pressed inline button (``answerCallbackQuery``; written by inbound.py).

Files go as ``sendPhoto`` when they are a JPEG or PNG image within Bale's photo limit and as
``sendDocument`` otherwise (multipart/form-data, the file's own name; docs.bale.ai "sendPhoto",
"sendDocument", as Telegram's Bot API).

No Bot API call happens here (a service may run in a request or a socket handler): ``send_due``
(a worker job) sends the rows after the commit, retried with backoff, once (leases.py).
"""

import logging

from django.conf import settings

from chatdesk.chats.models import Conversation
from chatdesk.core import clock, events
from chatdesk.core.tracking import format_tracking_code
from chatdesk.directory.selectors import menu_units

from . import client, leases
from .models import BaleConversation, BaleOutbound

log = logging.getLogger("chatdesk.bale")

#: a Bale text message's length limit is Telegram's 4096 characters; longer texts are cut
MAX_TEXT = 4000
#: a caption's limit is 1024 characters, a callback answer's 200 (the Bot API's documented limits)
MAX_CAPTION = 1000
MAX_CALLBACK_TEXT = 200
#: sent with sendPhoto (shown inline); any other file, or a larger image, with sendDocument
PHOTO_TYPES = {"image/jpeg", "image/png"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024

AFTER_TICKET = "پاسخ کارشناس به این پرونده در همین گفتگوی بله هم برای شما فرستاده می‌شود."
NEW_CHAT = "برای گفتگوی تازه، یکی از واحدهای زیر را انتخاب کنید."


def enabled():
    config = settings.BALE
    return bool(config["TOKEN"]) and config["MODE"] in ("webhook", "polling")


def unit_menu():
    """The inline keyboard of the units a citizen may chat with, in menu order (one a row);
    a button's ``callback_data`` is ``unit:<id>`` (the update comes back as a callback_query)."""
    rows = [[{"text": unit.name, "callback_data": f"unit:{unit.pk}"}] for unit in menu_units().filter(chat_enabled=True)]
    return {"inline_keyboard": rows}


def enqueue(*, chat_id, text="", kind=BaleOutbound.Kind.TEXT, reply_markup=None, conversation_id=None, attachment_id=None, callback_query_id="", dedup_key="", now=None):
    """Write one outbound row (inside the caller's transaction); the existing row for a known
    ``dedup_key``."""
    if dedup_key:
        existing = BaleOutbound.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    now = now or clock.now()
    return BaleOutbound.objects.create(
        chat_id=chat_id, kind=kind, text=text[:MAX_TEXT], reply_markup=reply_markup, conversation_id=conversation_id,
        attachment_id=attachment_id, callback_query_id=callback_query_id, dedup_key=dedup_key, next_attempt_at=now, created_at=now,
    )


def answer_callback(*, chat_id, callback_query_id, update_id, text=""):
    """Answer a pressed inline button once (Bale, as Telegram, keeps the button's spinner until
    the bot answers); queued first, so it goes before the bot's reply to the same press."""
    return enqueue(
        chat_id=chat_id, kind=BaleOutbound.Kind.CALLBACK, text=text[:MAX_CALLBACK_TEXT], callback_query_id=callback_query_id,
        dedup_key=f"update:{update_id}:callback",
    )


def on_frame(audience, key, frame):
    if not enabled():
        return
    if audience == "citizen" and frame.get("type") == events.MESSAGE:
        _conversation_message(key, frame["message"])
    elif audience == "ticket_staff" and frame.get("type") == events.TICKET_CHANGED:
        _ticket_replies(key)


def _conversation_message(conversation_id, message):
    if message.get("sender") == Conversation.Side.CITIZEN:
        return  # the citizen's own words came from Bale (or were typed there)
    chat_id = BaleConversation.objects.filter(conversation_id=conversation_id).values_list("chat__chat_id", flat=True).first()
    if chat_id is None:
        return
    dedup = f"msg:{conversation_id}:{message['seq']}"
    if message.get("kind") == "file":
        info = message.get("file") or {}
        enqueue(
            chat_id=chat_id, kind=BaleOutbound.Kind.DOCUMENT, text=f"{message.get('author') or 'کارشناس'}: {info.get('name', '')}",
            conversation_id=conversation_id, attachment_id=info.get("id"), dedup_key=dedup,
        )
        return
    if message.get("kind") == "event":
        text, markup = message["body"], None
        if message.get("event") == "escalated":
            text = f"{text}\n{AFTER_TICKET}"
        if message.get("event") in ("escalated", "closed"):
            text, markup = f"{text}\n\n{NEW_CHAT}", unit_menu()
        enqueue(chat_id=chat_id, text=text, reply_markup=markup, dedup_key=dedup)
        return
    enqueue(chat_id=chat_id, text=f"{message.get('author') or 'کارشناس'}: {message['body']}", dedup_key=dedup)


def _ticket_replies(ticket_id):
    """The public replies of the ticket a Bale chat became, each queued once."""
    link = BaleConversation.objects.select_related("chat", "conversation").filter(conversation__ticket__pk=ticket_id).first()
    if link is None:
        return
    ticket = link.conversation.ticket  # the reverse side of tickets.Ticket.conversation
    sent = set(BaleOutbound.objects.filter(dedup_key__startswith=f"entry:{ticket_id}:").values_list("dedup_key", flat=True))
    shown = format_tracking_code(ticket.code, persian=True)
    for entry in ticket.entries.filter(public=True, kind="reply").order_by("id"):
        key = f"entry:{ticket_id}:{entry.pk}"
        if key not in sent:
            enqueue(chat_id=link.chat.chat_id, text=f"پاسخ {ticket.unit.name} به پرونده {shown}:\n{entry.body}", dedup_key=key)
        for attachment in entry.attachments.order_by("id"):
            file_key = f"{key}:file:{attachment.pk}"
            if file_key not in sent:
                enqueue(
                    chat_id=link.chat.chat_id, kind=BaleOutbound.Kind.DOCUMENT, text=f"پیوست پاسخ پرونده {shown}: {attachment.name}",
                    conversation_id=link.conversation_id, attachment_id=attachment.pk, dedup_key=file_key,
                )


# --- the worker --------------------------------------------------------------------------------
def _attachment(row):
    """The attachment a document row names: the chat's own, or one of the ticket the chat became
    (a reply's file); None once retention or a deletion removed it."""
    conversation = Conversation.objects.filter(pk=row.conversation_id).first()
    if conversation is None or row.attachment_id is None:
        return None
    found = conversation.attachments.filter(pk=row.attachment_id).exclude(file="").first()
    ticket = getattr(conversation, "ticket", None) if found is None else None  # the reverse side of Ticket.conversation
    if ticket is not None:
        found = ticket.attachments.filter(pk=row.attachment_id).exclude(file="").first()
    return found


def _send_file(row, attachment):
    with attachment.file.open("rb") as handle:
        content = handle.read()
    photo = attachment.content_type in PHOTO_TYPES and len(content) <= MAX_PHOTO_BYTES
    method, field = ("sendPhoto", "photo") if photo else ("sendDocument", "document")
    return client.call(method, {"chat_id": row.chat_id, "caption": row.text[:MAX_CAPTION]}, files={field: (attachment.name, attachment.content_type, content)})


def _send(row):
    if row.kind == BaleOutbound.Kind.CALLBACK:
        return client.call("answerCallbackQuery", {"callback_query_id": row.callback_query_id, "text": row.text or None})
    if row.kind == BaleOutbound.Kind.DOCUMENT:
        attachment = _attachment(row)
        if attachment is not None:
            return _send_file(row, attachment)
        # the document is gone (retention): its name at least
    return client.call("sendMessage", {"chat_id": row.chat_id, "text": row.text, "reply_markup": row.reply_markup})


def send_due(*, now=None, batch=None):
    """Send what is due, one leased row at a time; stops at the first passing failure (Bale is
    down or busy: the rest waits for the next tick)."""
    if not enabled():
        return 0
    now = now or clock.now()
    sent = 0
    for _ in range(batch or settings.BALE["BATCH"]):
        row = leases.claim(BaleOutbound, now)
        if row is None:
            break
        try:
            result = _send(row)
        except Exception as error:  # noqa: BLE001 — every failure is recorded on the row
            dead = leases.mark_failed(row, error, now)
            log.warning("bale outbound %s to %s: attempt %s failed (%s)%s", row.pk, row.chat_id, row.attempts, error, " — dead letter" if dead else "")
            if not getattr(error, "permanent", False):
                break
            continue
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if leases.mark_done(row, now, message_id=message_id):
            sent += 1
        else:
            log.warning("bale outbound %s was sent after its lease ran out", row.pk)
    return sent
