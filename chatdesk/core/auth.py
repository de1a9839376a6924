"""Staff sign-in hardening: lock-out after repeated failures, session lifetime, and closing the
console sockets of a session that ends (docs/security.md).

Lock-out
    Every failed password check counts against the username (folded to lower case) and against
    the client address, in the cache (Redis when scaled out, so every process counts together).
    ``LOGIN_LOCKOUT["USERNAME_FAILURES"]`` failures for one username, or
    ``LOGIN_LOCKOUT["ADDRESS_FAILURES"]`` from one address, within ``WINDOW`` seconds lock that
    username (or address) for ``LOCK_SECONDS``.  While locked, even the right password is
    refused, or guessing would simply go on.  A successful sign-in clears the *username's*
    count only: an attacker who owns one account must not be able to wipe the count of the
    address they are guessing other accounts from.  The check runs in an authentication backend,
    so the console login and the admin login are both covered.

Session lifetime
    ``SessionLifetimeMiddleware`` ends a signed-in session after ``SESSION_IDLE_SECONDS`` without
    a request, and in any case ``SESSION_ABSOLUTE_SECONDS`` after sign-in.  An open console
    socket counts as activity (its heartbeat, :func:`console_session_alive`).

Closing sockets
    Every console socket joins a group per session (``realtime.group_session``).  Logging out
    (console or admin) closes that session's sockets; deactivating a user closes all of the
    user's (``realtime.close_official_sockets``).  Both go through the channel layer to every
    process.  The layer is at-most-once, so each console socket also re-checks its session and
    account on its heartbeat and closes itself if either is gone.
"""

import hashlib
from importlib import import_module
import logging
import time

from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver

from . import realtime
from .persian import to_persian_digits

log = logging.getLogger("chatdesk.auth")

LOGIN_AT = "_chatdesk_login_at"
SEEN_AT = "_chatdesk_seen_at"
SEEN_WRITE_EVERY = 60  # seconds: the session is saved at most this often for the idle clock

LOCKED_MESSAGE = (
    "به دلیل چند تلاش ناموفق پیاپی، ورود با این نام کاربری یا از این نشانی موقتاً بسته شده است. "
    "لطفاً {minutes} دقیقهٔ دیگر دوباره تلاش کنید."
)


def _limits():
    defaults = {"USERNAME_FAILURES": 5, "ADDRESS_FAILURES": 20, "WINDOW": 15 * 60, "LOCK_SECONDS": 15 * 60}
    return {**defaults, **getattr(settings, "LOGIN_LOCKOUT", {})}


# --- client address ---------------------------------------------------------------------------
def client_address(request):
    """The client's address.  Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (nginx) it is taken
    from ``X-Forwarded-For``, counting that many entries from the right: the left part of the
    header is whatever the client sent and cannot be trusted."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return remote


# --- lock-out ---------------------------------------------------------------------------------
def _digest(value):
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _keys(kind, value):
    digest = _digest(value)
    return f"login:fail:{kind}:{digest}", f"login:lock:{kind}:{digest}"


def _username_key(username):
    return auth.get_user_model().normalize_username(str(username or "")).strip().lower()


def lock_remaining(username, address):
    """Seconds until sign-in opens again for this username and address (0: not locked)."""
    remaining = 0
    now = time.time()
    for kind, value in (("user", _username_key(username)), ("addr", address)):
        if not value:
            continue
        until = cache.get(_keys(kind, value)[1])
        if until:
            remaining = max(remaining, int(until - now) + 1)
    return remaining


def _count_failure(kind, value, limit, limits):
    if not value:
        return False
    count_key, lock_key = _keys(kind, value)
    cache.add(count_key, 0, timeout=limits["WINDOW"])
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.add(count_key, 1, timeout=limits["WINDOW"])
        count = 1
    if count >= limit:
        cache.set(lock_key, time.time() + limits["LOCK_SECONDS"], timeout=limits["LOCK_SECONDS"])
        cache.delete(count_key)
        return True
    return False


def register_failure(username, address):
    """Count one failed sign-in; returns True when it locks the username or the address."""
    limits = _limits()
    locked_user = _count_failure("user", _username_key(username), limits["USERNAME_FAILURES"], limits)
    locked_addr = _count_failure("addr", address, limits["ADDRESS_FAILURES"], limits)
    if locked_user or locked_addr:
        log.warning("sign-in locked (username=%r, address=%s)", _username_key(username), address)
    return locked_user or locked_addr


def register_success(username):
    """The username's failures are forgotten.  The address's count is kept on purpose."""
    cache.delete(_keys("user", _username_key(username))[0])


def clear_lockout(*, username="", address=""):
    """Lift a lock by hand (``manage.py shell``), e.g. after an official has been locked out by
    someone guessing at their username."""
    for kind, value in (("user", _username_key(username)), ("addr", address)):
        if value:
            cache.delete_many(_keys(kind, value))


class LockoutModelBackend(ModelBackend):
    """``ModelBackend`` that refuses locked usernames/addresses and counts failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(auth.get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request)
        remaining = lock_remaining(username, address)
        if remaining:
            if request is not None:
                request.login_locked_for = remaining
            raise PermissionDenied  # stops every other backend too
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if register_failure(username, address) and request is not None:
                request.login_locked_for = lock_remaining(username, address)
            return None
        register_success(username)
        return user


