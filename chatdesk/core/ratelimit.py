"""Fixed-window rate limits kept in the cache (Redis when scaled out, so limits hold across
processes; process memory in the embedded default)."""

from django.core.cache import cache

from . import clock
from .errors import RateLimited


def hit(scope, key, *, limit, window):
    """Count one hit of ``key`` in ``scope``; raise RateLimited past ``limit`` per ``window`` s."""
    bucket = int(clock.now().timestamp() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        retry = int(window - (clock.now().timestamp() % window)) + 1
        raise RateLimited(retry_after=retry)
    return count
