"""chatdesk settings: everything comes from the environment.

Nothing set gives the embedded default (SQLite in WAL mode, in-memory channel layer, the
background worker inside the server process).  ``DATABASE_URL`` switches to PostgreSQL,
``REDIS_URL`` to the Redis pub/sub channel layer and a shared cache (see docs/operations.md).
"""

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CHATDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
DEVELOPMENT_SECRET_KEY = "chatdesk-insecure-development-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Production (docs/security.md): HTTPS only, a real SECRET_KEY, HSTS; `check --deploy` is clean.
PRODUCTION = env_bool("CHATDESK_PRODUCTION", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "chatdesk.core",
    "chatdesk.directory",
    "chatdesk.chats",
    "chatdesk.tickets",
    "chatdesk.sms",
    "chatdesk.bale",
    "chatdesk.mail",
    "chatdesk.desk",
    "chatdesk.reports",
    "chatdesk.site",
]
# django-jalali is used as a library (its form field: chatdesk/core/forms.py) and deliberately not
# installed here: an installed app's static files are collected, and its jQuery UI stylesheet
# names images it does not ship, which breaks collectstatic with hashed names (its issue #294;
# tests/core/test_static_hashed.py).  Its models module is empty; nothing else needs installing.

MIDDLEWARE = [
    "chatdesk.core.security.security_headers_middleware",  # CSP and friends (docs/security.md)
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chatdesk.core.auth.SessionLifetimeMiddleware",  # idle and absolute session limits
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chatdesk.core.admin_locale.persian_digits_middleware",  # Persian digits in admin pages' text
]

ROOT_URLCONF = "chatdesk.urls"
ASGI_APPLICATION = "chatdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chatdesk.core.context.portal",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # No persistent connections (CONN_MAX_AGE 0): under ASGI Django runs each HTTP request's sync
    # code in a thread of its own (asgiref's ThreadSensitiveContext), so a persistent connection
    # per thread leaked connections until PostgreSQL refused new clients (measured with bench/;
    # docs/performance.md).  A connection per request or consumer call is the price; the health
    # check only matters if CONN_MAX_AGE is raised for a worker-only process.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", 0)), conn_health_checks=True)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "chatdesk.sqlite3")),
            # IMMEDIATE avoids "database is locked" on read-to-write upgrades (stack notes).
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- channel layer and cache ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatdesk.core.layer.PubSubLayer",  # channels_redis pub/sub, publishing in pipelines
            "CONFIG": {
                # redis-py 8: 5 s default read timeout kills idle consumers; the 100-connection
                # pool cap raises instead of waiting (stack notes).
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 5000}],
                # Redis pub/sub ignores the database number: two deployments sharing one Redis
                # would hear each other's groups (both have a "conv.1.citizen").  Prefix by it.
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX") or f"chatdesk.db{urlparse(REDIS_URL).path.strip('/') or 0}.",
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The worker runs inside the server process unless told otherwise (embedded default).
EMBEDDED_WORKER = env_bool("CHATDESK_EMBEDDED_WORKER", not REDIS_URL)

# --- auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("CHATDESK_FAST_HASHER"):  # test runs only: Argon2 per login is slow on 2 cores
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["chatdesk.core.auth.LockoutModelBackend"]  # lock-out after failures
LOGIN_LOCKOUT = {
    "USERNAME_FAILURES": int(os.environ.get("LOGIN_USERNAME_FAILURES", 5)),
    # Higher: a whole office often signs in from one NAT address.
    "ADDRESS_FAILURES": int(os.environ.get("LOGIN_ADDRESS_FAILURES", 20)),
    "WINDOW": int(os.environ.get("LOGIN_FAILURE_WINDOW", 15 * 60)),
    "LOCK_SECONDS": int(os.environ.get("LOGIN_LOCK_SECONDS", 15 * 60)),
}
# How many reverse proxies (nginx) stand in front: the client address is then taken from
# X-Forwarded-For, that many entries from the right (core/auth.client_address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE  # signed out this long after signing in, whatever happens
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", 3600))  # ... or after this long idle
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "chatdesk.core.views.csrf_failure"  # Persian, in the portal layout (templates/403_csrf.html)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("CHATDESK_PRODUCTION=1 needs SECRET_KEY: 50+ random characters from the environment")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # nginx terminates TLS and must send "X-Forwarded-Proto: https" (docs/operations.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # local health probes speak plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fa"
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # fills gaps in Django's Persian catalogue (admin messages)

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
SERVESTATIC_USE_FINDERS = True  # serve straight from static/ without collectstatic in dev/embedded
SERVESTATIC_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("CHATDESK_MEDIA_ROOT", VAR_DIR / "media"))  # never served publicly

