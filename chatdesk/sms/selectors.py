"""Reads of the SMS app."""

from chatdesk.core.persian import normalize_mobile

from .models import SmsOptOut


def clean_mobile(value):
    """``09xxxxxxxxx`` or "" for anything that is not an Iranian mobile number."""
    try:
        return normalize_mobile(value or "")
    except ValueError:
        return ""


def is_opted_out(mobile):
    """Has this mobile switched SMS notices off?"""
    mobile = clean_mobile(mobile)
    return bool(mobile) and SmsOptOut.objects.filter(mobile=mobile).exists()
