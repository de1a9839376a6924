"""Segment counting (GSM 7-bit 160/153, UCS-2 70/67) and fitting texts within the limit."""

import pytest
from hypothesis import given
from hypothesis import settings as settings_hyp
from hypothesis import strategies as st

from chatdesk.sms import segments, texts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # extension characters take two septets
        ("{" * 81, 2),
        ("س" * 70, 1),
        ("س" * 71, 2),
        ("س" * 134, 2),
        ("س" * 135, 3),
        ("a" * 69 + "س", 1),  # one Persian letter makes the whole text UCS-2
        ("a" * 70 + "۱", 2),  # a Persian digit too
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_count(text, expected):
    assert segments.count(text) == expected


def test_encoding():
    assert segments.encoding("Hello @ 10:30") == "gsm"
    assert segments.encoding("سلام") == "ucs2"
    assert segments.encoding("Hello\u200c") == "ucs2"  # ZWNJ is not GSM


def test_fit_cuts_only_the_variable_parts_and_keeps_the_link_whole():
    link = "https://portal.example.ir/track/1234567890123/"
    text = segments.fit("«{unit}» {code}\n{link}", fixed={"code": "۱۲۳۴-۵۶۷۸-۹۰۱۲۳", "link": link}, variable={"unit": "واحد " * 60}, max_segments=2)
    assert segments.count(text) <= 2
    assert text.endswith(link) and "۱۲۳۴-۵۶۷۸-۹۰۱۲۳" in text
    assert "…" in text


def test_fit_leaves_a_short_text_alone():
    assert segments.fit("{a} {b}", fixed={"a": "x"}, variable={"b": "y"}, max_segments=1) == "x y"


def test_fit_refuses_a_template_that_cannot_fit():
    with pytest.raises(ValueError):
        segments.fit("{link}", fixed={"link": "س" * 200}, variable={"x": "y"}, max_segments=2)


@pytest.mark.parametrize("max_segments", [2, 3])
def test_every_template_fits_the_configured_limit_with_long_names(settings, max_segments):
    settings.SMS = {**settings.SMS, "MAX_SEGMENTS": max_segments}
    settings.CHATDESK_PUBLIC_URL = "https://samaneh-pasokhgooyi.arakmu.ac.ir"
    long_name = "معاونت تحقیقات و فناوری و امور دانشجویی و فرهنگی دانشگاه علوم پزشکی استان مرکزی" * 2
    code = "1234567890128"
    built = [
        texts.case_opened(code=code, unit_name=long_name, kind_label="شکایت"),
        texts.official_replied(code=code, unit_name=long_name, status_text="منتظر پاسخ شماست"),
        texts.status_changed(code=code, unit_name=long_name, status_text="ارجاع شد"),
        texts.one_time_code(otp="042917", minutes=5),
    ] + [texts.meeting(event=e, code=code, person_name=long_name, slot_text="سه‌شنبه ۲۰ آذر ۱۴۰۵ ساعت ۱۰:۳۰") for e in texts.MEETING_TEMPLATES]
    for text in built:
        assert segments.count(text) <= max_segments, text
        if "track" in text:
            assert f"https://samaneh-pasokhgooyi.arakmu.ac.ir/track/{code}/" in text
            assert texts.OPT_OUT_HINT in text
    assert "۱۲۳۴-۵۶۷۸-۹۰۱۲۸" in built[0]
    assert "042917" in built[3]
    assert "سه‌شنبه ۲۰ آذر ۱۴۰۵ ساعت ۱۰:۳۰" in built[4]


def test_a_long_signature_is_dropped_rather_than_the_text(settings, monkeypatch):
    monkeypatch.setenv("CHATDESK_SMS_SIGNATURE", "دانشگاه " * 40)
    text = texts.case_opened(code="1234567890128", unit_name="معاونت درمان")
    assert "دانشگاه" not in text and segments.count(text) <= settings.SMS["MAX_SEGMENTS"]
    monkeypatch.setenv("CHATDESK_SMS_SIGNATURE", "علوم پزشکی اراک")
    assert texts.case_opened(code="1234567890128", unit_name="معاونت درمان").startswith("علوم پزشکی اراک\n")


@settings_hyp(max_examples=150, deadline=None)
@given(
    unit=st.text(alphabet=st.sampled_from("آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی ‌abcXYZ0123۴۵۶{}€😀"), max_size=300),
    max_segments=st.integers(min_value=2, max_value=4),
)
def test_fit_always_fits_and_keeps_the_fixed_parts(unit, max_segments):
    link = "https://desk.example.ir/track/1234567890128/"
    text = segments.fit("«{unit}» ثبت شد. کد: {code}\n{link}", fixed={"code": "۱۲۳۴-۵۶۷۸-۹۰۱۲۸", "link": link}, variable={"unit": unit}, max_segments=max_segments)
    assert segments.count(text) <= max_segments
    assert text.endswith("\n" + link) and "کد: ۱۲۳۴-۵۶۷۸-۹۰۱۲۸" in text


def test_a_shorter_wording_is_taken_before_a_name_is_cut():
    text = texts.official_replied(code="1234567890128", unit_name="معاونت درمان")
    assert "«معاونت درمان»" in text and segments.ELLIPSIS not in text
    text = texts.official_replied(code="1234567890128", unit_name="معاونت تحقیقات و فناوری دانشگاه علوم پزشکی استان مرکزی")
    assert segments.ELLIPSIS not in text and "پاسخ داده شد" in text and segments.count(text) <= 2
