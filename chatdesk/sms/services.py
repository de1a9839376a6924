"""Writes of the SMS app: the one place callers above (tickets, desk) enqueue an SMS through,
the opt-out list, the one-time codes, and the worker jobs (sending, delivery reports).

Every enqueue is called inside the caller's transaction: an SMS exists exactly when the change
does, and the worker sends it after the commit (outbox.py).  Nothing here raises for a missing or
malformed mobile: a case without a usable mobile simply gets no SMS.
"""

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.db import transaction

from chatdesk.core import clock, ratelimit
from chatdesk.core.errors import ValidationError
from chatdesk.core.persian import to_latin_digits

from . import outbox, segments, texts
from .selectors import clean_mobile
from .models import OneTimeCode, OutboundSms, SmsOptOut

log = logging.getLogger("chatdesk.sms")
K = OutboundSms.Kind


# --- the outbox ---------------------------------------------------------------------------------
def sms_enqueue(*, kind, to, text, case_code="", dedup_key="", now=None):
    """Write one SMS to the outbox; None when ``to`` is not a mobile or (for notices) opted out.
    The text must fit in ``SMS["MAX_SEGMENTS"]`` (``texts`` builds texts that do)."""
    to = clean_mobile(to)
    if not to:
        return None
    if kind != K.CODE and SmsOptOut.objects.filter(mobile=to).exists():
        return None
    parts = segments.count(text)
    if not text or parts > settings.SMS["MAX_SEGMENTS"]:
        raise ValueError(f"an SMS of {parts} segments is over the limit of {settings.SMS['MAX_SEGMENTS']}")
    if dedup_key:
        existing = OutboundSms.objects.filter(dedup_key=dedup_key).first()
        if existing is not None:
            return existing
    now = now or clock.now()
    return OutboundSms.objects.create(
        kind=kind, to=to, text=text, segments=parts, encoding=segments.encoding(text), case_code=case_code or "",
        dedup_key=dedup_key, next_attempt_at=now, created_at=now,
    )


def _notice(kind, mobile, build, *, code, dedup_key):
    """Enqueue a notice built by ``build()``; a text that cannot be built within the segment
    limit is logged, never raised: the caller's change (a case, a reply) must not fail for it."""
    if not clean_mobile(mobile):
        return None
    try:
        text = build()
    except ValueError:
        log.error("SMS %s for case %s not sent: no template fits in %s segments (CHATDESK_PUBLIC_URL too long?)", kind, code, settings.SMS["MAX_SEGMENTS"])
        return None
    return sms_enqueue(kind=kind, to=mobile, text=text, case_code=code, dedup_key=dedup_key)


def sms_case_opened(*, mobile, code, unit_name, kind_label="درخواست", dedup_key=""):
    """The tracking code of a case just opened (ticket, request, complaint, meeting request)."""
    return _notice(K.CREATED, mobile, lambda: texts.case_opened(code=code, unit_name=unit_name, kind_label=kind_label), code=code, dedup_key=dedup_key)


def sms_official_replied(*, mobile, code, unit_name, status_text="", dedup_key=""):
    """A public reply of an official (its text is not sent: the link opens it)."""
    return _notice(K.REPLY, mobile, lambda: texts.official_replied(code=code, unit_name=unit_name, status_text=status_text), code=code, dedup_key=dedup_key)


def sms_status_changed(*, mobile, code, unit_name, status_text, dedup_key=""):
    return _notice(K.STATUS, mobile, lambda: texts.status_changed(code=code, unit_name=unit_name, status_text=status_text), code=code, dedup_key=dedup_key)


def sms_meeting(*, mobile, event, code, person_name, slot_text="", dedup_key=""):
    """A meeting offered, confirmed, cancelled, or its reminder."""
    if event not in texts.MEETING_TEMPLATES:
        return None
    return _notice(K.MEETING, mobile, lambda: texts.meeting(event=event, code=code, person_name=person_name, slot_text=slot_text), code=code, dedup_key=dedup_key)


def sms_reply_add_status(*, dedup_key, code, unit_name, status_text):
    """A reply that set the status in the same step: its SMS, not yet picked up by a worker, says
    the new status too.  True when amended; False when there is none (or it is on its way): the
    caller then sends the status notice on its own."""
    try:
        text = texts.official_replied(code=code, unit_name=unit_name, status_text=status_text)
    except ValueError:
        return False
    if segments.count(text) > settings.SMS["MAX_SEGMENTS"] or not dedup_key:
        return False
    return bool(
        OutboundSms.objects.filter(dedup_key=dedup_key, status=OutboundSms.Status.QUEUED, attempts=0).update(
            text=text, segments=segments.count(text), encoding=segments.encoding(text)
        )
    )


