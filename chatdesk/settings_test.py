"""Settings for the pytest run: the embedded default plus a fast password hasher.

Integration tests start real server processes with their own environment (PostgreSQL, Redis).
"""

import os
import tempfile

os.environ.setdefault("CHATDESK_FAST_HASHER", "1")

from .settings import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMBEDDED_WORKER = False

# A file, not SQLite's shared-cache memory database: under real concurrency (the race tests)
# shared cache raises "table is locked" at once instead of waiting like WAL + IMMEDIATE does.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405

    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"chatdesk-test-{os.getpid()}.sqlite3")}  # noqa: F405

# The security question of the public forms is tested on its own (tests/core/test_challenge.py and
# the views that use it, with the setting on); other form tests post without it.
BOT_GUARD = False

# SMS written by the file backend during tests go to a temporary folder, not var/sent-sms/.
import tempfile as _tempfile  # noqa: E402

SMS = {**SMS, "BACKEND": "file", "FILE_PATH": os.path.join(_tempfile.gettempdir(), f"chatdesk-test-sms-{os.getpid()}")}  # noqa: F405
