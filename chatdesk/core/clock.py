"""The one source of "now" for business rules, so tests can move time (an injected clock)."""

from contextlib import contextmanager

from django.utils import timezone

_frozen = None


def now():
    return _frozen if _frozen is not None else timezone.now()


@contextmanager
def frozen_at(moment):
    """Make ``now()`` return ``moment`` inside the block (tests and simulations only)."""
    global _frozen
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