def sms_retry(*, sms_id, now=None):
    """Send a failed (dead-letter) or waiting SMS again at the next tick, with a fresh count of
    attempts.  A sent one, or one a worker holds right now, is left alone.  1 when retried."""
    now = now or clock.now()
    return OutboundSms.objects.filter(pk=sms_id).exclude(status=OutboundSms.Status.SENT).filter(locked_until__isnull=True).update(
        status=OutboundSms.Status.QUEUED, attempts=0, next_attempt_at=now, last_error=""
    )


def sms_send_due(*, now=None):
    """Worker job: send every due SMS (retries with backoff, dead letter; see outbox.py)."""
    return outbox.send_due(now=now)


def sms_delivery_sweep(*, now=None):
    """Worker job: fetch delivery reports for sent messages from gateways that give them."""
    return outbox.check_delivery(now=now)


# --- opt-out ------------------------------------------------------------------------------------
def sms_opt_out(*, mobile, source="track", now=None):
    """No more notices to this mobile (codes it asks for still go).  Idempotent."""
    mobile = clean_mobile(mobile)
    if not mobile:
        raise ValidationError("شماره همراه نامعتبر است.", code="invalid_mobile", field="mobile")
    with transaction.atomic():
        optout, _created = SmsOptOut.objects.get_or_create(mobile=mobile, defaults={"source": source[:40], "created_at": now or clock.now()})
        # Notices still waiting in the outbox are not sent either.
        OutboundSms.objects.filter(to=mobile, status=OutboundSms.Status.QUEUED, attempts=0).exclude(kind=K.CODE).delete()
    return optout


def sms_opt_in(*, mobile):
    mobile = clean_mobile(mobile)
    return SmsOptOut.objects.filter(mobile=mobile).delete()[0] if mobile else 0


# --- one-time codes -------------------------------------------------------------------------------
CODE_DIGITS = 6


def _code_hash(subject, mobile, code):
    message = f"chatdesk.sms.code:{subject}:{mobile}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def code_issue(*, subject, mobile, address=None, now=None):
    """Send a new one-time code for ``subject`` to ``mobile`` (the caller has checked that this
    mobile belongs to the subject).  Limits: CODES_PER_MOBILE_PER_HOUR per mobile and
    CODES_PER_ADDRESS_PER_HOUR per client address; an earlier unused code stops working."""
    config = settings.SMS
    mobile = clean_mobile(mobile)
    if not mobile:
        raise ValidationError("شماره همراه نامعتبر است.", code="invalid_mobile", field="mobile")
    message = "کد زیادی درخواست شده است؛ لطفاً یک ساعت دیگر دوباره تلاش کنید."
    ratelimit.hit("sms-code-address", address, limit=config["CODES_PER_ADDRESS_PER_HOUR"], window=3600, message=message)
    ratelimit.hit("sms-code-mobile", mobile, limit=config["CODES_PER_MOBILE_PER_HOUR"], window=3600, message=message)
    now = now or clock.now()
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    ttl = config["CODE_TTL_SECONDS"]
    with transaction.atomic():
        OneTimeCode.objects.filter(subject=subject, mobile=mobile, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        row = OneTimeCode.objects.create(subject=subject, mobile=mobile, code_hash=_code_hash(subject, mobile, code), created_at=now, expires_at=now + dt.timedelta(seconds=ttl))
        sms_enqueue(kind=K.CODE, to=mobile, text=texts.one_time_code(otp=code, minutes=max(1, ttl // 60)), dedup_key=f"code:{row.pk}", now=now)
    return row


def code_verify(*, subject, mobile, code, now=None):
    """True when ``code`` is the live code for (subject, mobile); it is then used up.  A wrong
    code counts against the code's CODE_ATTEMPTS; after them, or after the expiry, a new code is
    needed.  Raises ValidationError with a Persian message for every refusal."""
    now = now or clock.now()
    mobile = clean_mobile(mobile)
    typed = to_latin_digits("".join(ch for ch in str(code or "") if not ch.isspace()))
    refused = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(subject=subject, mobile=mobile, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            refused = ("کد منقضی شده یا درخواست نشده است؛ کد تازه‌ای بگیرید.", "code_expired")
        elif row.attempts >= settings.SMS["CODE_ATTEMPTS"]:
            refused = ("تلاش‌های نادرست بیش از حد مجاز بود؛ کد تازه‌ای بگیرید.", "code_locked")
        elif not (len(typed) == CODE_DIGITS and typed.isdigit() and hmac.compare_digest(row.code_hash, _code_hash(subject, mobile, typed))):
            OneTimeCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)  # committed: the refusal is outside
            refused = ("کد واردشده درست نیست.", "code_wrong")
        else:
            OneTimeCode.objects.filter(pk=row.pk).update(used_at=now)
    if refused:
        raise ValidationError(refused[0], code=refused[1], field="otp")
    return True
