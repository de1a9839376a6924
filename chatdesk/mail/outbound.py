"""The outbox: writing a mail (inside the caller's transaction) and sending it (the worker).

Delivery is exactly once as far as the database can make it (docs/email.md):

- a row is *claimed* with a conditional UPDATE that takes a lease (``locked_until`` + a random
  ``lease``); of two workers, one wins, on SQLite and PostgreSQL alike;
- the row is marked sent only by the holder of the lease;
- the lease is short (``MAIL["LEASE_SECONDS"]``, 60 s) and renewed every quarter of it by a
  thread of the sending worker (``LeaseKeeper``) for as long as the send takes, so a slow relay
  does not let a second worker send the mail again, and a mail held by a killed worker (whose
  renewals stop with it) is taken up again within a minute;
- a worker killed between claim and mark leaves a leased row that another worker claims again
  once the lease has run out.  If the SMTP server had already accepted the message, it is sent
  a second time with the *same* Message-ID, which receivers (and our own inbound path)
  deduplicate.  That window (between the server's "250" and our UPDATE) is the only one left:
  delivery is **at least once, with one Message-ID** (docs/email.md).
"""

import datetime as dt
import email.message
import email.utils
import zoneinfo
import logging
import os
import re
import secrets
import smtplib
import socket
import threading
import uuid
from email.header import Header

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connections
from django.db.models import F, Q
from django.template.loader import render_to_string

from chatdesk.core import clock
from chatdesk.core.tracking import same_secret, ticket_token

from .models import OutboundMail

log = logging.getLogger("chatdesk.mail")
M = OutboundMail.Status

# Marks our own mails, so one that comes back to us is recognised as a loop.
LOOP_HEADER = "X-Chatdesk-Loop"
TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
REPLY_TOKEN_CHARS = 26  # 26 base32 characters = 130 bits (the issue asks for at least 128)


# --- addresses --------------------------------------------------------------------------------
def mail_domain():
    return settings.MAIL["DOMAIN"]


def from_address():
    return settings.MAIL["FROM"] or f"no-reply@{mail_domain()}"


def portal_name():
    return os.environ.get("PORTAL_NAME", "دانشگاه علوم پزشکی استان مرکزی")


def new_message_id():
    return f"<{uuid.uuid4().hex}@{mail_domain()}>"


def public_url(path):
    return settings.CHATDESK_PUBLIC_URL + path


