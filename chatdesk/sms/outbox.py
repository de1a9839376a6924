"""Sending the SMS outbox (the worker).  The same guarantees as the mail outbox
(chatdesk/mail/outbound.py, docs/email.md):

- a row is *claimed* with a conditional UPDATE that takes a lease (``locked_until`` + a random
  ``lease``): of two workers one wins, on SQLite and PostgreSQL alike;
- only the holder of the lease marks it sent or failed;
- a worker killed between claim and mark leaves a leased row that another worker claims again
  once the lease has run out.  The gateway may then have the message already: the one window left
  is between the gateway's "accepted" and our UPDATE (Kavenegar's ``localid`` and Ghasedak's
  ``clientReferenceId`` carry the row id, so the gateway's report shows a resend for what it is).
"""

import datetime as dt
import logging
import re
import secrets

from django.conf import settings
from django.db.models import F, Q

from chatdesk.core import clock

from . import gateways
from .models import OutboundSms

log = logging.getLogger("chatdesk.sms")
S = OutboundSms.Status


def _lease_free(now):
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def claim(now):
    """Take the lease on the next due SMS; None when there is none (or others took them)."""
    lease_seconds = settings.SMS["LEASE_SECONDS"]
    due = (
        OutboundSms.objects.filter(status__in=[S.QUEUED, S.SENDING], next_attempt_at__lte=now)
        .filter(_lease_free(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:20]
    )
    for pk in list(due):
        lease = secrets.token_hex(16)
        won = (
            OutboundSms.objects.filter(pk=pk, status__in=[S.QUEUED, S.SENDING], next_attempt_at__lte=now)
            .filter(_lease_free(now))
            .update(status=S.SENDING, locked_until=now + dt.timedelta(seconds=lease_seconds), lease=lease, attempts=F("attempts") + 1)
        )
        if won:
            return OutboundSms.objects.get(pk=pk)
    return None


def backoff_seconds(attempts):
    base, ceiling = settings.SMS["BACKOFF_SECONDS"], settings.SMS["BACKOFF_MAX_SECONDS"]
    return min(ceiling, base * 2 ** max(0, attempts - 1))


def redacted(sms):
    """A one-time code's SMS keeps no code once it is sent or given up: the code table holds only
    its hash, and the outbox (which admins read) must not hold it in clear either."""
    return {"text": re.sub(r"[0-9]{4,}", lambda m: "•" * len(m[0]), sms.text)} if sms.kind == OutboundSms.Kind.CODE else {}


def mark_sent(sms, result, backend, now):
    done = OutboundSms.objects.filter(pk=sms.pk, lease=sms.lease, status=S.SENDING).update(
        **redacted(sms),
        status=S.SENT, sent_at=now, locked_until=None, last_error="", backend=backend, provider_id=(result.provider_id or "")[:64],
        delivery=OutboundSms.Delivery.PENDING if result.provider_id else "",
    )
    if not done:
        log.warning("sms %s was sent after its lease ran out (another worker may send it again)", sms.pk)
    return bool(done)


def mark_failed(sms, error, now):
    text = f"{type(error).__name__}: {error}"[:2000]
    permanent = getattr(error, "permanent", False) or sms.attempts >= settings.SMS["MAX_ATTEMPTS"]
    fields = {"locked_until": None, "last_error": text}
    if permanent:
        fields.update(status=S.FAILED, **redacted(sms))
    else:
        fields.update(status=S.QUEUED, next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(sms.attempts)))
    OutboundSms.objects.filter(pk=sms.pk, lease=sms.lease, status=S.SENDING).update(**fields)
    log.warning("sms %s to %s: attempt %s failed (%s)%s", sms.pk, sms.to, sms.attempts, text, " — dead letter" if permanent else "")
    return permanent


def send_due(*, now=None, batch=None, gateway=None):
    """Send what is due, one claimed row at a time (a killed worker holds at most one lease).
    Stops at the first passing failure: the gateway is down or busy, the rest waits its turn."""
    now = now or clock.now()
    batch = batch or settings.SMS["BATCH"]
    gateway = gateway or gateways.get_gateway()
    sent = 0
    for _ in range(batch):
        sms = claim(now)
        if sms is None:
            break
        try:
            result = gateway.send(to=sms.to, text=sms.text, ref=str(sms.pk))
        except Exception as error:  # noqa: BLE001 — every failure is recorded on the row
            mark_failed(sms, error, now)
            if not isinstance(error, gateways.PermanentError):
                break  # the gateway is down or busy: the rest waits for the next tick
            continue
        if mark_sent(sms, result, gateway.name, now):
            sent += 1
    return sent


def check_delivery(*, now=None, gateway=None, limit=100):
    """Ask the gateway about sent messages whose report is still pending (at most every
    REPORT_EVERY_SECONDS each, for REPORT_HOURS after sending) and store the answer on the row."""
    now = now or clock.now()
    gateway = gateway or gateways.get_gateway()
    if not gateway.reports:
        return 0
    config = settings.SMS
    rows = list(
        OutboundSms.objects.filter(
            status=S.SENT, delivery=OutboundSms.Delivery.PENDING, backend=gateway.name,
            sent_at__gte=now - dt.timedelta(hours=config["REPORT_HOURS"]),
        )
        .exclude(provider_id="")
        .filter(Q(delivery_checked_at__isnull=True) | Q(delivery_checked_at__lte=now - dt.timedelta(seconds=config["REPORT_EVERY_SECONDS"])))
        .order_by("sent_at", "id")[:limit]
    )
    if not rows:
        return 0
    answers = gateway.delivery([r.provider_id for r in rows])
    changed = 0
    for row in rows:
        state, detail = answers.get(row.provider_id, (None, ""))
        fields = {"delivery_checked_at": now}
        if state in (gateways.DELIVERED, gateways.UNDELIVERED):
            fields.update(delivery=state, delivery_detail=detail[:200])
            if state == gateways.DELIVERED:
                fields["delivered_at"] = now
            changed += 1
        elif detail:
            fields["delivery_detail"] = detail[:200]
        OutboundSms.objects.filter(pk=row.pk, delivery=OutboundSms.Delivery.PENDING).update(**fields)
    return changed
