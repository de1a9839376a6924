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


def same_digest(a, b):
    return hmac.compare_digest(a or "", b or "")
