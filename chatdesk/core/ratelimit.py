"""Fixed-window rate limits kept in the cache (Redis when scaled out, so every process counts
together; process memory in the embedded default, which runs one process).

    ratelimit.hit("track", ip_address, limit=10, window=600, message="...")

raises ``RateLimited`` once ``limit`` hits were counted for the same key in the window.

Failed guesses (of a chat token) lock an address out for a while, as failed sign-ins do:

    if ratelimit.locked_for("chat-token", address): refuse, whatever the guess
    on a wrong guess: ratelimit.count_failure("chat-token", address, limit=20, window=900, lock_seconds=900)
"""

import hashlib
import time

from django.core.cache import cache

from .errors import RateLimited


def _key(scope, key, window):
    digest = hashlib.sha256(str(key).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"rl:{scope}:{window}:{digest}"


def hit(scope, key, *, limit, window, message=None):
    """Count one attempt; raise RateLimited when this attempt is over the limit."""
    if not key:
        return
    cache_key = _key(scope, key, window)
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    if count > limit:
        raise RateLimited(message, retry_after=window)


def count(scope, key, *, window):
    """The attempts counted for ``key`` in the current window (0 for none or an empty key)."""
    if not key:
        return 0
    return cache.get(_key(scope, key, window)) or 0


def note(scope, key, *, window):
    """Count one attempt without a limit (for a rule that looks at the count elsewhere)."""
    if not key:
        return 0
    cache_key = _key(scope, key, window)
    cache.add(cache_key, 0, timeout=window)
    try:
        return cache.incr(cache_key)
    except ValueError:
        cache.add(cache_key, 1, timeout=window)
        return 1


def reset(scope, key, *, window):
    cache.delete(_key(scope, key, window))


# --- failed guesses: a lock-out, like the sign-in's (core/auth.py) --------------------------------
def _lock_key(scope, key):
    return _key(f"{scope}:lock", key, 0)


def locked_for(scope, key):
    """Seconds until ``key`` (an address) may try again in ``scope`` (0: not locked)."""
    if not key:
        return 0
    until = cache.get(_lock_key(scope, key))
    return max(0, int(until - time.time()) + 1) if until else 0


def count_failure(scope, key, *, limit, window, lock_seconds):
    """Count one failed guess; the ``limit``-th within ``window`` seconds locks ``key`` out of
    ``scope`` for ``lock_seconds``.  Returns True when this failure locked it."""
    if not key:
        return False
    cache_key = _key(f"{scope}:fail", key, window)
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        count = 1
    if count < limit:
        return False
    cache.set(_lock_key(scope, key), time.time() + lock_seconds, timeout=lock_seconds)
    cache.delete(cache_key)
    return True
