"""Ids from the outside (a JSON body, a form field, a query string): the one place they are
parsed.  Neither raises: an id that is not one finds nothing."""

ID_MAX = 2**63 - 1  # a database bigint


def parse_id(value):
    """An id from a JSON body or a form: an int or a string of ASCII digits, within 64 bits;
    anything else (1.9, true, "۱۲", a number past 64 bits) is 0, which matches no row."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= ID_MAX:
        return value
    return 0


def query_id(value):
    """An optional id from a query string (``?unit=3``): its int, or None when it is absent or not
    ASCII digits (a filter left empty)."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None
