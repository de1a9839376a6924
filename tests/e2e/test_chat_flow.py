"""A citizen and an official chatting through real browsers against a real server.

Selectors follow templates/chats/widget.html (citizen, ``#chat [data-role=...]``) and
static/js/console.js (console: ``.queue-item``, ``.chat-panel[data-conversation]``)."""

import datetime as dt
import re
import sqlite3
from zoneinfo import ZoneInfo

import jdatetime
from playwright.sync_api import expect

UNIT = "معاونت درمان"
FA_MOBILE = "۰۹۱۲۳۴۵۶۷۸۹"
FA_DIGIT = "[۰-۹]"
# ``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰``: Jalali date and time with Persian digits only.
TIMESTAMP = re.compile(rf"^{FA_DIGIT}{{4}}/{FA_DIGIT}{{2}}/{FA_DIGIT}{{2}} {FA_DIGIT}{{2}}:{FA_DIGIT}{{2}}$")
PERSIAN_TEXT = re.compile(r"[\u0600-\u06FF]{2,}")
OFFICIALS = {"rezaei": "زهرا رضایی", "karimi": "علی کریمی"}


def fa_digits(text):
    return str(text).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def jalali_year_now():
    """This year in the Jalali calendar (Tehran time), in Persian digits, e.g. ``۱۴۰۵``."""
    now = dt.datetime.now(ZoneInfo("Asia/Tehran"))
    return fa_digits(jdatetime.datetime.fromgregorian(datetime=now).year)


# --- citizen ------------------------------------------------------------------------------------
def widget(page, role):
    return page.locator(f'#chat [data-role="{role}"]')


def assert_rtl_persian(page):
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "fa")


def open_start_form(page, unit=UNIT):
    """Home page, then the unit from the horizontal menu; returns with the start form shown."""
    page.goto("/")
    assert_rtl_persian(page)
    # Opening the form asks whether anyone is on duty; an official is, so it offers a live chat.
    with page.expect_response(re.compile(r"/api/units/\d+/state/$")) as state:
        page.locator("nav.unit-menu [data-unit]", has_text=unit).click()
    assert state.value.ok and state.value.json()["available"] is True, state.value.json()
    expect(widget(page, "start")).to_be_visible()
    expect(page.locator("#chat-unit option:checked")).to_have_text(unit)
    expect(widget(page, "unit-state")).to_be_hidden()
    expect(widget(page, "start-button")).to_have_text("شروع گفتگو")


def start_chat(page, name, mobile=FA_MOBILE):
    open_start_form(page)
    page.fill("#chat-name", name)
    page.fill("#chat-mobile", mobile)
    page.click('#chat form[data-role="start"] button[type="submit"]')
    expect(widget(page, "start")).to_be_hidden()
    expect(widget(page, "chat")).to_be_visible()
    expect(widget(page, "title")).to_have_text(f"گفتگو با {UNIT}")
    expect(widget(page, "state")).to_contain_text("در انتظار پاسخ کارشناس")
    expect(widget(page, "queue")).to_contain_text("نوبت شما در صف")


def citizen_send(page, body):
    widget(page, "input").fill(body)
    widget(page, "input").press("Enter")
    expect(page.locator("#chat .msg-me[data-seq]", has_text=body)).to_have_count(1)


def seqs(locator):
    return [int(s) for s in locator.evaluate_all("nodes => nodes.map(n => n.getAttribute('data-seq'))")]


# --- official -----------------------------------------------------------------------------------
def console_login(page, username):
    page.goto("/console/login/")
    assert_rtl_persian(page)
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator('[data-role="me"]')).to_have_text(OFFICIALS[username])
    expect(page.locator('[data-role="conn"]')).to_have_class(re.compile(r"\bopen\b"))
    expect(page.locator(".colleague", has_text="(من)")).to_be_visible()  # the welcome frame arrived
    page.select_option('[data-role="duty"]', "available")
    # The server confirms the duty change to every console of this official (colleagues list).
    expect(page.locator(".colleague", has_text=OFFICIALS[username])).to_contain_text("آماده")


