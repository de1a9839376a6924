"""Writes of the mail app: worker jobs (sending the outbox, polling IMAP) and the citizen's
request for a chat transcript.  Inbound processing is in inbound.py (``inbound.receive``)."""

import imaplib
import logging
import re

from django.conf import settings
from django.db import transaction

from chatdesk.chats.models import Conversation, Message
from chatdesk.core import clock, ratelimit
from chatdesk.core.errors import NotFound, ValidationError

from . import inbound, notifications, outbound
from .models import OutboundMail

log = logging.getLogger("chatdesk.mail")


# --- outbox -----------------------------------------------------------------------------------
def outbox_send(*, now=None):
    """Worker job: send every due mail of the outbox (retries with backoff; see outbound.py)."""
    return outbound.send_due(now=now)


def outbox_retry(*, mail_id, now=None):
    """Send a failed (or waiting) mail again at the next tick, with a fresh count of attempts."""
    now = now or clock.now()
    return OutboundMail.objects.filter(pk=mail_id).exclude(status=OutboundMail.Status.SENT).filter(
        locked_until__isnull=True
    ).update(status=OutboundMail.Status.QUEUED, attempts=0, next_attempt_at=now, last_error="")


# --- chat transcript --------------------------------------------------------------------------
def transcript_request(*, conversation_id, now=None):
    """Mail the conversation's citizen-visible messages to the email the citizen gave when
    starting it (never to an address given in the request).  Asking twice with nothing new in
    between queues one mail."""
    with transaction.atomic():
        conversation = Conversation.objects.select_related("unit").filter(pk=conversation_id).first()
        if conversation is None:
            raise NotFound()
        if not conversation.citizen_email:
            raise ValidationError("برای این گفتگو نشانی ایمیلی ثبت نشده است.", code="no_email", field="email")
        messages = list(Message.objects.select_related("official").filter(conversation=conversation, kind=Message.Kind.TEXT).order_by("seq"))
        if not messages:
            raise ValidationError("هنوز پیامی در این گفتگو نیست.", code="empty_conversation")
        ratelimit.hit(
            "transcript", conversation.pk, limit=5, window=3600,
            message="متن این گفتگو چند بار فرستاده شده است؛ لطفاً بعداً تلاش کنید.",
        )
        return notifications.transcript(conversation, messages, dedup_key=f"transcript:{conversation.pk}:{conversation.last_seq}")


# --- IMAP -------------------------------------------------------------------------------------
def imap_settings():
    mail = settings.MAIL
    return mail if mail.get("IMAP_HOST") else None


def imap_connect(config):
    cls = imaplib.IMAP4_SSL if config.get("IMAP_SSL") else imaplib.IMAP4
    client = cls(config["IMAP_HOST"], config["IMAP_PORT"], timeout=config.get("IMAP_TIMEOUT", 30))
    client.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
    return client


def imap_poll(*, now=None, limit=100):
    """Worker job: read unseen messages of the mailbox, give each to ``inbound.receive`` and
    flag it ``\\Seen`` (or delete it) once stored.  A message whose processing failed stays
    unseen and is read again next tick; one read twice (two workers) is stored once."""
    config = imap_settings()
    if config is None:
        return 0
    done = 0
    client = imap_connect(config)
    try:
        status, _ = client.select(config.get("IMAP_FOLDER") or "INBOX")
        if status != "OK":
            raise RuntimeError(f"IMAP select failed: {status}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split() if status == "OK" else []
        delete = config.get("IMAP_AFTER") == "delete"
        for uid in uids[:limit]:
            status, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _fetched_bytes(fetched) if status == "OK" else None
            if raw is None:
                continue
            try:
                inbound.receive(raw, source="imap")
            except Exception:  # noqa: BLE001 — left unseen, tried again next tick
                log.exception("inbound mail (IMAP uid %s) could not be processed", uid.decode())
                continue
            client.uid("STORE", uid, "+FLAGS", "(\\Deleted)" if delete else "(\\Seen)")
            done += 1
        if delete and done:
            client.expunge()
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001
            pass
    return done


def _fetched_bytes(fetched):
    for item in fetched or []:
        if isinstance(item, tuple) and len(item) >= 2 and re.search(rb"BODY\[\]", item[0] or b""):
            return item[1]
    return None
