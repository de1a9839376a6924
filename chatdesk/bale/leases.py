"""The lease every Bale queue row is worked under (stored updates and the outbound queue), the
same as the SMS and mail outboxes (chatdesk/sms/outbox.py):

- a row is *claimed* with a conditional UPDATE that takes a lease (``locked_until`` and a
  random ``lease``): of two workers one wins, on SQLite and PostgreSQL alike;
- only the holder of the lease marks it done or failed;
- a worker killed between claim and mark leaves a leased row that another worker claims again
  once the lease has run out.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db.models import F, Q

Q_FREE = "queued", "working"


def _free(now):
    return Q(locked_until__isnull=True) | Q(locked_until__lte=now)


def claim(model, now):
    """Take the lease on the next due row of ``model``; None when there is none."""
    seconds = settings.BALE["LEASE_SECONDS"]
    due = (
        model.objects.filter(status__in=Q_FREE, next_attempt_at__lte=now).filter(_free(now))
        .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:20]
    )
    for pk in list(due):
        lease = secrets.token_hex(16)
        won = (
            model.objects.filter(pk=pk, status__in=Q_FREE, next_attempt_at__lte=now).filter(_free(now))
            .update(status="working", locked_until=now + dt.timedelta(seconds=seconds), lease=lease, attempts=F("attempts") + 1)
        )
        if won:
            return model.objects.get(pk=pk)
    return None


def backoff_seconds(attempts):
    base, ceiling = settings.BALE["BACKOFF_SECONDS"], settings.BALE["BACKOFF_MAX_SECONDS"]
    return min(ceiling, base * 2 ** max(0, attempts - 1))


def mark_done(row, now, **fields):
    """True when this worker still held the lease (the row is now done)."""
    return bool(
        type(row).objects.filter(pk=row.pk, lease=row.lease, status="working").update(
            status="done", done_at=now, locked_until=None, last_error="", **fields
        )
    )


def mark_failed(row, error, now):
    """A passing failure waits with backoff; a permanent one (or the last attempt) is a dead
    letter an admin sees.  Returns True for a dead letter."""
    text = f"{type(error).__name__}: {error}"[:2000]
    permanent = getattr(error, "permanent", False) or row.attempts >= settings.BALE["MAX_ATTEMPTS"]
    fields = {"locked_until": None, "last_error": text}
    if permanent:
        fields["status"] = "failed"
    else:
        fields.update(status="queued", next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(row.attempts)))
    type(row).objects.filter(pk=row.pk, lease=row.lease, status="working").update(**fields)
    return permanent