class LockoutMessageMixin:
    """Shows the lock-out in Persian instead of the generic "wrong username or password"."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            remaining = getattr(self.request, "login_locked_for", 0) if self.request is not None else 0
            if remaining:
                minutes = to_persian_digits(max(1, -(-remaining // 60)))
                raise forms.ValidationError(LOCKED_MESSAGE.format(minutes=minutes), code="locked") from None
            raise


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "نام کاربری یا گذرواژه درست نیست.",
        "inactive": "این حساب غیرفعال است.",
    }


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


# --- session lifetime -------------------------------------------------------------------------
def _lifetimes():
    absolute = int(getattr(settings, "SESSION_ABSOLUTE_SECONDS", settings.SESSION_COOKIE_AGE))
    idle = int(getattr(settings, "SESSION_IDLE_SECONDS", absolute))
    return idle, absolute


def session_expired(session, now=None):
    """True when a signed-in session is past its idle or absolute limit."""
    now = time.time() if now is None else now
    idle, absolute = _lifetimes()
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT, login_at)
    if login_at is None:  # a session from before this code, or made by force_login: start now
        return False
    return now - login_at > absolute or (seen_at is not None and now - seen_at > idle)


def touch_session(session, now=None):
    """Record activity; writes at most once a minute."""
    now = time.time() if now is None else now
    if LOGIN_AT not in session:
        session[LOGIN_AT] = now
    if now - session.get(SEEN_AT, 0) >= SEEN_WRITE_EVERY:
        session[SEEN_AT] = now


@receiver(user_logged_in, dispatch_uid="chatdesk.auth.logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: signs out a session past its idle or absolute limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if session_expired(request.session):
                auth.logout(request)  # flushes the session and closes its sockets (below)
            else:
                touch_session(request.session)
        return self.get_response(request)


# --- closing sockets --------------------------------------------------------------------------
@receiver(user_logged_out, dispatch_uid="chatdesk.auth.logged_out")
def _on_logged_out(sender, request, user, **kwargs):
    """Sent by ``auth.logout`` before the session is flushed: close this session's sockets."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        realtime.close_session_sockets(session_key)


def user_set_active(*, user, active):
    """Activate or deactivate a staff account.  Deactivation closes every console socket of
    the account at once (all processes) and ends its sessions on their next request."""
    with transaction.atomic():
        user = type(user).objects.select_for_update().get(pk=user.pk)
        changed = user.is_active != bool(active)
        user.is_active = bool(active)
        user.save(update_fields=["is_active"])
        if changed and not active:
            close_sockets_of_user(user)
    return user


def close_sockets_of_user(user):
    """After commit: close every console socket of ``user``'s official (if any).  The official is
    reached through the user (``directory.Official.user``'s ``related_name``), so core does not
    import the directory app."""
    official_id = type(user).objects.filter(pk=user.pk).values_list("official__pk", flat=True).first()
    if official_id is not None:
        realtime.close_official_sockets(official_id)


def console_session_alive(session_key, user_id):
    """The console heartbeat's check (sync; run off the loop): is the socket's session still
    there, signed in as the same active user and within its lifetime?  Refreshes the idle clock:
    an open console counts as activity."""
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # A session gone (or past its store's expiry) loads empty: no user, so no separate
    # ``exists()`` query (a console pings every 20 s: #22)
    if str(store.get(auth.SESSION_KEY)) != str(user_id):
        return False
    if session_expired(store):
        store.delete()
        return False
    if not auth.get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        return False
    touch_session(store)
    if store.modified:
        store.save()
    return True