def queue_item(page, citizen_name):
    return page.locator(".queue-item", has_text=citizen_name)


def take(page, citizen_name):
    """Takes the chat from the queue; returns the chat panel."""
    item = queue_item(page, citizen_name)
    expect(item).to_have_count(1)
    conversation_id = item.get_attribute("data-conversation")
    item.locator("button").click()
    expect(item).to_have_count(0)
    panel = page.locator(f'.chat-panel[data-conversation="{conversation_id}"]')
    expect(panel).to_be_visible()
    expect(panel.locator(".chat-meta")).to_contain_text("در حال گفتگو")
    return panel


def chat_taken(new_page, citizen_name, official_username="karimi"):
    """An official's console and a citizen's widget in two browsers, the citizen's chat started
    and taken; returns the two pages and the official's chat panel."""
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    console_login(official, official_username)
    start_chat(citizen, citizen_name)
    return official, citizen, take(official, citizen_name)


def official_send(panel, body):
    panel.locator(".chat-compose textarea").fill(body)
    panel.locator(".chat-compose textarea").press("Enter")
    expect(panel.locator(".msg-me[data-seq]", has_text=body)).to_have_count(1)


def assert_timestamps(locator, minimum):
    times = locator.all_inner_texts()
    assert len(times) >= minimum, times
    year = jalali_year_now()
    for text in times:
        assert TIMESTAMP.match(text.strip()), f"not a Persian Jalali timestamp: {text!r}"
        assert text.strip().startswith(year + "/"), f"expected Jalali year {year}: {text!r}"


