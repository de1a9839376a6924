"""In the real console: a citizen name and an official name carrying bidi overrides and invisible
characters show without them, isolated (``<bdi dir=auto>``); a message that looks like HTML shows
as text.  The rows are written straight into the database, as data from before the input
cleaning, or from another path (e-mail, import), would be."""

import re

from playwright.sync_api import expect

SETUP = r"""
from django.contrib.auth.models import User
from chatdesk.chats import services
from chatdesk.chats.models import Conversation
from chatdesk.directory.models import Official, Unit
unit = Unit.objects.create(name="واحد\u2067 آزمون", code="spoof-unit", always_open=True)
user = User.objects.create_user("spoofer", password="demo-1405")
official = Official.objects.create(user=user, display_name="\u202eمدیر\u202c سامانه", status="available")
official.units.set([unit])
started = services.conversation_start(unit_id=unit.pk, name="سارا")
services.message_send(conversation_id=started.conversation.pk, sender="citizen", client_id="spoof1", body="<img src=x id=pwn>")
Conversation.objects.filter(pk=started.conversation.pk).update(citizen_name="علی\u202e 1234 \u2066رضا\u200b")
Unit.objects.filter(pk=unit.pk).update(show_in_menu=False)  # out of the other tests' way
"""
CONTROLS = "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u200d\u2060\ufeff]"


def test_console_shows_names_without_controls_and_isolated(server, new_page):
    server.shell(SETUP)
    page = new_page("spoof")
    page.goto("/console/login/")
    page.fill("#id_username", "spoofer")
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator('[data-role="me"]')).to_have_text("مدیر سامانه")

    item = page.locator(".queue-item").first
    expect(item).to_be_visible()
    name = item.locator("bdi").first
    expect(name).to_have_text("علی 1234 رضا")
    expect(name).to_have_attribute("dir", "auto")
    expect(item.locator("bdi").nth(1)).to_have_text("واحد آزمون")

    item.locator("button").click()
    panel = page.locator(".chat-panel").first
    expect(panel.locator(".msg-body", has_text="<img src=x id=pwn>")).to_be_visible()
    assert page.locator("#pwn").count() == 0
    expect(panel.locator(".msg-author bdi").first).to_have_text("علی 1234 رضا")
    text = page.evaluate("document.body.innerText")
    assert not re.search(CONTROLS, text), [hex(ord(c)) for c in re.findall(CONTROLS, text)]
