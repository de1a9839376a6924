"""The one source of "now" for business rules, so tests can move time (an injected clock).

Two ways to move it:

* ``frozen_at(moment)``: inside the block ``now()`` returns ``moment`` and stands still (tests).
* ``CHATDESK_CLOCK_AT``: an ISO-8601 instant in the environment (``2026-12-07T10:00+03:30``) makes a
  process's clock start at that instant and run on in real time from there.  It is for server
  processes started by tests and for demos ("what does the desk do on a Friday night?"); it moves
  only this clock, which every rule about office hours, duty, SLA and escalation reads.  Timestamps
  that Django writes by itself (``auto_now_add``) stay on the real clock.
"""

import datetime as dt
import os
from contextlib import contextmanager

from django.utils import timezone

ENV = "CHATDESK_CLOCK_AT"

_frozen = None


def _offset_from(value):
    """The difference between the instant ``value`` names and the real time now."""
    if not value:
        return dt.timedelta(0)
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{ENV} must be an ISO-8601 instant with its offset, such as 2026-12-07T10:00+03:30: {value!r}") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{ENV} needs an offset (for example +03:30 for Tehran): {value!r}")
    return moment - dt.datetime.now(dt.timezone.utc)


_offset = _offset_from(os.environ.get(ENV, ""))


def now():
    if _frozen is not None:
        return _frozen
    return timezone.now() + _offset if _offset else timezone.now()


def parse(value):
    """The offset that ``CHATDESK_CLOCK_AT=value`` gives (ValueError for a value without a zone)."""
    return _offset_from(value)


@contextmanager
def frozen_at(moment):
    """Make ``now()`` return ``moment`` inside the block (tests and simulations only)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