def link_url(ticket):
    """The email link to the case (the tracking page opens it without asking for the contact)."""
    return public_url(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")


def reply_token(ticket):
    # A prefix of the ticket's "reply" HMAC: a local part must stay under 64 characters.
    return ticket_token(ticket, "reply")[:REPLY_TOKEN_CHARS]


def reply_address(ticket):
    """``reply+<code>-<token>@<domain>``: 6 + 13 + 1 + 26 = 46 characters before the @."""
    return f"{settings.MAIL['REPLY_LOCALPART']}+{ticket.code}-{reply_token(ticket)}@{mail_domain()}"


_REPLY_RE = re.compile(r"(?P<local>[^+@\s]+)\+(?P<code>[0-9]{13})-(?P<token>[a-z2-7]+)@(?P<domain>[^@\s]+)", re.IGNORECASE)


def parse_reply_address(address):
    """``(code, token)`` when ``address`` has the shape of our reply address, else None."""
    match = _REPLY_RE.fullmatch((address or "").strip().strip("<>"))
    if not match or match["local"].lower() != settings.MAIL["REPLY_LOCALPART"].lower():
        return None
    return match["code"], match["token"].lower()


def check_reply_token(ticket, token):
    return isinstance(token, str) and len(token) == REPLY_TOKEN_CHARS and same_secret(reply_token(ticket), token.lower())


# --- rendering --------------------------------------------------------------------------------
_LTR_START = re.compile(r"^[\s]*[A-Za-z0-9\[\(<]")


def rtl_text(text):
    """Plain-text mail: a line that begins with a Latin letter or digit gets a right-to-left mark,
    so clients that guess the direction from the first letter still show it right to left."""
    lines = []
    for line in text.splitlines():
        lines.append("\u200f" + line if _LTR_START.match(line) else line)
    return "\n".join(lines).strip() + "\n"


def render(template, context):
    """(subject, text, html) from templates/emails/<template>.subject.txt|.txt|.html."""
    context = {"portal_name": portal_name(), "track_url": public_url("/track/"), **context}
    subject = " ".join(render_to_string(f"emails/{template}.subject.txt", context).split())
    text = rtl_text(render_to_string(f"emails/{template}.txt", context))
    html = render_to_string(f"emails/{template}.html", context)
    return subject[:400], text, html


# --- writing to the outbox ------------------------------------------------------------------
def enqueue(*, kind, to, subject, text, html="", ticket=None, entry=None, conversation=None, headers=None, dedup_key="", now=None):
    """Write one mail to the outbox (call it inside the transaction of the change)."""
    if dedup_key:
        existing = OutboundMail.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    now = now or clock.now()
    message_id = new_message_id()
    base = {
        "Message-ID": message_id,
        "Auto-Submitted": "auto-generated",  # RFC 3834: vacation responders do not answer it
        "X-Auto-Response-Suppress": "OOF, AutoReply",  # the same for Exchange
        LOOP_HEADER: mail_domain(),
    }
    return OutboundMail.objects.create(
        message_id=message_id, kind=kind, ticket=ticket, entry=entry, conversation=conversation, to=to,
        subject=subject, text=text, html=html, headers={**base, **(headers or {})}, dedup_key=dedup_key,
        next_attempt_at=now, created_at=now,
    )


# --- sending ----------------------------------------------------------------------------------
class PersianMail(EmailMultiAlternatives):
    """Django's message with the Subject folded by ``email.header.Header`` with the header name
    known: Django's own folding puts an empty first line after "Subject:" (parsed back with a
    leading space) and ``email.policy.SMTP`` loses spaces between encoded words on Python
    3.10–3.12 (stack notes).  Encoded words carry the spaces inside them, so nothing is lost."""

    def message(self):
        msg = super().message()
        # Django writes Date with "-0000" ("zone unknown", RFC 5322 §3.3) unless told to use the
        # process's local time; the desk states Tehran's offset (+0330) itself.
        del msg["Date"]
        msg["Date"] = email.utils.format_datetime(clock.now().astimezone(TEHRAN))
        del msg["Subject"]
        # Bypass SafeMIME*.__setitem__, which would turn the Header back into a str.
        email.message.Message.__setitem__(msg, "Subject", Header(self.subject, "utf-8", header_name="Subject"))
        # The same for the organisation's Persian name in From (one over-long encoded word else).
        del msg["From"]
        sender = Header(header_name="From")
        sender.append(portal_name()[:100], "utf-8")
        sender.append(f"<{from_address()}>", "us-ascii")
        email.message.Message.__setitem__(msg, "From", sender)
        return msg


def build(mail):
    headers = dict(mail.headers)
    reply_to = headers.pop("Reply-To", None)
    message = PersianMail(
        subject=mail.subject, body=mail.text, from_email=from_address(), to=[mail.to],
        reply_to=[reply_to] if reply_to else None, headers=headers,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def _lease_free(now):
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def claim(now):
    """Take the lease on the next due mail; None when there is none (or others took them)."""
    lease_seconds = settings.MAIL["LEASE_SECONDS"]
    due = (
        OutboundMail.objects.filter(status__in=[M.QUEUED, M.SENDING], next_attempt_at__lte=now)
        .filter(_lease_free(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:20]
    )
    for pk in list(due):
        lease = secrets.token_hex(16)
        won = (
            OutboundMail.objects.filter(pk=pk, status__in=[M.QUEUED, M.SENDING], next_attempt_at__lte=now)
            .filter(_lease_free(now))
            .update(status=M.SENDING, locked_until=now + dt.timedelta(seconds=lease_seconds), lease=lease, attempts=F("attempts") + 1)
        )
        if won:
            return OutboundMail.objects.get(pk=pk)
    return None


def renew(mail):
    """Extend the lease this worker holds on ``mail`` from now; False when it is no longer ours
    (it ran out and another worker took the row)."""
    until = clock.now() + dt.timedelta(seconds=settings.MAIL["LEASE_SECONDS"])
    return bool(OutboundMail.objects.filter(pk=mail.pk, lease=mail.lease, status=M.SENDING).update(locked_until=until))


class LeaseKeeper:
    """``with LeaseKeeper(mail):`` around a send renews the lease every quarter of
    ``LEASE_SECONDS`` from a thread of its own (smtplib blocks the sending thread), so the lease
    runs out only when this process stops renewing it: killed or hung, not slow."""

    def __init__(self, mail):
        self.mail = mail
        self.interval = max(0.05, settings.MAIL["LEASE_SECONDS"] / 4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"chatdesk-mail-lease-{mail.pk}", daemon=True)

    def _run(self):
        try:
            while not self.stop.wait(self.interval):
                try:
                    if not renew(self.mail):
                        log.warning("mail %s: lease lost while sending (another worker may send it too, with the same Message-ID)", self.mail.pk)
                        return
                except Exception:  # noqa: BLE001 — the database may be down; the send goes on
                    log.warning("mail %s: lease renewal failed", self.mail.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        return False


def backoff_seconds(attempts):
    base, ceiling = settings.MAIL["BACKOFF_SECONDS"], settings.MAIL["BACKOFF_MAX_SECONDS"]
    return min(ceiling, base * 2 ** max(0, attempts - 1))


def _permanent(error):
    """A 5xx answer about this message (unknown recipient, refused content): no retry helps."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        return error.smtp_code >= 500
    return False


def _connection_error(error):
    """The server cannot be reached (as opposed to an answer about one message)."""
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)):
        return True
    if isinstance(error, smtplib.SMTPException):  # SMTPException is an OSError too
        return False
    return isinstance(error, (OSError, socket.timeout))


def mark_sent(mail, now):
    done = OutboundMail.objects.filter(pk=mail.pk, lease=mail.lease, status=M.SENDING).update(
        status=M.SENT, sent_at=now, locked_until=None, last_error=""
    )
    if not done:
        log.warning("mail %s was sent after its lease ran out (another worker may resend it with the same Message-ID)", mail.pk)
    return bool(done)


def mark_failed(mail, error, now):
    text = f"{type(error).__name__}: {error}"[:2000]
    permanent = _permanent(error) or mail.attempts >= settings.MAIL["MAX_ATTEMPTS"]
    fields = {"locked_until": None, "last_error": text}
    if permanent:
        fields["status"] = M.FAILED
    else:
        fields.update(status=M.QUEUED, next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(mail.attempts)))
    OutboundMail.objects.filter(pk=mail.pk, lease=mail.lease, status=M.SENDING).update(**fields)
    log.warning("mail %s to %s: attempt %s failed (%s)%s", mail.pk, mail.to, mail.attempts, text, " — giving up" if permanent else "")


def send_due(*, now=None, batch=None):
    """Send what is due, one claimed row at a time (a killed worker holds at most one lease).
    Stops at the first connection error: the server is down, the rest waits for its turn."""
    now = now or clock.now()
    batch = batch or settings.MAIL["BATCH"]
    sent = 0
    connection = None
    try:
        for _ in range(batch):
            # The lease runs from the moment of the claim, not from the start of the batch (a
            # long batch would hand out leases that have already run out).
            mail = claim(max(now, clock.now()))
            if mail is None:
                break
            try:
                with LeaseKeeper(mail):
                    if connection is None:
                        connection = get_connection(fail_silently=False)
                        connection.open()
                    connection.send_messages([build(mail)])
            except Exception as error:  # noqa: BLE001 — every failure is recorded on the row
                mark_failed(mail, error, now)
                _close(connection)
                connection = None
                if _connection_error(error):
                    break
                continue
            if mark_sent(mail, now):
                sent += 1
    finally:
        _close(connection)
    return sent


def _close(connection):
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001
            pass
