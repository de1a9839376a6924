"""Tracking codes: random, 10^12 possibilities, a check digit, typed in any digits."""

import itertools

from chatdesk.core import tracking


def test_codes_are_random_thirteen_digits_with_a_valid_check_digit():
    codes = [tracking.new_tracking_code() for _ in range(2000)]
    assert len(set(codes)) == 2000
    assert all(len(c) == 13 and c.isdigit() and tracking.is_valid_tracking_code(c) for c in codes)
    # never sequential: consecutive codes are far apart
    gaps = [abs(int(a[:12]) - int(b[:12])) for a, b in itertools.pairwise(codes)]
    assert min(gaps) > 1000


def test_typed_in_persian_or_latin_digits_with_any_separators():
    code = tracking.new_tracking_code()
    shown = tracking.format_tracking_code(code, persian=True)
    assert shown.count("-") == 2 and not any(ch.isascii() and ch.isdigit() for ch in shown)
    for typed in (code, shown, shown.replace("-", " "), f"  {code[:4]} {code[4:8]}-{code[8:]} ", shown.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"))):
        assert tracking.parse_tracking_code(typed) == code


def test_a_mistyped_digit_or_a_swap_is_caught():
    code = tracking.new_tracking_code()
    for i in range(13):
        wrong = code[:i] + str((int(code[i]) + 1) % 10) + code[i + 1 :]
        assert tracking.parse_tracking_code(wrong) is None
    for text in ("", "abc", "12345", code + "0", None, 1234567890123):
        assert tracking.parse_tracking_code(text) is None


def test_ticket_tokens_are_long_purpose_bound_and_revocable():
    class T:
        code = tracking.new_tracking_code()
        secret = "s1"

    link = tracking.ticket_token(T, "link")
    assert len(link) >= 32 and link == link.lower()  # 256 bits in base32
    assert tracking.check_ticket_token(T, "link", link)
    assert tracking.check_ticket_token(T, "link", link.upper())
    assert not tracking.check_ticket_token(T, "reply", link)
    T.secret = "s2"
    assert not tracking.check_ticket_token(T, "link", link)
