"""How many SMS segments a text takes, and fitting a text into a number of segments.

An SMS carries 140 bytes.  Text that uses only the GSM 03.38 alphabet is packed in 7 bits: 160
characters in one message, 153 per part once it is split (the rest holds the concatenation header);
the characters of the extension table (``{ } [ ] ~ \\ | ^ €`` and form feed) take two.  Anything else
(Persian letters, Persian digits, ZWNJ…) is sent as UCS-2: 70 characters in one message, 67 per
part; characters outside the Basic Multilingual Plane take two UTF-16 units.
"""

import math

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = "^{}\\[~]|€\f"
_GSM_BASIC = frozenset(GSM_BASIC)
_GSM_EXTENSION = frozenset(GSM_EXTENSION)

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
ELLIPSIS = "…"


def is_gsm(text):
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text)


def encoding(text):
    """``"gsm"`` or ``"ucs2"``."""
    return "gsm" if is_gsm(text) else "ucs2"


def units(text):
    """The length as the network counts it: septets (GSM) or UTF-16 code units (UCS-2)."""
    if is_gsm(text):
        return sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def count(text):
    """The number of segments ``text`` is sent in (0 for an empty text)."""
    if not text:
        return 0
    n = units(text)
    single, part = (GSM_SINGLE, GSM_PART) if is_gsm(text) else (UCS2_SINGLE, UCS2_PART)
    return 1 if n <= single else math.ceil(n / part)


def fit(template, *, fixed, variable, max_segments, allow_cut=True):
    """``template.format(**fixed, **variable)``, with the *variable* values shortened (the longest
    first, ending in "…") until the text fits in ``max_segments``.  The fixed values (a link, a
    code, a tracking code) are never cut.  Raises ValueError when even empty variable parts do not
    fit: the template itself is too long for the limit (or, with ``allow_cut=False``, when the
    values do not fit whole)."""
    variable = {k: " ".join(str(v or "").split()) for k, v in variable.items()}
    values = {**fixed, **variable}
    text = template.format(**values)
    if count(text) <= max_segments:
        return text
    if not allow_cut:
        raise ValueError(f"the SMS does not fit in {max_segments} segment(s) without shortening")
    cut = dict(variable)
    while True:
        longest = max(cut, key=lambda k: len(cut[k]), default=None)
        if longest is None or not cut[longest]:
            raise ValueError(f"the SMS template does not fit in {max_segments} segment(s) even with empty values")
        value = cut[longest]
        base = value[:-1] if value.endswith(ELLIPSIS) else value
        base = base[:-1].rstrip()
        cut[longest] = base + ELLIPSIS if base else ""
        text = template.format(**{**fixed, **cut})
        if count(text) <= max_segments:
            return text
