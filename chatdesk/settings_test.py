"""Settings for the pytest run: the embedded default plus a fast password hasher.

Integration tests start real server processes with their own environment (PostgreSQL, Redis).
"""

import os

os.environ.setdefault("CHATDESK_FAST_HASHER", "1")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMBEDDED_WORKER = False
