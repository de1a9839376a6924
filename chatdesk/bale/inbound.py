"""Updates from Bale: stored first, processed once.

An update comes by webhook (views.py) or by long polling (``poll``: ``getUpdates`` with the
offset after the newest stored update; Bale, as Telegram, forgets the updates below the offset a
call gives, so each one is in the database before the call that acknowledges it).  The worker
(``process_due``) takes each stored update under a lease and does what it asks in one
transaction with marking it done: a crash before the commit leaves it to be taken again, and the
chat services' client ids (``bale-<update_id>``) make the repeat a no-op.  Network work (a
citizen's file: ``getFile`` and the download) happens before that transaction.

What a citizen does in the bot (private chats only):

- ``/start``, or anything while no chat is open: the menu of units (an inline keyboard, in the
  desk's menu order); a tap is a ``callback_query`` with ``unit:<id>`` and starts the chat
  (``chats.services.conversation_start`` with ``channel="bale"``) and is answered with
  ``answerCallbackQuery`` (every press is, so the button's spinner stops); typing a unit's exact
  name works too;
- text: ``chats.services.message_send``; a document or a photo: ``chats.files.chat_file_send``
  within the desk's upload rules (a refused file gets the rule's Persian message);
- ``/end`` or «پایان»: ``conversation_end_by_citizen``.
"""

import logging

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max

from chatdesk.chats import services as chat_services
from chatdesk.chats import wire
from chatdesk.chats.files import chat_file_send
from chatdesk.chats.models import Conversation
from chatdesk.core import clock, ratelimit, uploads
from chatdesk.core.errors import DomainError, ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import clean_line
from chatdesk.directory.selectors import menu_units

from . import client, leases, outbound
from .models import BaleChat, BaleConversation, BaleUpdate

log = logging.getLogger("chatdesk.bale")

WELCOME = "سلام! برای گفتگو با کارشناسان، واحد مورد نظر خود را انتخاب کنید."
NO_UNITS = "اکنون هیچ واحدی گفتگوی برخط ندارد؛ لطفاً بعداً دوباره تلاش کنید."
STILL_OPEN = "گفتگوی شما با «{unit}» هنوز باز است؛ برای پایان آن «پایان» را بفرستید."
STARTED = "گفتگو با «{unit}» آغاز شد. پیام خود را بنویسید؛ کارشناس در همین‌جا پاسخ می‌دهد.\nبرای پایان گفتگو «پایان» را بفرستید."
STARTED_OFFLINE = (
    "اکنون کارشناسی در «{unit}» پاسخ‌گو نیست. پیام خود را بنویسید تا ثبت شود؛ کد پیگیری و پاسخ آن در همین‌جا برای شما فرستاده می‌شود."
)
UNSUPPORTED = "این نوع پیام پذیرفته نمی‌شود؛ متن، یا فایل PDF، JPEG یا PNG بفرستید."
END_WORDS = {"/end", "پایان"}


class LeaseLost(Exception):
    """Another worker took the update (this one's lease ran out): its work is rolled back."""


# --- storing ------------------------------------------------------------------------------------
def store(payload):
    """Store one update under its unique ``update_id``; returns ``(row, created)``.  A payload
    without an integer ``update_id`` raises ValueError (nothing is stored)."""
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**63:
        raise ValueError("an update without an update_id")
    now = clock.now()
    try:
        with transaction.atomic():
            return BaleUpdate.objects.get_or_create(update_id=update_id, defaults={"payload": payload, "next_attempt_at": now, "created_at": now})
    except IntegrityError:  # the same update delivered twice at once: stored by the other
        return BaleUpdate.objects.get(update_id=update_id), False


def next_offset():
    last = BaleUpdate.objects.aggregate(last=Max("update_id"))["last"]
    return None if last is None else last + 1


def poll(*, timeout=0):
    """One ``getUpdates`` call (long polling for ``timeout`` seconds) from the offset after the
    newest stored update; every update is stored before the next call acknowledges it.
    Returns how many new updates were stored."""
    updates = client.call("getUpdates", {"offset": next_offset(), "timeout": timeout}, timeout=settings.BALE["TIMEOUT"] + timeout)
    created = 0
    for update in updates or []:
        try:
            created += store(update)[1]
        except ValueError:
            log.warning("bale: an update without an update_id was ignored")
    return created


