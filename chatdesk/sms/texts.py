"""The text of each kind of SMS, kept within ``settings.SMS["MAX_SEGMENTS"]``.

Each kind has wordings from the fullest to the shortest; the first that fits whole is used, and
only then are the variable parts (a unit's or a person's name) shortened to fit; the link, the
tracking code, the one-time code and the meeting time are never cut.  The notices end with a
short opt-out hint: the link in them opens the case, and the case page has the switch
(docs/operations.md#sms).  No reply text goes by SMS: a lock screen is not private, and a reply
from a medical university may be; the SMS says that there is a reply and where to read it.
"""

import os

from django.conf import settings

from chatdesk.core.persian import to_persian_digits
from chatdesk.core.tracking import format_tracking_code

from . import segments

OPT_OUT_HINT = "لغو پیامک: همین پیوند"


def signature():
    """An optional first line naming the sender (the sender line alone is a number)."""
    return os.environ.get("CHATDESK_SMS_SIGNATURE", "").strip()


def case_link(code):
    """The shortest link to a case: the tracking page asks for the mobile (or a one-time code)
    unless this browser already opened it.  The email link's 52-character token would take a
    third of a two-part SMS."""
    return f"{settings.CHATDESK_PUBLIC_URL}/track/{code}/"


def _fit(templates, *, fixed, variable, max_segments=None):
    """The first of ``templates`` (fullest first) that fits, with the signature line when it fits
    too.  ValueError when none does (a public URL far too long for the limit)."""
    max_segments = max_segments or settings.SMS["MAX_SEGMENTS"]
    templates = [templates] if isinstance(templates, str) else templates
    sig = signature()
    prefixes = [sig + "\n", ""] if sig else [""]
    # Any wording that fits whole (a shorter one, even one without the name) is taken before a
    # name is cut short with «…»; the signature line is dropped before either.
    for prefix in prefixes:
        for cut in (False, True):
            for template in templates:
                try:
                    return segments.fit(prefix + template, fixed=fixed, variable=variable, max_segments=max_segments, allow_cut=cut)
                except ValueError:
                    continue
    raise ValueError(f"no SMS template fits in {max_segments} segment(s)")


def _code(code):
    return format_tracking_code(code, persian=True)


def case_opened(*, code, unit_name, kind_label="درخواست"):
    return _fit(
        [
            "{kind} شما در «{unit}» ثبت شد.\nکد پیگیری: {code}\n{link}\n{hint}",
            "{kind} شما ثبت شد. کد پیگیری: {code}\n{link}\n{hint}",
            "کد پیگیری: {code}\n{link}\n{hint}",
        ],
        fixed={"code": _code(code), "link": case_link(code), "hint": OPT_OUT_HINT, "kind": kind_label},
        variable={"unit": unit_name},
    )


def official_replied(*, code, unit_name, status_text=""):
    tail = f" و {status_text}" if status_text else ""
    return _fit(
        [
            "به پرونده {code} در «{unit}» پاسخ داده شد{tail}:\n{link}\n{hint}",
            "پرونده {code} پاسخ داده شد{tail}:\n{link}\n{hint}",
            "پاسخ پرونده {code}:\n{link}\n{hint}",
        ],
        fixed={"code": _code(code), "link": case_link(code), "hint": OPT_OUT_HINT, "tail": tail},
        variable={"unit": unit_name},
    )


def status_changed(*, code, unit_name, status_text):
    return _fit(
        [
            "پرونده {code} در «{unit}»: {status}.\n{link}\n{hint}",
            "پرونده {code}: {status}.\n{link}\n{hint}",
        ],
        fixed={"code": _code(code), "link": case_link(code), "hint": OPT_OUT_HINT, "status": status_text},
        variable={"unit": unit_name},
    )


MEETING_TEMPLATES = {
    "offered": ["برای ملاقات با «{person}» این زمان پیشنهاد شد: {slot}. برای تأیید:\n{link}\n{hint}", "زمان پیشنهادی ملاقات: {slot}. تأیید:\n{link}\n{hint}", "پیشنهاد ملاقات: {slot}\n{link}\n{hint}"],
    "confirmed": ["ملاقات با «{person}» قطعی شد: {slot}\n{link}\n{hint}", "ملاقات شما قطعی شد: {slot}.\n{link}\n{hint}", "ملاقات قطعی: {slot}\n{link}\n{hint}"],
    "cancelled": ["ملاقات شما با «{person}» لغو شد.\n{link}\n{hint}", "ملاقات شما لغو شد.\n{link}\n{hint}"],
    "reminder": ["یادآوری ملاقات با «{person}»: {slot}\n{link}\n{hint}", "یادآوری ملاقات: {slot}\n{link}\n{hint}"],
}


def meeting(*, event, code, person_name, slot_text=""):
    return _fit(
        MEETING_TEMPLATES[event],
        fixed={"slot": slot_text, "link": case_link(code), "hint": OPT_OUT_HINT},
        variable={"person": person_name},
    )


def one_time_code(*, otp, minutes):
    # The code in Latin digits: phones offer to copy or autofill it; the page accepts both.
    return _fit(
        ["کد ورود به پرونده: {otp}\nاین کد را به کسی ندهید؛ تا {minutes} دقیقه معتبر است.", "کد ورود: {otp}"],
        fixed={"otp": otp, "minutes": to_persian_digits(minutes)},
        variable={},
    )
