"""Persian text helpers: digits, search keys, mobile numbers, national codes.

Text is stored as typed (design rule 8); these functions produce normalised *keys* and validate
identifiers.  Every validator folds Persian and Arabic-Indic digits first, because Python's
``\\d`` accepts them and would let them through unnormalised (stack notes).
"""

import re
import unicodedata

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)

# Characters that can reorder or hide text when shown (bidi controls, zero-width joiners aside
# from ZWNJ which Persian needs between word parts).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200d\u2060\ufeff"
ZWNJ = "\u200c"


def to_latin_digits(text):
    return (text or "").translate(_TO_LATIN)


def to_persian_digits(value):
    return str(value).translate(_TO_PERSIAN)


def strip_controls(text):
    """Remove bidi controls and zero-width characters (kept: ZWNJ, newlines)."""
    return "".join(ch for ch in (text or "") if ch not in BIDI_CONTROLS and ch not in ZERO_WIDTH)


def clean_text(text):
    """Text as typed, minus what can spoof the display: controls, NULs, odd line breaks."""
    text = strip_controls(text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return text.strip()


def clean_line(text):
    """A one-line field (a name, a subject): no line breaks or tabs, spaces folded."""
    return " ".join(clean_text(text).split())


def search_key(text):
    """A normalised key for search: Arabic ي/ك to Persian ی/ک, digits Latin, no ZWNJ or
    diacritics, lower case, spaces folded.  Used for search columns only, never for display."""
    text = to_latin_digits(strip_controls(text or ""))
    text = text.replace("ي", "ی").replace("ى", "ی").replace("ك", "ک").replace("ة", "ه")
    text = text.replace("أ", "ا").replace("إ", "ا").replace("ؤ", "و").replace("ۀ", "ه")
    text = text.replace(ZWNJ, " ").replace("ـ", "")
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Mn")
    return " ".join(text.lower().split())


def search_index(text):
    """What a search column stores: ``search_key(text)`` and, on a second line, the same key with
    its spaces removed.  A query's words (``search_key(query).split()``) are looked for with
    ``__contains``, so a word whose parts were typed with a ZWNJ, a space or nothing between
    them is found whichever of the three the stored text used: «ثبت‌نام», «ثبت نام» and
    «ثبتنام» all find each other.  Query words never hold whitespace, so they never match across
    the line break or the spaces that separate the parts of a key."""
    key = search_key(text)
    joined = key.replace(" ", "")
    return f"{key}\n{joined}" if joined != key else key


def search_index_of_key(key):
    """``search_index`` for a key already made by ``search_key`` (re-indexing stored keys: the
    ZWNJs were folded to spaces, so joining the spaces recovers the joined form)."""
    if not key or "\n" in key:
        return key
    joined = key.replace(" ", "")
    return f"{key}\n{joined}" if joined != key else key


_MOBILE_RE = re.compile(r"09[0-9]{9}")


def normalize_mobile(value):
    """Return an Iranian mobile number as ``09xxxxxxxxx`` or raise ValueError.

    Accepts Persian/Arabic/Latin digits, spaces and dashes, and the +98 / 0098 / 98 prefixes.
    """
    raw = re.sub(r"[\s\-()]", "", to_latin_digits(value or ""))
    if raw.startswith("+98"):
        raw = "0" + raw[3:]
    elif raw.startswith("0098"):
        raw = "0" + raw[4:]
    elif raw.startswith("98") and len(raw) == 12:
        raw = "0" + raw[2:]
    elif raw.startswith("9") and len(raw) == 10:
        raw = "0" + raw
    if not _MOBILE_RE.fullmatch(raw):
        raise ValueError("mobile")
    return raw


def normalize_national_code(value):
    """Return a valid 10-digit Iranian national code or raise ValueError.

    Left-pads lost leading zeros, rejects all-same digits (which pass the checksum).
    """
    raw = re.sub(r"[\s\-]", "", to_latin_digits(value or ""))
    if not raw.isascii() or not raw.isdigit() or not 8 <= len(raw) <= 10:
        raise ValueError("national_code")
    raw = raw.zfill(10)
    if len(set(raw)) == 1:
        raise ValueError("national_code")
    check = int(raw[9])
    total = sum(int(raw[i]) * (10 - i) for i in range(9)) % 11
    if not ((total < 2 and check == total) or (total >= 2 and check == 11 - total)):
        raise ValueError("national_code")
    return raw
