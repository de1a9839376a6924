"""A citizen writes to the desk's Bale bot; the official answers from the console in Chromium.

A real ``manage.py serve`` (embedded worker, polling mode) talks to the local server that
speaks Bale's Bot API (tests/support/bale_api.py): the citizen picks «معاونت درمان» from the
bot's menu and writes; the console shows the chat in the queue marked «از بله»; the official
takes it and answers by clicking and typing only, and attaches an image; the answer arrives in
Bale, the image as a photo, and the citizen's tap on the menu button was answered.  Desktop and phone
screenshots under artifacts/screenshots/bale-console-*.png."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.support.bale_api import BaleServer
from tests.support.documents import JPEG

from .conftest import _base_env, run_server
from .test_chat_flow import console_login, official_send

CHAT = 5511223344
VIEWPORTS = {"desktop": (1280, 800), "phone": (360, 740)}


@pytest.fixture(scope="module")
def bale():
    server = BaleServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def desk(tmp_path_factory, bale):
    tmp = tmp_path_factory.mktemp("e2e-bale")
    env = _base_env(tmp)
    env.update(CHATDESK_BALE_TOKEN=bale.token, CHATDESK_BALE_MODE="polling", CHATDESK_BALE_API_URL=bale.base_url)
    with run_server(tmp, env) as server:
        yield server


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_bale_chat_answered_from_the_console(browser, bale, desk, viewport, screenshots, tmp_path):
    chat_id = CHAT + len(viewport)
    name = "بهاره " + ("دسکتاپی" if viewport == "desktop" else "موبایلی")
    bale.push(bale.text_update(chat_id, "/start", first_name=name))
    menu = wait_for(lambda: [s for s in bale.sent if s.get("chat_id") == chat_id and s.get("reply_markup")])[0]
    button = next(row[0] for row in menu["reply_markup"]["inline_keyboard"] if row[0]["text"] == "معاونت درمان")
    press = bale.push(bale.callback_update(chat_id, button["callback_data"], first_name=name))
    bale.push(bale.text_update(chat_id, "سلام، برای پرونده پزشکی پدرم سؤال دارم", first_name=name))

    width, height = VIEWPORTS[viewport]
    context = browser.new_context(base_url=desk.url, locale="fa-IR", timezone_id="Asia/Tehran", viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        console_login(page, "rezaei")
        item = page.locator(".queue-item", has_text=name)
        expect(item).to_contain_text("از بله")
        page.screenshot(path=str(screenshots / f"bale-console-queue-{viewport}.png"), full_page=True)
        conversation_id = item.get_attribute("data-conversation")
        item.locator("button").click()
        panel = page.locator(f'.chat-panel[data-conversation="{conversation_id}"]')
        expect(panel.locator(".chat-meta")).to_contain_text("از بله")
        expect(panel).to_contain_text("پرونده پزشکی پدرم")
        official_send(panel, "سلام، کد ملی پدرتان را بفرمایید.")
        # the official attaches an image: it reaches Bale as a photo (multipart sendPhoto)
        jpg = tmp_path / "راهنمای مدارک.jpg"
        jpg.write_bytes(JPEG)
        panel.locator("[data-role=file]").set_input_files(str(jpg))
        expect(panel.locator(".msg-me[data-seq]", has_text="راهنمای مدارک.jpg")).to_have_count(1)
        page.screenshot(path=str(screenshots / f"bale-console-chat-{viewport}.png"), full_page=True)
    finally:
        context.close()
    photo = wait_for(lambda: [s for s in bale.sent if s.get("chat_id") == chat_id and s["method"] == "sendPhoto"])
    assert photo[0]["document"] == ("راهنمای مدارک.jpg", "image/jpeg", JPEG)
    # the press on the menu button was answered (answerCallbackQuery), once
    assert [a["callback_query_id"] for a in bale.answered].count(press["callback_query"]["id"]) == 1
    answer = wait_for(lambda: [s for s in bale.sent if s.get("chat_id") == chat_id and "کد ملی پدرتان" in (s.get("text") or "")])
    assert answer[0]["text"] == "زهرا رضایی: سلام، کد ملی پدرتان را بفرمایید."
    # the start was confirmed (as "no one on duty yet, write and it is kept" when the official
    # came on duty only after the citizen chose the unit)
    said = " ".join(s.get("text") or "" for s in bale.sent if s.get("chat_id") == chat_id)
    assert re.search("«معاونت درمان»", said) and "زهرا رضایی به گفتگو پیوست." in said
