"""A self-hosted challenge for the public forms (no outside captcha service, works offline):
a small sum written in Persian digits and words, signed, time-limited and single-use.

    challenge = new()                      # rendered by templates/core/_challenge.html
    verify(token, answer)                  # ValidationError(code="challenge_failed") if wrong

A token is spent by its first answer, right or wrong (a wrong answer shows a new question).

The token is ``nonce.expiry.mac``; the mac is an HMAC (SECRET_KEY) of the nonce, the expiry and
the answer, so the page does not carry the answer and a token cannot be reused (the nonce is
spent in the cache) or kept for later (it expires).  Together with the honeypot and the
per-address rate limits it keeps scripts that post forms blindly away; it is switched by
``settings.BOT_GUARD`` (env ``CHATDESK_BOT_GUARD``, on by default).
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .errors import ValidationError
from .persian import to_latin_digits, to_persian_digits
from .tracking import same_secret

TTL_SECONDS = 30 * 60
WORDS = {"+": "به‌علاوه", "-": "منهای"}
FAILED = "پاسخ پرسش امنیتی درست نیست یا زمان آن گذشته است؛ به پرسش تازه پاسخ دهید."


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def enabled():
    return getattr(settings, "BOT_GUARD", True)


def _mac(nonce, expiry, answer):
    message = f"chatdesk.challenge:{nonce}:{expiry}:{answer}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def new(now=None):
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    op = "+" if secrets.randbelow(2) or a < b else "-"
    answer = a + b if op == "+" else a - b
    nonce = secrets.token_hex(8)
    expiry = int(now if now is not None else time.time()) + TTL_SECONDS
    question = f"حاصل {to_persian_digits(a)} {WORDS[op]} {to_persian_digits(b)} چند می‌شود؟"
    return Challenge(question=question, token=f"{nonce}.{expiry}.{_mac(nonce, expiry, answer)}")


def verify(token, answer, now=None):
    """Accept the answer once (Persian or Latin digits); anything else raises ValidationError."""
    try:
        nonce, expiry, mac = (token or "").split(".")
        expiry = int(expiry)
        value = int(to_latin_digits(str(answer or "")).strip())
        if len(nonce) != 16 or not all(ch in "0123456789abcdef" for ch in nonce):
            raise ValueError(nonce)
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(FAILED, code="challenge_failed", field="challenge_answer") from None
    # Spent by the first answer, right or wrong: a wrong answer cannot be followed by another
    # guess on the same question (a sum has few possible answers).
    spent = not cache.add(f"challenge:{nonce}", 1, timeout=TTL_SECONDS + 60)
    if spent or expiry < int(now if now is not None else time.time()) or not same_secret(_mac(nonce, expiry, value), mac):
        raise ValidationError(FAILED, code="challenge_failed", field="challenge_answer")


def check_post(data):
    """For a view: verify the challenge fields of a POST when the guard is on."""
    if enabled():
        verify(data.get("challenge_token"), data.get("challenge_answer"))