# --- processing -----------------------------------------------------------------------------------
def process_due(*, now=None, batch=None):
    """Worker job: do what every stored update asks, each once.  Stops at the first passing
    failure (Bale unreachable while fetching a file): the update waits with backoff."""
    now = now or clock.now()
    done = 0
    for _ in range(batch or settings.BALE["BATCH"]):
        row = leases.claim(BaleUpdate, now)
        if row is None:
            break
        try:
            handle(row, now)
            done += 1
        except Exception as error:  # recorded on the row, retried with backoff
            dead = leases.mark_failed(row, error, now)
            log.warning("bale update %s: attempt %s failed (%s)%s", row.update_id, row.attempts, error, " — dead letter" if dead else "", exc_info=not isinstance(error, client.BaleError))
            if not getattr(error, "permanent", False):
                break
    return done


def _parse(update):
    """(chat_id, sender's name, text, callback data, file reference) of a private-chat update;
    chat_id None for anything else (groups, channels, edits: ignored)."""
    if isinstance(update.get("callback_query"), dict):
        query = update["callback_query"]
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        sender = query.get("from") or {}
        data = query.get("data")
        return (chat.get("id") if chat.get("type", "private") == "private" else None), sender, "", data if isinstance(data, str) else "", None
    message = update.get("message")
    if not isinstance(message, dict):
        return None, {}, "", "", None
    chat = message.get("chat") or {}
    if chat.get("type") != "private" or not isinstance(chat.get("id"), int):
        return None, {}, "", "", None
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    file_ref = None
    if isinstance(message.get("document"), dict):
        file_ref = dict(message["document"])
    elif isinstance(message.get("photo"), list) and message["photo"]:
        # sizes of one photo, smallest first (Telegram's PhotoSize array): the largest one
        file_ref = dict(message["photo"][-1], file_name="photo.jpg")
    return chat["id"], message.get("from") or {}, text, "", file_ref


class _Announced:
    """A file known only by its announced size: lets ``uploads.check`` refuse it with its own
    message without the desk downloading it."""

    def __init__(self, name, size):
        self.name, self.size = name, size

    def read(self, *_args):
        return b""


def _fetch(file_ref):
    """(upload, refusal): the citizen's file as an UploadedFile, or the Persian reason it is
    refused.  BaleError (Bale unreachable) propagates: the update is retried."""
    name = file_ref.get("file_name") if isinstance(file_ref.get("file_name"), str) else "file"
    limit = uploads.max_bytes()
    size = file_ref.get("file_size")
    try:
        if isinstance(size, int) and size > limit:
            uploads.check(_Announced(name, size))
        info = client.call("getFile", {"file_id": file_ref.get("file_id")})
        if isinstance(info.get("file_size"), int) and info["file_size"] > limit:
            uploads.check(_Announced(name, info["file_size"]))
        content = client.download(info["file_path"], limit=limit + 1)
        if len(content) > limit:
            uploads.check(_Announced(name, len(content)))
    except ValidationError as error:
        return None, error.message
    return SimpleUploadedFile(name, content, file_ref.get("mime_type") or "application/octet-stream"), None


def handle(row, now):
    chat_id, sender, text, data, file_ref = _parse(row.payload)
    upload = refusal = None
    if chat_id is not None and file_ref is not None and not data:
        upload, refusal = _fetch(file_ref)
    with transaction.atomic():
        if not BaleUpdate.objects.select_for_update().filter(pk=row.pk, lease=row.lease, status="working").exists():
            raise LeaseLost(row.update_id)
        _answer_button(row.update_id, row.payload)
        if chat_id is not None:
            _act(row.update_id, chat_id, sender, text.strip(), data, upload, refusal, now)
        if not leases.mark_done(row, now):
            raise LeaseLost(row.update_id)


def _answer_button(update_id, update):
    """Every pressed inline button is answered (answerCallbackQuery), even one the desk ignores
    (a group, an old menu): until then the citizen's Bale keeps a spinner on the button."""
    query = update.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("id"), str) or not query["id"]:
        return
    chat = (query.get("message") or {}).get("chat") or {}
    chat_id = chat.get("id") if isinstance(chat.get("id"), int) else (query.get("from") or {}).get("id")
    outbound.answer_callback(chat_id=chat_id if isinstance(chat_id, int) else 0, callback_query_id=query["id"][:64], update_id=update_id)