# --- tests --------------------------------------------------------------------------------------
def test_whole_chat_between_citizen_and_official(new_page, screenshots):
    citizen_name = "سارا محمدی"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)

    console_login(official, "rezaei")
    expect(queue_item(official, citizen_name)).to_have_count(0)

    start_chat(citizen, citizen_name)
    first = "سلام، درباره توزیع پزشکان متخصص سؤال داشتم"
    citizen_send(citizen, first)

    # The new chat reaches the already open console without a reload.
    item = queue_item(official, citizen_name)
    expect(item).to_be_visible()
    expect(item).to_contain_text(UNIT)
    expect(official.locator('[data-role="queue-count"]')).not_to_have_text("۰")
    panel = take(official, citizen_name)
    expect(panel.locator(".msg-them", has_text=first)).to_have_count(1)
    expect(panel.locator(".msg-them", has_text=first).locator(".msg-author")).to_have_text(citizen_name)
    # The mobile typed in Persian digits was accepted, stored and is shown in Persian digits.
    expect(panel.locator(".chat-meta")).to_contain_text(FA_MOBILE)
    expect(official.locator(".mine-item", has_text=citizen_name)).to_be_visible()

    # The citizen learns who answers.
    expect(widget(citizen, "queue")).to_be_hidden()
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['rezaei']}")
    expect(citizen.locator("#chat .msg-event", has_text=f"{OFFICIALS['rezaei']} به گفتگو پیوست")).to_have_count(1)

    # The official types: the citizen sees who is typing; the message then replaces the indicator.
    reply = "سلام، بفرمایید در خدمتم."
    panel.locator(".chat-compose textarea").press_sequentially("سلام")
    expect(widget(citizen, "typing")).to_be_visible()
    expect(widget(citizen, "typing")).to_have_text(f"{OFFICIALS['rezaei']} در حال نوشتن است…")
    panel.locator(".chat-compose textarea").fill(reply)
    panel.locator(".chat-compose textarea").press("Enter")
    them = citizen.locator("#chat .msg-them", has_text=reply)
    expect(them).to_have_count(1)
    expect(them.locator(".msg-author")).to_have_text(OFFICIALS["rezaei"])
    expect(widget(citizen, "typing")).to_be_hidden()

    # The citizen types: the official sees it.
    second = "ممنون؛ نوبت‌دهی متخصص قلب در کدام بیمارستان است؟"
    widget(citizen, "input").press_sequentially("ممنون")
    expect(panel.locator(".chat-typing")).to_be_visible()
    expect(panel.locator(".chat-typing")).to_have_text("شهروند در حال نوشتن است…")
    widget(citizen, "input").fill(second)
    widget(citizen, "input").press("Enter")
    expect(panel.locator(".msg-them", has_text=second)).to_have_count(1)
    expect(panel.locator(".chat-typing")).to_be_hidden()
    expect(citizen.locator("#chat .msg-me[data-seq]", has_text=second)).to_have_count(1)

    third = "بیمارستان شهید بهشتی، طبقه دوم. ساعت ۸ تا ۱۴"
    official_send(panel, third)
    expect(citizen.locator("#chat .msg-them", has_text=third)).to_have_count(1)

    # Jalali timestamps in Persian digits on both sides.
    assert_timestamps(citizen.locator("#chat .msg[data-seq] .msg-time"), 4)
    assert_timestamps(panel.locator(".msg[data-seq] .msg-time"), 4)
    assert PERSIAN_TEXT.search(official.locator(".console-header").inner_text())

    citizen.screenshot(path=str(screenshots / "citizen-chat.png"))
    official.screenshot(path=str(screenshots / "console-active-chat.png"))

    # The official holding the chat has read both of the citizen's messages («دیده شد»). The mark
    # leaves the console 300 ms after drawing, so it is awaited before the history is compared.
    expect(citizen.locator('#chat .msg-me[data-seq] [data-role="seen"]')).to_have_count(2)

    # Reload: the same history, each message once, nothing left pending.
    messages = citizen.locator("#chat .msg[data-seq]")
    before = seqs(messages)
    bodies = messages.all_inner_texts()
    assert len(before) == len(set(before)) and before == sorted(before), before
    citizen.reload()
    assert_rtl_persian(citizen)
    expect(widget(citizen, "chat")).to_be_visible()
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['rezaei']}")
    expect(messages).to_have_count(len(before))
    citizen.wait_for_timeout(300)  # a duplicate delivered late would show up here
    after = seqs(messages)
    assert after == before, (before, after)
    assert len(set(after)) == len(after)
    assert messages.all_inner_texts() == bodies
    expect(citizen.locator("#chat .msg.pending")).to_have_count(0)

    # The chat keeps working after the reload.
    fourth = "بسیار ممنونم، خداحافظ"
    citizen_send(citizen, fourth)
    expect(panel.locator(".msg-them", has_text=fourth)).to_have_count(1)

    # The citizen ends the chat (confirm dialog accepted); both sides see it closed.
    dialogs = []
    citizen.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    widget(citizen, "end").click()
    expect(widget(citizen, "ended")).to_be_visible()
    expect(widget(citizen, "compose")).to_be_hidden()
    expect(widget(citizen, "state")).to_have_text("گفتگو پایان یافته است")
    assert dialogs == ["گفتگو پایان یابد؟"]
    expect(panel).to_have_class(re.compile(r"\bclosed\b"))
    expect(panel.locator(".chat-meta")).to_contain_text("پایان‌یافته")
    expect(panel.locator(".msg-event", has_text="شهروند گفتگو را به پایان رساند")).to_have_count(1)
    expect(panel.locator(".chat-compose textarea")).to_be_disabled()
    expect(official.locator(".mine-item", has_text=citizen_name)).to_have_count(0)


