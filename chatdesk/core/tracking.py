"""Secret tokens and their stored digests."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

from .persian import to_latin_digits, to_persian_digits


def new_token():
    """A URL-safe secret of 256 bits (the design asks for at least 128)."""
    return secrets.token_urlsafe(32)


def token_digest(token):
    """What the database keeps: a SHA-256 digest, so a leaked table opens no conversation."""
    return hashlib.sha256((token or "").encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(a, b):
    """Constant-time equality of two strings, whatever they hold: ``hmac.compare_digest``
    raises TypeError on a str with non-ASCII characters (a typed contact, a token from a URL),
    so both are compared as UTF-8 bytes (lone surrogates included)."""
    return hmac.compare_digest((a or "").encode("utf-8", "surrogatepass"), (b or "").encode("utf-8", "surrogatepass"))


# --- tracking codes («کد پیگیری») -----------------------------------------------------------
# Twelve random digits (10^12 possibilities, never sequential) and a Luhn check digit, so a
# mistyped digit or two swapped neighbours are caught before any lookup.  Shown in groups of
# four (the last group has five digits); typed with or without separators, in Persian, Arabic
# or Latin digits.
TRACKING_RANDOM_DIGITS = 12


def _luhn_check_digit(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_tracking_code():
    body = "".join(secrets.choice("0123456789") for _ in range(TRACKING_RANDOM_DIGITS))
    return body + _luhn_check_digit(body)


def is_valid_tracking_code(code):
    return (
        isinstance(code, str)
        and len(code) == TRACKING_RANDOM_DIGITS + 1
        and code.isascii()
        and code.isdigit()
        and _luhn_check_digit(code[:-1]) == code[-1]
    )


def parse_tracking_code(text):
    """The code's 13 Latin digits from what a person typed, or None when it cannot be a code."""
    if not isinstance(text, str):
        return None
    digits = "".join(ch for ch in to_latin_digits(text) if not (ch.isspace() or ch in "-_–—/.\u200c"))
    return digits if is_valid_tracking_code(digits) else None


def format_tracking_code(code, persian=False):
    """``1234-5678-90123``: groups read aloud easily; left to right even inside Persian text."""
    code = code or ""
    text = "-".join([code[0:4], code[4:8], code[8:]]) if len(code) == TRACKING_RANDOM_DIGITS + 1 else code
    return to_persian_digits(text) if persian else text


def ticket_token(ticket, purpose):
    """A secret derived from the ticket's own secret: 256 bits of HMAC-SHA256, URL-safe.

    ``purpose`` separates uses ("link" for the email link, "reply" for the reply address), so
    one token never opens another door.  Replacing ``ticket.secret`` revokes them all."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"chatdesk.ticket.{purpose}:{ticket.code}:{ticket.secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(mac).decode("ascii").rstrip("=").lower()  # case-insensitive: safe in email addresses


def rating_link_path(ticket):
    """The path of a ticket's rating link for the "resolved" email: ``/rate/<code>/<token>/``
    (answered by chatdesk/reports/public_views.py)."""
    return f"/rate/{ticket.code}/{ticket_token(ticket, 'rate')}/"


def check_ticket_token(ticket, purpose, token):
    return isinstance(token, str) and same_secret(ticket_token(ticket, purpose), token.strip().lower())


# --- the tracking PIN («رمز پیگیری») ----------------------------------------------------------
# A chat can become a ticket although the citizen gave only a name; the tracking code alone opens
# nothing, so the widget also shows this PIN (and the secret link): the code and the PIN open the
# case on /track/ from any browser.  Derived from the ticket's secret like the link token (nothing
# more is stored; replacing ``Ticket.secret`` revokes it); eight digits, 10^8 possibilities, behind
# the lookup's limits per address and per code (docs/tickets.md).
TRACKING_PIN_DIGITS = 8


def ticket_pin(ticket):
    """The ticket's eight-digit PIN (Latin digits)."""
    mac = hmac.new(settings_secret(), f"chatdesk.ticket.pin:{ticket.code}:{ticket.secret}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(mac[:8], "big") % 10**TRACKING_PIN_DIGITS).zfill(TRACKING_PIN_DIGITS)


def parse_tracking_pin(text):
    """The PIN's eight Latin digits from what a person typed (any digits, with or without a
    separator), or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    digits = "".join(ch for ch in to_latin_digits(text) if not (ch.isspace() or ch in "-_–—/.\u200c"))
    return digits if len(digits) == TRACKING_PIN_DIGITS and digits.isascii() and digits.isdigit() else None


def check_ticket_pin(ticket, text):
    pin = parse_tracking_pin(text)
    return pin is not None and same_secret(ticket_pin(ticket), pin)


def format_tracking_pin(pin, persian=False):
    """``1234-5678``, in Persian digits on Persian pages."""
    text = f"{pin[:4]}-{pin[4:]}" if len(pin or "") == TRACKING_PIN_DIGITS else (pin or "")
    return to_persian_digits(text) if persian else text


def settings_secret():
    return settings.SECRET_KEY.encode()
