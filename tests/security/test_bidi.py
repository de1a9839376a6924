"""Names and codes cannot be spoofed with bidi controls or invisible characters: input strips
them (a citizen's name, messages), display strips them again and isolates someone else's text
(templates: ``|plain`` inside ``<bdi>``; the console's script: ``Fa.el``/``Fa.iso``)."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client

from chatdesk.chats import services
from chatdesk.chats.models import Conversation
from chatdesk.core.persian import BIDI_CONTROLS, ZWNJ, ZERO_WIDTH, clean_line, clean_text

SPOOFERS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200d\u2060\ufeff"
STATIC = Path(__file__).resolve().parents[2] / "static" / "js"


def test_every_listed_control_is_known_to_the_cleaner():
    assert set(SPOOFERS) <= set(BIDI_CONTROLS + ZERO_WIDTH)
    assert ZWNJ not in BIDI_CONTROLS + ZERO_WIDTH


@pytest.mark.parametrize("ch", list(SPOOFERS))
def test_clean_line_strips_each_control_and_keeps_zwnj(ch):
    assert clean_line(f"می{ZWNJ}خواهم {ch}رضا{ch} 1234") == f"می{ZWNJ}خواهم رضا 1234"
    assert clean_text(f"سلام{ch}\nخوبی") == "سلام\nخوبی"


def test_a_citizen_name_with_an_override_is_stored_without_it(db, unit):
    started = services.conversation_start(unit_id=unit.pk, name="\u202eعلی\u202c \u2066رضایی\u2069\u200f")
    assert Conversation.objects.get(pk=started.conversation.pk).citizen_name == "علی رضایی"


def test_the_plain_filter_strips_and_escapes():
    out = Template("{% load fa %}<bdi>{{ name|plain }}</bdi>").render(Context({"name": "\u202e<b>مدیر</b>\u200b"}))
    assert out == "<bdi>&lt;b&gt;مدیر&lt;/b&gt;</bdi>"


def test_the_console_header_isolates_the_officials_name(db, make_official, unit):
    official = make_official("spoof", [unit], name="\u202eمدیر\u202c سامانه")
    client = Client()
    client.force_login(official.user)
    page = client.get("/console/").content.decode()
    assert '<bdi data-role="me" dir="auto">مدیر سامانه</bdi>' in page
    assert not re.search(f"[{SPOOFERS}]", page)


def test_scripts_never_write_html():
    """The console and the widget build the page with textContent only (Fa.el); no innerHTML,
    outerHTML, insertAdjacentHTML or document.write anywhere in static/js."""
    for path in STATIC.glob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", source), path.name
