import datetime as dt

import pytest

from chatdesk.core import jalali
from chatdesk.core.persian import (
    clean_line,
    clean_text,
    normalize_mobile,
    normalize_national_code,
    search_index,
    search_index_of_key,
    search_key,
    to_latin_digits,
    to_persian_digits,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("09123456789", "09123456789"),
        ("۰۹۱۲۳۴۵۶۷۸۹", "09123456789"),
        ("٠٩١٢٣٤٥٦٧٨٩", "09123456789"),
        ("+98 912 345 6789", "09123456789"),
        ("00989123456789", "09123456789"),
        ("9123456789", "09123456789"),
        ("0912-345-6789", "09123456789"),
    ],
)
def test_mobile_accepts_persian_and_latin_forms(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "0812345678", "091234567890", "۰۹۱۲۳۴۵۶۷۸", "0912345678x", "۰۸۱۲۳۴۵۶۷۸۹"])
def test_mobile_rejects_bad_numbers(raw):
    with pytest.raises(ValueError):
        normalize_mobile(raw)


def test_national_code_checksum_padding_and_same_digits():
    assert normalize_national_code("0499370899") == "0499370899"
    assert normalize_national_code("۰۴۹۹۳۷۰۸۹۹") == "0499370899"
    assert normalize_national_code("499370899") == "0499370899"  # a lost leading zero
    for bad in ["1111111111", "0000000000", "0499370898", "abc", "12"]:
        with pytest.raises(ValueError):
            normalize_national_code(bad)


def test_digits_round_trip():
    assert to_persian_digits("1405/09/01 14:30") == "۱۴۰۵/۰۹/۰۱ ۱۴:۳۰"
    assert to_latin_digits("۱۴۰۵/۰۹/۰۱") == "1405/09/01"


def test_search_key_folds_keyboards():
    typed_arabic = "كارشناس علي ۱۲۳"
    typed_persian = "کارشناس علی 123"
    assert search_key(typed_arabic) == search_key(typed_persian)
    assert search_key("می\u200cخواهم") == search_key("می خواهم")


def test_clean_text_removes_bidi_spoofing_but_keeps_zwnj():
    assert clean_text("abc\u202edcba") == "abcdcba"
    assert clean_text("می\u200cروم") == "می\u200cروم"
    assert clean_line("  علی \n  رضایی\t") == "علی رضایی"
    assert clean_text("a\x00b") == "ab"


def test_jalali_format_and_parse():
    moment = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.timezone.utc)  # 14:00 in Tehran
    assert jalali.format_datetime(moment) == "۱۴۰۵/۰۹/۰۱ ۱۴:۰۰"
    assert jalali.parse_date("۱۴۰۵/۰۹/۰۱") == dt.date(2026, 11, 22)
    assert jalali.parse_date("1405-9-1") == dt.date(2026, 11, 22)
    assert jalali.jalali_weekday(dt.date(2026, 11, 22)) == 1  # a Sunday is یکشنبه, day 1 of the Iranian week
    for bad in ["1405/13/01", "1405/12/31", "tomorrow", ""]:
        with pytest.raises(ValueError):
            jalali.parse_date(bad)


def test_jalali_long_date_names_the_weekday():
    assert jalali.format_date(dt.date(2026, 11, 22), long=True) == "یکشنبه ۱ آذر ۱۴۰۵"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        jalali.format_datetime(dt.datetime(2026, 1, 1))


def test_the_search_index_holds_the_spaced_and_the_joined_form():
    assert search_index("ثبت\u200cنام دانشجو") == "ثبت نام دانشجو\nثبتنامدانشجو"
    assert search_index("ثبتنام") == "ثبتنام"  # nothing to join
    for text in ("ثبت\u200cنام دانشجو", "كارت ملي ۱۲۳", "", "یک"):
        assert search_index_of_key(search_key(text)) == search_index(text)  # the re-index step
