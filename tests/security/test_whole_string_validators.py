"""Every validator of the desk checks the whole string (issue #20): a ``$`` anchor also matches
before a final newline, so "abc\n" passed a check written for "abc" and was then stored or
used as a different value."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError

from chatdesk.chats.stream import validate_client_id
from chatdesk.core.errors import ValidationError
from chatdesk.core.jalali import parse_date
from chatdesk.core.persian import normalize_mobile
from chatdesk.desk.models import IDENTIFIER_VALIDATOR
from chatdesk.mail.outbound import parse_reply_address


def test_a_client_id_is_the_whole_string():
    assert validate_client_id("abc") == "abc"
    for bad in ("abc\n", "abc\r\n", "\nabc", "ab\nc"):
        with pytest.raises(ValidationError):
            validate_client_id(bad)


def test_a_service_identifier_is_the_whole_string():
    IDENTIFIER_VALIDATOR("12345678")
    with pytest.raises(DjangoValidationError):
        IDENTIFIER_VALIDATOR("12345678\n")


def test_a_reply_address_is_the_whole_string():
    local = settings.MAIL["REPLY_LOCALPART"]
    assert parse_reply_address(f"{local}+1234567890123-abcdefgh@example.ir") == ("1234567890123", "abcdefgh")
    # what is left inside the angle brackets must be the address and nothing else
    assert parse_reply_address(f"<{local}+1234567890123-abcdefgh@example.ir\n>") is None


def test_mobile_and_date_checks_take_the_whole_string():
    assert normalize_mobile("۰۹۱۲ ۳۴۵ ۶۷۸۹\n") == "09123456789"  # spaces and newlines are dropped first
    with pytest.raises(ValueError):
        normalize_mobile("09123456789x")
    assert parse_date("۱۴۰۵/۰۹/۰۱\n") == parse_date("1405/09/01")  # surrounding spaces are allowed
    with pytest.raises(ValueError):
        parse_date("1405/09/01x")