# --- chat limits (design rule 9: limits are explicit) ---------------------------------------
CHAT = {
    "MAX_MESSAGE_CHARS": int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", 2000)),
    "MAX_FRAME_BYTES": int(os.environ.get("CHAT_MAX_FRAME_BYTES", 16 * 1024)),
    "MESSAGES_PER_MINUTE": int(os.environ.get("CHAT_MESSAGES_PER_MINUTE", 30)),
    "CHATS_PER_HOUR_PER_ADDRESS": int(os.environ.get("CHAT_CHATS_PER_HOUR_PER_ADDRESS", 10)),
    "HELLO_TIMEOUT_SECONDS": 10,
    # Wrong chat tokens from one address (a socket's hello, the chat's HTTP calls): this many
    # within the window lock the address out for the lock time, as failed sign-ins do.
    "TOKEN_FAILURES_PER_ADDRESS": int(os.environ.get("CHAT_TOKEN_FAILURES_PER_ADDRESS", 20)),
    "TOKEN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "TOKEN_LOCK_SECONDS": int(os.environ.get("CHAT_TOKEN_LOCK_SECONDS", 15 * 60)),
    # How long an official whose console disconnected stays "on duty" before going offline.
    "PRESENCE_GRACE_SECONDS": int(os.environ.get("CHAT_PRESENCE_GRACE_SECONDS", 30)),
    # A console connection not heard from for this long is considered dead (process killed).
    "CONNECTION_STALE_SECONDS": int(os.environ.get("CHAT_CONNECTION_STALE_SECONDS", 90)),
    # Threads (each with its own kept database connection) running the sockets' database work
    # in each server process; their waits for PostgreSQL overlap (consumers/base.py).  Two, not
    # more: each thread contends for the GIL with the event loop, and with four the desk spent
    # ×1.5 the CPU per message of two at the same load (docs/performance.md, #22); two still let
    # a slow call (a history page) leave the other thread writing messages.
    "SOCKET_DB_THREADS": int(os.environ.get("CHAT_SOCKET_DB_THREADS", 2)),
    # How often an open widget start form asks whether its unit can be reached live (seconds).
    "UNIT_STATE_POLL_SECONDS": max(1, int(os.environ.get("CHAT_UNIT_STATE_POLL_SECONDS", 10))),
}
UPLOADS = {
    "MAX_BYTES": int(os.environ.get("CHATDESK_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)),
    # A service's checklist may ask for seven documents or more (one upload each).
    "MAX_FILES": int(os.environ.get("CHATDESK_UPLOAD_MAX_FILES", 10)),
    # Images larger than this (width × height) are refused before decoding (decompression bombs).
    "MAX_PIXELS": int(os.environ.get("CHATDESK_UPLOAD_MAX_PIXELS", 40_000_000)),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An oversized file part is dropped while it streams in (core/uploads.py), before Django's own
# handlers keep it in memory or in a temporary file.
FILE_UPLOAD_HANDLERS = [
    "chatdesk.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The public forms' security question (chatdesk/core/challenge.py); the unit tests turn it off
# except where they test it, the browser tests run with it on.
BOT_GUARD = os.environ.get("CHATDESK_BOT_GUARD", "1") == "1"
TICKETS = {
    # Tracking lookups per address (wrong and right alike) in a window; and per code.
    "LOOKUPS_PER_ADDRESS": int(os.environ.get("CHATDESK_LOOKUPS_PER_ADDRESS", 10)),
    # Failed lookups of one code (from anywhere) after which the code counts as being guessed:
    # then an address that failed LOOKUP_FAILURES_PER_CODE_AND_ADDRESS times on it is refused
    # (others, the owner among them, still pass with the right contact).
    "LOOKUPS_PER_CODE": int(os.environ.get("CHATDESK_LOOKUPS_PER_CODE", 10)),
    "LOOKUP_FAILURES_PER_CODE_AND_ADDRESS": int(os.environ.get("CHATDESK_LOOKUP_FAILURES_PER_CODE_AND_ADDRESS", 3)),
    "LOOKUP_WINDOW_SECONDS": 15 * 60,
    "FOLLOW_UPS_PER_HOUR": int(os.environ.get("CHATDESK_FOLLOW_UPS_PER_HOUR", 20)),
    # Cases opened per address in an hour, whatever the form (the forms add their own limit).
    "OPENINGS_PER_HOUR": int(os.environ.get("CHATDESK_OPENINGS_PER_HOUR", 20)),
    # Share of an SLA target after which the console warns (0.75: a quarter is left).
    "SLA_WARN_FRACTION": 0.75,
    # A resolved ticket the citizen does not answer closes after this many days.
    "AUTO_CLOSE_DAYS": int(os.environ.get("CHATDESK_AUTO_CLOSE_DAYS", 7)),
    # Statutory response deadlines in working days of the Iranian calendar, per kind of case
    # (docs/tickets.md#statutory-deadlines); a unit's response_days or a service's own value wins.
    "STATUTORY_DAYS": {"complaint": 15, "report": 15, "default": 30},
}
REPORTS = {"RATING_CHANGE_DAYS": int(os.environ.get("CHATDESK_RATING_CHANGE_DAYS", 7)), "RATING_OPEN_DAYS": int(os.environ.get("CHATDESK_RATING_OPEN_DAYS", 30)), "RATINGS_PER_HOUR_PER_ADDRESS": 30, "API_REQUESTS_PER_MINUTE": 60}  # docs/reports.md
WORKER_INTERVAL_SECONDS = float(os.environ.get("CHATDESK_WORKER_INTERVAL", 2))

# Logs go to standard error: plain lines, or one JSON object per line with CHATDESK_LOG_FORMAT=json
# (chatdesk/core/logging.py; docs/operations.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "chatdesk.core.logging.JsonFormatter"},
    },
    "filters": {"unlogged_client": {"()": "chatdesk.core.logging.UnloggedClientFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["unlogged_client"],
            "formatter": "json" if os.environ.get("CHATDESK_LOG_FORMAT", "").strip().lower() == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint (the case record) and fontTools narrate every document at INFO: warnings only.
    "loggers": {"django.channels.server": {"level": "WARNING"}, "daphne": {"level": "WARNING"},
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Jobs the worker runs on every tick (each takes ``now``; all state is in the database).
WORKER_JOBS = [
    "chatdesk.directory.services.presence_sweep",
    "chatdesk.chats.services.routing_sweep",
    "chatdesk.chats.greeting.waiting_message_sweep",  # a unit's waiting message, once, to a chat waiting past its minutes
    "chatdesk.chats.services.queue_refresh_sweep",  # waiting citizens' estimates follow their wait (every 30 s)
    "chatdesk.tickets.escalation.escalation_sweep",
    "chatdesk.tickets.sweeps.sla_sweep",
    "chatdesk.tickets.sweeps.auto_close_sweep",
    "chatdesk.tickets.sweeps.statutory_sweep",  # a case past its statutory deadline goes up to a supervisor, once
    "chatdesk.desk.meetings.meeting_reminder_sweep",  # a confirmed meeting's reminder, once
    "chatdesk.reports.services.metrics_sweep",  # office-hours durations of cases for the reports
    "chatdesk.site.retention.retention_job",  # anonymise closed cases after RETENTION_DAYS (hourly)
]

# Personal data of cases closed more than this many days ago is anonymised (site/retention.py;
# docs/security.md#retention).  0 turns retention off.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "730"))

# --- email (issue #5; docs/email.md) ----------------------------------------------------------
# Absolute links in emails (the tracking page, the rating link) are built on this address.  Set it
# in production (https://desk.example.ir).  Unset, it is the address `manage.py serve` listens on:
# HOST/PORT here (so `PORT=9000 make run` mails links to port 9000), and `serve --port` sets it
# again for its own process (docs/operations.md#links-in-emails).
CHATDESK_PUBLIC_URL_CONFIGURED = bool(os.environ.get("CHATDESK_PUBLIC_URL", "").strip())


def local_public_url(host, port):
    """The address a person on this machine opens for a server bound to ``host``:``port``."""
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
    return f"http://{host}:{port}"


CHATDESK_PUBLIC_URL = (
    os.environ.get("CHATDESK_PUBLIC_URL", "").strip() or local_public_url(os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))
).rstrip("/")
# Outbound goes through Django's SMTP backend when EMAIL_HOST is set.  Without it (the embedded
# default of `make run`) mails are written to files in var/sent-mail/ instead, so a demo sends
# nothing to anybody; EMAIL_BACKEND overrides either choice.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 30))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "sent-mail"))
MAIL = {
    # The domain of Message-IDs and of the reply address reply+<code>-<token>@<domain>: it must
    # deliver to the LMTP receiver or the IMAP mailbox below.
    "DOMAIN": os.environ.get("CHATDESK_MAIL_DOMAIN", "desk.localhost"),
    "FROM": os.environ.get("CHATDESK_MAIL_FROM", ""),  # default: no-reply@<DOMAIN>
    "REPLY_LOCALPART": os.environ.get("CHATDESK_MAIL_REPLY_LOCALPART", "reply"),
    # Unit code receiving mail sent to the desk's own addresses with nothing to route by (empty:
    # such mail is stored as rejected "no_route").
    "DEFAULT_UNIT": os.environ.get("CHATDESK_MAIL_DEFAULT_UNIT", ""),
    # Outbox: attempts, exponential backoff between BACKOFF_SECONDS and BACKOFF_MAX_SECONDS, and
    # the lease a sending worker holds on a row: renewed every quarter of it while the send
    # lasts, so it bounds only how long a mail held by a killed worker waits (docs/email.md).
    "MAX_ATTEMPTS": int(os.environ.get("CHATDESK_MAIL_MAX_ATTEMPTS", 15)),
    "BACKOFF_SECONDS": int(os.environ.get("CHATDESK_MAIL_BACKOFF_SECONDS", 30)),
    "BACKOFF_MAX_SECONDS": int(os.environ.get("CHATDESK_MAIL_BACKOFF_MAX_SECONDS", 3600)),
    "LEASE_SECONDS": int(os.environ.get("CHATDESK_MAIL_LEASE_SECONDS", 60)),
    "BATCH": int(os.environ.get("CHATDESK_MAIL_BATCH", 50)),
    # Inbound
    "INBOUND_MAX_BYTES": int(os.environ.get("CHATDESK_MAIL_INBOUND_MAX_BYTES", 25 * 1024 * 1024)),
    "INBOUND_PER_SENDER_PER_HOUR": int(os.environ.get("CHATDESK_MAIL_INBOUND_PER_SENDER_PER_HOUR", 30)),
    "LMTP_HOST": os.environ.get("CHATDESK_LMTP_HOST", "127.0.0.1"),
    "LMTP_PORT": int(os.environ.get("CHATDESK_LMTP_PORT", 2424)),
    # IMAP polling (worker job chatdesk.mail.services.imap_poll): off unless IMAP_HOST is set.
    "IMAP_HOST": os.environ.get("CHATDESK_IMAP_HOST", ""),
    "IMAP_PORT": int(os.environ.get("CHATDESK_IMAP_PORT", 993)),
    "IMAP_SSL": env_bool("CHATDESK_IMAP_SSL", True),
    "IMAP_USER": os.environ.get("CHATDESK_IMAP_USER", ""),
    "IMAP_PASSWORD": os.environ.get("CHATDESK_IMAP_PASSWORD", ""),
    "IMAP_FOLDER": os.environ.get("CHATDESK_IMAP_FOLDER", "INBOX"),
    # After a message is stored: "seen" (flag it \Seen) or "delete" (flag \Deleted and expunge).
    "IMAP_AFTER": os.environ.get("CHATDESK_IMAP_AFTER", "seen"),
    "IMAP_TIMEOUT": int(os.environ.get("CHATDESK_IMAP_TIMEOUT", 30)),
}
WORKER_JOBS += [
    "chatdesk.mail.services.outbox_send",
    "chatdesk.mail.services.imap_poll",
]

# --- SMS (issue #19; docs/operations.md#sms) ------------------------------------------------------
# CHATDESK_SMS_BACKEND: "file" (the embedded default: each SMS is written to var/sent-sms/ and the
# log, nothing leaves the machine), "kavenegar", "ghasedak" or "smsir".  Each gateway takes its
# API key and sender line from the environment; CHATDESK_SMS_API_URL overrides the gateway's
# address (the tests point it at a local server that speaks the gateway's API).
SMS = {
    "BACKEND": os.environ.get("CHATDESK_SMS_BACKEND", "file").strip().lower(),
    "API_KEY": os.environ.get("CHATDESK_SMS_API_KEY", ""),
    "SENDER": os.environ.get("CHATDESK_SMS_SENDER", ""),  # the sender line (e.g. 10004346, 3000xxxx)
    "API_URL": os.environ.get("CHATDESK_SMS_API_URL", ""),  # empty: the gateway's public address
    "TIMEOUT": float(os.environ.get("CHATDESK_SMS_TIMEOUT", 10)),
    "FILE_PATH": os.environ.get("CHATDESK_SMS_FILE_PATH", str(VAR_DIR / "sent-sms")),
    # Every SMS the desk writes fits in this many segments (70/67 Persian characters, 160/153 Latin).
    "MAX_SEGMENTS": int(os.environ.get("CHATDESK_SMS_MAX_SEGMENTS", 2)),
    # Outbox: as the mail outbox (attempts, backoff, lease; docs/operations.md#sms).
    "MAX_ATTEMPTS": int(os.environ.get("CHATDESK_SMS_MAX_ATTEMPTS", 10)),
    "BACKOFF_SECONDS": int(os.environ.get("CHATDESK_SMS_BACKOFF_SECONDS", 30)),
    "BACKOFF_MAX_SECONDS": int(os.environ.get("CHATDESK_SMS_BACKOFF_MAX_SECONDS", 3600)),
    "LEASE_SECONDS": int(os.environ.get("CHATDESK_SMS_LEASE_SECONDS", 120)),
    "BATCH": int(os.environ.get("CHATDESK_SMS_BATCH", 50)),
    # Delivery reports: ask the gateway about sent messages for this long after sending.
    "REPORT_HOURS": int(os.environ.get("CHATDESK_SMS_REPORT_HOURS", 24)),
    "REPORT_EVERY_SECONDS": int(os.environ.get("CHATDESK_SMS_REPORT_EVERY_SECONDS", 300)),
    # One-time codes for /track/: lifetime, wrong tries per code, codes per mobile / address per hour.
    "CODE_TTL_SECONDS": int(os.environ.get("CHATDESK_SMS_CODE_TTL_SECONDS", 300)),
    "CODE_ATTEMPTS": int(os.environ.get("CHATDESK_SMS_CODE_ATTEMPTS", 5)),
    "CODES_PER_MOBILE_PER_HOUR": int(os.environ.get("CHATDESK_SMS_CODES_PER_MOBILE_PER_HOUR", 3)),
    "CODES_PER_ADDRESS_PER_HOUR": int(os.environ.get("CHATDESK_SMS_CODES_PER_ADDRESS_PER_HOUR", 10)),
    # On: /track/ no longer opens a case on code + mobile alone; a mobile needs the SMS code.
    "TRACK_MOBILE_NEEDS_CODE": env_bool("CHATDESK_TRACK_MOBILE_NEEDS_CODE", False),
}
WORKER_JOBS += [
    "chatdesk.sms.services.sms_send_due",
    "chatdesk.sms.services.sms_delivery_sweep",
]

# The Bale messenger bot (chatdesk/bale, docs/operations.md#bale).  MODE: "off" (the default),
# "webhook" (Bale posts to /bale/webhook/<WEBHOOK_SECRET>/) or "polling" (getUpdates).
BALE = {
    "TOKEN": os.environ.get("CHATDESK_BALE_TOKEN", ""),
    "MODE": os.environ.get("CHATDESK_BALE_MODE", "off").strip().lower(),
    "API_URL": os.environ.get("CHATDESK_BALE_API_URL", "https://tapi.bale.ai"),
    "WEBHOOK_SECRET": os.environ.get("CHATDESK_BALE_WEBHOOK_SECRET", ""),
    "TIMEOUT": float(os.environ.get("CHATDESK_BALE_TIMEOUT", 10)),
    "MAX_ATTEMPTS": int(os.environ.get("CHATDESK_BALE_MAX_ATTEMPTS", 10)),
    "BACKOFF_SECONDS": int(os.environ.get("CHATDESK_BALE_BACKOFF_SECONDS", 15)),
    "BACKOFF_MAX_SECONDS": int(os.environ.get("CHATDESK_BALE_BACKOFF_MAX_SECONDS", 1800)),
    "LEASE_SECONDS": int(os.environ.get("CHATDESK_BALE_LEASE_SECONDS", 120)),
    "BATCH": int(os.environ.get("CHATDESK_BALE_BATCH", 50)),
}
if BALE["MODE"] not in ("off", "webhook", "polling"):
    raise ImproperlyConfigured("CHATDESK_BALE_MODE must be off, webhook or polling")
WORKER_JOBS += [
    "chatdesk.bale.services.bale_poll",
    "chatdesk.bale.services.bale_process_due",
    "chatdesk.bale.services.bale_send_due",
]