def test_message_written_offline_is_delivered_once_after_reconnect(new_page, server, browser_log, screenshots):
    browser_log.allow(r"citizen: WebSocket connection to .* failed: .*ERR_INTERNET_DISCONNECTED")
    citizen_name = "رضا نادری"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    console_login(official, "karimi")
    start_chat(citizen, citizen_name, mobile="")
    citizen_send(citizen, "سلام")
    panel = take(official, citizen_name)
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['karimi']}")
    expect(widget(citizen, "conn")).to_have_class(re.compile(r"\bopen\b"))

    citizen.context.set_offline(True)
    expect(widget(citizen, "conn")).not_to_have_class(re.compile(r"\bopen\b"))
    expect(widget(citizen, "state")).to_have_text("در حال اتصال دوباره…")
    body = "این پیام بدون اینترنت نوشته شد"
    widget(citizen, "input").fill(body)
    widget(citizen, "input").press("Enter")
    pending = citizen.locator("#chat .msg.pending", has_text=body)
    expect(pending).to_have_count(1)
    expect(pending.locator(".msg-time")).to_have_text("در حال ارسال…")
    citizen.screenshot(path=str(screenshots / "citizen-offline-pending.png"))
    official.wait_for_timeout(500)
    expect(panel.locator(".msg", has_text=body)).to_have_count(0)

    citizen.context.set_offline(False)
    # The `online` event reconnects at once; the backoff timer would within ~15 s anyway.
    expect(widget(citizen, "conn")).to_have_class(re.compile(r"\bopen\b"), timeout=20_000)
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['karimi']}")
    delivered = citizen.locator("#chat .msg-me[data-seq]", has_text=body)
    expect(delivered).to_have_count(1, timeout=20_000)
    expect(pending).to_have_count(0)
    expect(delivered.locator(".msg-time")).to_have_text(TIMESTAMP)
    expect(panel.locator(".msg-them", has_text=body)).to_have_count(1)
    official.wait_for_timeout(500)  # a second copy would arrive here
    expect(panel.locator(".msg-them", has_text=body)).to_have_count(1)
    expect(citizen.locator("#chat .msg", has_text=body)).to_have_count(1)
    assert citizen.evaluate("localStorage.getItem('chatdesk.outbox.v1')") is None

    # Exactly one row on the server as well.
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM chats_message WHERE body = ?", (body,)).fetchone()
    assert count == 1

    # Both directions still work on the new socket.
    official_send(panel, "پیام شما رسید.")
    expect(citizen.locator("#chat .msg-them", has_text="پیام شما رسید.")).to_have_count(1)


def test_bad_mobile_shows_persian_error_and_creates_nothing(new_page, server, screenshots, browser_log):
    browser_log.allow(r"citizen: Failed to load resource: the server responded with a status of 400")
    citizen_name = "مهسا کاظمی"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    console_login(official, "rezaei")  # someone on duty: the form offers the live chat
    open_start_form(citizen)
    citizen.fill("#chat-name", citizen_name)
    citizen.fill("#chat-mobile", "12345")
    citizen.click('#chat form[data-role="start"] button[type="submit"]')

    error = widget(citizen, "start-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("شماره همراه باید به شکل ۰۹xxxxxxxxx باشد.")
    expect(citizen.locator("#chat-mobile")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(widget(citizen, "start")).to_be_visible()
    expect(widget(citizen, "chat")).to_be_hidden()
    expect(citizen.locator("#chat-name")).to_have_value(citizen_name)
    expect(citizen.locator('#chat form[data-role="start"] button[type="submit"]')).to_be_enabled()
    assert citizen.evaluate("localStorage.getItem('chatdesk.chat.v1')") is None
    citizen.screenshot(path=str(screenshots / "start-form-error.png"))

    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM chats_conversation WHERE citizen_name = ?", (citizen_name,)).fetchone()
    assert count == 0

    # Correcting the number (Persian digits) then starts the chat from the same form.
    citizen.fill("#chat-mobile", FA_MOBILE)
    citizen.click('#chat form[data-role="start"] button[type="submit"]')
    expect(widget(citizen, "state")).to_contain_text("در انتظار پاسخ کارشناس")
    expect(error).to_be_hidden()