def _reply(chat_id, update_id, text, reply_markup=None, step="reply"):
    outbound.enqueue(chat_id=chat_id, text=text, reply_markup=reply_markup, dedup_key=f"update:{update_id}:{step}")


def _name(sender):
    name = clean_line(" ".join(str(sender.get(k) or "") for k in ("first_name", "last_name")))[:80]
    return name if len(name) >= 2 else "کاربر بله"


def _send_menu(chat_id, update_id, lead=WELCOME):
    menu = outbound.unit_menu()
    if not menu["inline_keyboard"]:
        _reply(chat_id, update_id, NO_UNITS)
    else:
        _reply(chat_id, update_id, lead, menu)


def _chosen_unit(text, data):
    units = menu_units().filter(chat_enabled=True)
    if data.startswith("unit:"):
        return units.filter(pk=parse_id(data[5:])).first()
    return units.filter(name=text).first() if text else None


def _act(update_id, chat_id, sender, text, data, upload, refusal, now):
    chat, _ = BaleChat.objects.select_for_update().get_or_create(chat_id=chat_id, defaults={"name": _name(sender), "created_at": now})
    conversation = Conversation.objects.select_related("unit").filter(pk=chat.conversation_id).first() if chat.conversation_id else None
    if conversation is not None and conversation.status == Conversation.Status.CLOSED:
        conversation = None
        BaleChat.objects.filter(pk=chat.pk).update(conversation=None)
    unit = _chosen_unit(text, data) if (data or conversation is None) else None
    try:
        with transaction.atomic():
            if unit is not None or data:
                if conversation is not None:
                    _reply(chat_id, update_id, STILL_OPEN.format(unit=conversation.unit.name))
                elif unit is None:
                    _send_menu(chat_id, update_id, "این واحد اکنون گفتگوی برخط ندارد؛ واحد دیگری انتخاب کنید.")
                else:
                    _start(chat, unit, update_id, now)
            elif conversation is None:
                _send_menu(chat_id, update_id)
            elif text in END_WORDS:
                chat_services.conversation_end_by_citizen(conversation_id=conversation.pk)
            elif refusal:
                _reply(chat_id, update_id, f"فایل پذیرفته نشد: {refusal}")
            elif upload is not None:
                chat_file_send(conversation_id=conversation.pk, sender=Conversation.Side.CITIZEN, uploaded=upload, client_id=f"bale-{update_id}")
            elif text:
                chat_services.message_send(conversation_id=conversation.pk, sender=Conversation.Side.CITIZEN, client_id=f"bale-{update_id}", body=text)
            else:
                _reply(chat_id, update_id, UNSUPPORTED)
    except DomainError as error:
        # Bad input changes nothing (the savepoint above is rolled back) and gets its Persian reason.
        prefix = "فایل پذیرفته نشد: " if upload is not None and error.field == "file" else ""
        _reply(chat_id, update_id, prefix + error.message, step="error")


def _start(chat, unit, update_id, now):
    ratelimit.hit(
        "bale-chat-start", str(chat.chat_id), limit=settings.CHAT["CHATS_PER_HOUR_PER_ADDRESS"], window=3600,
        message="در یک ساعت گذشته گفتگوهای زیادی آغاز کرده‌اید؛ لطفاً بعداً تلاش کنید.",
    )
    started = chat_services.conversation_start(unit_id=unit.pk, name=chat.name or "کاربر بله", channel=Conversation.Channel.BALE)
    conversation = started.conversation
    BaleConversation.objects.create(conversation=conversation, chat=chat)
    BaleChat.objects.filter(pk=chat.pk).update(conversation=conversation)
    # An automatic unit may have given the chat to an official inside conversation_start, before
    # the link above existed: what was announced then goes to Bale now (once: dedup keys).
    for message in conversation.messages.exclude(sender=Conversation.Side.CITIZEN).select_related("official"):
        outbound.on_frame("citizen", conversation.pk, wire.message_frame(message))
    _reply(chat.chat_id, update_id, (STARTED_OFFLINE if conversation.started_offline else STARTED).format(unit=unit.name))
