"""The built-in LMTP (or SMTP) receiver a mail server delivers to (``manage.py mail_receiver``).

Each message goes to ``inbound.receive`` in a thread; the answer comes after the database commit:
250 when stored (also for a duplicate, a bounce or a rejected message: nothing is bounced back,
so a forged sender gets no backscatter), 451 when processing failed (the MTA retries later), 552
when the message is over the size limit.  LMTP answers once per recipient (RFC 2033)."""

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from . import inbound

log = logging.getLogger("chatdesk.mail")


def _receive(raw, recipients, source, envelope_sender):
    close_old_connections()
    try:
        return inbound.receive(raw, recipients=recipients, source=source, envelope_sender=envelope_sender)
    finally:
        close_old_connections()


class Handler:
    def __init__(self, lmtp=True):
        self.lmtp = lmtp

    async def handle_DATA(self, server, session, envelope):
        recipients = list(envelope.rcpt_tos)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await asyncio.to_thread(_receive, raw, recipients, "lmtp" if self.lmtp else "smtp", envelope.mail_from or "")
            status = "250 2.0.0 OK"
        except Exception:  # noqa: BLE001 — the sending server keeps it and retries
            log.exception("inbound mail from %s could not be stored", envelope.mail_from)
            status = "451 4.3.0 Temporary failure, please try again later"
        if self.lmtp:
            return "\r\n".join([status] * max(1, len(recipients)))
        return status


class ReceiverController(Controller):
    def __init__(self, *, host, port, lmtp=True):
        self.lmtp = lmtp
        super().__init__(
            Handler(lmtp=lmtp), hostname=host, port=port,
            data_size_limit=settings.MAIL["INBOUND_MAX_BYTES"], decode_data=False,
        )

    def factory(self):
        cls = LMTP if self.lmtp else SMTP
        return cls(self.handler, **self.SMTP_kwargs)
