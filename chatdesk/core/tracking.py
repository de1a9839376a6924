"""Secret tokens and their stored digests."""

import hashlib
import hmac
import secrets


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


def same_digest(a, b):
    return same_secret(a, b)


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
    from .persian import to_latin_digits

    if not isinstance(text, str):
        return None
    digits = "".join(ch for ch in to_latin_digits(text) if not (ch.isspace() or ch in "-_–—/.\u200c"))
    return digits if is_valid_tracking_code(digits) else None


def format_tracking_code(code, persian=False):
    """``1234-5678-90123``: groups read aloud easily; left to right even inside Persian text."""
    from .persian import to_persian_digits

    code = code or ""
    text = "-".join([code[0:4], code[4:8], code[8:]]) if len(code) == TRACKING_RANDOM_DIGITS + 1 else code
    return to_persian_digits(text) if persian else text


def ticket_token(ticket, purpose):
    """A secret derived from the ticket's own secret: 256 bits of HMAC-SHA256, URL-safe.

    ``purpose`` separates uses ("link" for the email link, "reply" for the reply address), so
    one token never opens another door.  Replacing ``ticket.secret`` revokes them all."""
    import base64

    from django.conf import settings

    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"chatdesk.ticket.{purpose}:{ticket.code}:{ticket.secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(mac).decode("ascii").rstrip("=").lower()  # case-insensitive: safe in email addresses


def check_ticket_token(ticket, purpose, token):
    return isinstance(token, str) and same_secret(ticket_token(ticket, purpose), token.strip().lower())
