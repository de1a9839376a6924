"""The console's tools of #21 in a real browser, reached by clicking from /console/: saved
replies (typed with «/», from the picker, managed in the console), never missing a chat (sound,
desktop notification with its fallback, the title's count, each switchable and remembered),
unread counts and previews that survive a reload, the citizen's history within the per-unit
rules, a chat panel with room for its messages, and the console at 360 px and 200 % zoom, checked
with axe-core at each state; and a walk through the console by keyboard alone."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.test_chat_flow import FA_MOBILE, OFFICIALS, citizen_send, console_login, queue_item, start_chat, take

SHOTS = "/work/shots/console21"
MOBILE = "09123456789"
PERSIAN_TIME = re.compile(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}")

# Watches what a real browser would ring: Audio.play, new Notification; and lets the test hide the
# tab (document.hidden) as switching to another tab does, kept across a reload of the tab.
SPIES = """
(() => {
  let hidden = sessionStorage.getItem("e2e-hidden") === "1";
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get() { return hidden; } });
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get() { return hidden ? "hidden" : "visible"; } });
  window.__setHidden = (h) => { hidden = h; sessionStorage.setItem("e2e-hidden", h ? "1" : "0"); document.dispatchEvent(new Event("visibilitychange")); };
  window.__plays = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () { window.__plays.push(this.src); return play.call(this); };
  window.__notes = [];
  if (window.Notification) {
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) { super(title, options); window.__notes.push([title, (options || {}).body || ""]); }
    };
  }
})();
"""


# The desk allows 10 chats an hour from one address (CHAT["CHATS_PER_HOUR_PER_ADDRESS"], counted
# from the conversations' rows); this file starts more than that from 127.0.0.1. Each test starts
# with the address's earlier chats forgotten, and the file leaves none counted for the next one.
FORGET_ADDRESS = "from chatdesk.chats.models import Conversation; Conversation.objects.update(ip_address=None)"


@pytest.fixture(autouse=True, scope="module")
def _chats_per_hour_after(server):
    yield
    server.shell(FORGET_ADDRESS)


@pytest.fixture(autouse=True)
def _chats_per_hour(server):
    server.shell(FORGET_ADDRESS)


def shot(page, name):
    path = f"{SHOTS}/{name}.png"
    page.screenshot(path=path, full_page=False)
    return path


def spied_console(new_page, username, width=1280, height=820, grant=True):
    page = new_page(username, width=width, height=height)
    page.context.add_init_script(SPIES)
    if grant:
        page.context.grant_permissions(["notifications"])
    console_login(page, username)
    return page


def panel_input(panel):
    return panel.locator(".chat-compose textarea")


def save_reply(page, shortcut, title, body, scope=None):
    dialog = page.locator('[data-role="replies-dialog"]')
    if scope:
        dialog.locator('[data-role="reply-scope"]').select_option(label=scope)
    dialog.locator("#reply-shortcut").fill(shortcut)
    dialog.locator("#reply-title").fill(title)
    dialog.locator("#reply-body").fill(body)
    dialog.get_by_role("button", name="ذخیره پاسخ آماده").click()


def test_saved_replies_typed_with_slash_from_the_picker_and_managed_in_the_console(new_page, server):
    citizen_name = "مهتاب کاظم‌پور"
    page = spied_console(new_page, "rezaei")
    page.get_by_role("button", name="پاسخ‌های آماده").click()
    dialog = page.locator('[data-role="replies-dialog"]')
    expect(dialog).to_be_visible()
    # an official has only personal replies: the unit's are for supervisors
    expect(dialog.locator('[data-role="reply-scope"] option')).to_have_count(1)
    # bad input: a clear Persian error, nothing saved
    save_reply(page, "نام", "نام خانوادگی", "سلام {نام_خانوادگی} عزیز")
    error = dialog.locator('[data-role="reply-error"]')
    expect(error).to_contain_text("«{نام_خانوادگی}» شناخته نیست")
    save_reply(page, "بلند", "متن بلند", "ب" * 1001)
    expect(error).to_contain_text("حداکثر ۱۰۰۰ نویسه")
    expect(dialog.locator("#reply-count")).to_have_text("۱۰۰۱ از ۱۰۰۰ نویسه")
    expect(dialog.locator(".reply-row")).to_have_count(0)
    shot(page, "replies-manager-error")
    assert_accessible(page, "saved-replies manager with an error")
    save_reply(page, "سلام", "خوشامد", "سلام {نام}، در خدمتم.")
    expect(dialog.locator(".reply-row", has_text="/سلام")).to_be_visible()
    expect(error).to_be_hidden()
    save_reply(page, "پیگیری", "کد پیگیری", "{نام} گرامی، کد پیگیری پرونده شما {کد_پیگیری} است.")
    expect(dialog.locator(".reply-row")).to_have_count(2)
    shot(page, "replies-manager")
    dialog.get_by_role("button", name="بستن").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="پاسخ‌های آماده")).to_be_focused()

    citizen = new_page("citizen", width=1200)
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام، درباره نوبت جراحی پرسش دارم")
    panel = take(page, citizen_name)
    box = panel_input(panel)
    expect(box).to_be_focused()  # a taken chat takes the focus
    # «/» and Arabic letters (ي, ك) find the Persian reply «پیگیری»; it needs a tracking code
    # this citizen does not have yet: nothing is inserted and the official is told why
    box.press_sequentially("/پيگ")
    suggest = panel.locator('[data-role="reply-suggest"]')
    expect(suggest.locator('[role="option"]')).to_have_count(1)
    expect(suggest).to_contain_text("/پیگیری")
    shot(page, "replies-slash")
    box.press("Enter")
    expect(page.locator(".toast-item.error", has_text="کد پیگیری می‌خواهد")).to_be_visible()
    expect(box).to_have_value("/پيگ")
    box.fill("")
    box.press_sequentially("/سل")
    expect(suggest.locator('[role="option"]')).to_have_count(1)
    box.press("Enter")
    expect(box).to_have_value(f"سلام {citizen_name}، در خدمتم.")
    box.press("Enter")
    expect(citizen.locator("#chat .msg-them", has_text=f"سلام {citizen_name}، در خدمتم.")).to_be_visible()
    # the picker: searched with a Persian word, chosen with a click
    panel.get_by_role("button", name="پاسخ آماده").click()
    picker = panel.locator('[data-role="reply-picker"]')
    expect(picker).to_be_visible()
    expect(picker.get_by_role("searchbox")).to_be_focused()
    picker.get_by_role("searchbox").fill("خوشامد")
    expect(picker.locator(".reply-pick")).to_have_count(1)
    shot(page, "replies-picker")
    assert_accessible(page, "saved-reply picker open")
    picker.press("Escape")
    expect(picker).to_be_hidden()
    expect(panel.get_by_role("button", name="پاسخ آماده")).to_be_focused()
    panel.get_by_role("button", name="پاسخ آماده").click()
    picker.locator(".reply-pick", has_text="/سلام").click()
    expect(box).to_have_value(f"سلام {citizen_name}، در خدمتم.")
    expect(box).to_be_focused()


def test_a_unit_reply_and_the_tracking_code_from_the_citizens_history(new_page, server):
    """The supervisor keeps the unit's replies; an official of the unit uses them. The history
    beside the chat lists the citizen's earlier chat and ticket of the official's unit (not the
    other unit's ticket), and {کد_پیگیری} becomes that ticket's code."""
    server.shell(
        "from chatdesk.tickets import services as t; from chatdesk.directory.models import Unit;"
        f"t.ticket_open(kind='request', unit=Unit.objects.get(code='treatment'), subject='درخواست پرونده بیمارستانی', body='متن', name='نگار', mobile='{MOBILE}', rate_limit=False);"
        f"t.ticket_open(kind='request', unit=Unit.objects.get(code='education'), subject='پرونده آموزشی محرمانه', body='متن', name='نگار', mobile='{MOBILE}', rate_limit=False)"
    )
    supervisor = new_page("moradi")
    supervisor.goto("/console/login/")
    supervisor.fill("#id_username", "moradi")
    supervisor.fill("#id_password", "demo-1405")
    supervisor.click("button[type=submit]")
    expect(supervisor.locator(".colleague", has_text="(من)")).to_be_visible()
    supervisor.get_by_role("button", name="پاسخ‌های آماده").click()
    save_reply(supervisor, "کد", "کد پیگیری واحد", "{نام} گرامی، کد پیگیری شما {کد_پیگیری} است.", scope="واحد معاونت درمان")
    expect(supervisor.locator(".reply-row", has_text="واحد معاونت درمان")).to_be_visible()
    shot(supervisor, "replies-unit-supervisor")

    citizen_name = "نگار شریفی"
    page = spied_console(new_page, "karimi")
    citizen = new_page("citizen", width=1200)
    start_chat(citizen, citizen_name, mobile=FA_MOBILE)
    panel = take(page, citizen_name)
    history_button = panel.locator('[data-role="history-toggle"]')
    expect(history_button).to_contain_text("سوابق (")
    history_button.click()
    history = panel.locator('[data-role="citizen-history"]')
    expect(history).to_contain_text("درخواست پرونده بیمارستانی")
    expect(history).not_to_contain_text("پرونده آموزشی محرمانه")  # another unit's: not listed
    assert PERSIAN_TIME.search(history.inner_text())
    shot(page, "history-open")
    assert_accessible(page, "citizen history open")
    code = history.locator("a").first.inner_text()
    box = panel_input(panel)
    box.click()
    box.press_sequentially("/کد")
    box.press("Enter")
    expect(box).to_have_value(f"{citizen_name} گرامی، کد پیگیری شما {code} است.")
    # the unit's reply is read-only for the official
    page.get_by_role("button", name="پاسخ‌های آماده").click()
    row = page.locator('[data-role="replies-dialog"] .reply-row', has_text="/کد")
    expect(row).to_be_visible()
    expect(row.get_by_role("button", name="حذف /کد")).to_have_count(0)


# Chats earlier browser tests left open: the title counts waiting chats and unread messages, so
# this test starts from none.
CLOSE_LEFTOVERS = "from chatdesk.chats.models import Conversation; Conversation.objects.exclude(status='closed').update(status='closed')"


def test_never_miss_a_chat_unread_counts_and_previews_survive_a_reload(new_page, server):
    server.shell(CLOSE_LEFTOVERS)
    citizen_name = "کاوه رستمی"
    page = spied_console(new_page, "rezaei")
    base_title = page.title()
    citizen = new_page("citizen", width=1200)
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام، نتیجه آزمایش من آماده است؟")
    # a chat enters the queue: sound, its preview with a Jalali time, the title's count
    item = queue_item(page, citizen_name)
    expect(item.locator('[data-role="preview"]')).to_contain_text("نتیجه آزمایش من آماده است؟")
    assert PERSIAN_TIME.search(item.locator(".preview-time").inner_text())
    expect(page).to_have_title(re.compile(r"^\([۰-۹]+\) "))
    assert any("new-chat.wav" in src for src in page.evaluate("window.__plays"))
    expect(page.locator('[data-role="announcer"]')).to_contain_text(f"گفتگوی تازه در صف: {citizen_name}")
    shot(page, "queue-preview")
    assert_accessible(page, "queue with a waiting chat")

    panel = take(page, citizen_name)
    expect(panel.locator('[role="log"]')).to_be_visible()
    height = panel.locator(".chat-messages").bounding_box()["height"]
    assert height >= 300, f"the messages get only {height} px"
    mine = page.locator(".mine-item", has_text=citizen_name)
    expect(mine.locator('[data-role="unread"]')).to_be_hidden()

    # the official looks at another tab; the citizen writes
    page.evaluate("window.__setHidden(true)")
    plays = len(page.evaluate("window.__plays"))
    citizen_send(citizen, "کسی آنجا هست؟")
    expect(mine.locator('[data-role="unread"]')).to_have_text("۱")
    expect(mine.locator('[data-role="preview"]')).to_contain_text("کسی آنجا هست؟")
    expect(page).to_have_title(re.compile(r"^\(۱\) "))
    assert page.evaluate("window.__notes")[-1] == [f"پیام تازه از {citizen_name}", "کسی آنجا هست؟"]
    assert len(page.evaluate("window.__plays")) == plays + 1
    expect(page.locator('[data-role="announcer"]')).to_contain_text("پیام تازه از")
    # a reload (still on the other tab): the count comes back from the server
    page.reload()
    expect(page.locator(".mine-item", has_text=citizen_name).locator('[data-role="unread"]')).to_have_text("۱")
    shot(page, "mine-unread")
    # back on the tab: seen, stored, gone after another reload too
    page.evaluate("window.__setHidden(false)")
    expect(page.locator(".mine-item", has_text=citizen_name).locator('[data-role="unread"]')).to_be_hidden()
    expect(page).to_have_title(base_title)
    page.reload()
    expect(page.locator(".chat-panel", has_text=citizen_name).locator(".msg", has_text="کسی آنجا هست؟")).to_be_visible()
    time.sleep(0.5)
    expect(page.locator(".mine-item", has_text=citizen_name).locator('[data-role="unread"]')).to_be_hidden()

    # each alert can be turned off, and the choice is remembered
    page.get_by_role("button", name="اعلان‌ها").click()
    panel_box = page.locator('[data-role="alerts-panel"]')
    expect(panel_box).to_contain_text("مرورگر اجازهٔ اعلان دسکتاپ را داده است.")
    panel_box.get_by_label("صدای اعلان").uncheck()
    panel_box.get_by_label("شمارنده در عنوان صفحه").uncheck()
    shot(page, "alerts-settings")
    assert_accessible(page, "alert settings open")
    page.reload()
    page.get_by_role("button", name="اعلان‌ها").click()
    expect(panel_box.get_by_label("صدای اعلان")).not_to_be_checked()
    expect(panel_box.get_by_label("اعلان دسکتاپ")).to_be_checked()
    other = new_page("citizen2", width=1200)
    start_chat(other, "بهار نادری")
    expect(queue_item(page, "بهار نادری")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__plays") == []
    expect(page).to_have_title(base_title)


def test_a_chat_transferred_to_the_official_rings_while_the_tab_is_hidden(new_page):
    citizen_name = "رامین توکلی"
    receiver = spied_console(new_page, "rezaei")
    sender = spied_console(new_page, "karimi")
    citizen = new_page("citizen", width=1200)
    start_chat(citizen, citizen_name)
    panel = take(sender, citizen_name)
    receiver.evaluate("window.__setHidden(true)")
    plays = len(receiver.evaluate("window.__plays"))
    panel.get_by_role("button", name="انتقال", exact=True).click()
    form = panel.locator(".transfer-form")
    form.locator('[data-role="transfer-target"]').select_option(label=f"{OFFICIALS['rezaei']} (آماده پاسخ‌گویی)")
    form.locator("textarea").fill("پرسش بیمه است")
    form.get_by_role("button", name="انتقال گفتگو").click()
    expect(receiver.locator(".mine-item", has_text=citizen_name)).to_be_visible()
    expect(receiver.locator('[data-role="announcer"]')).to_contain_text(f"گفتگوی {citizen_name} به شما سپرده شد")
    assert [f"گفتگوی {citizen_name} به شما سپرده شد", "معاونت درمان"] in receiver.evaluate("window.__notes")
    assert len(receiver.evaluate("window.__plays")) > plays
    receiver.evaluate("window.__setHidden(false)")


def test_refused_notifications_fall_back_to_the_page(new_page):
    page = spied_console(new_page, "karimi", grant=False)
    page.get_by_role("button", name="اعلان‌ها").click()  # the first click asks, once; refused here
    expect(page.locator('[data-role="alerts-permission"]')).to_contain_text("اعلان‌ها در همین صفحه نشان داده می‌شوند")
    citizen = new_page("citizen", width=1200)
    start_chat(citizen, "سیما بهرامی")
    notice = page.locator('[data-role="alert-notice"]')
    expect(notice).to_contain_text("گفتگوی تازه در صف: سیما بهرامی")
    assert page.evaluate("window.__notes") == []
    shot(page, "alerts-fallback")
    notice.get_by_role("button", name="بستن").click()
    expect(notice).to_be_hidden()
    take(page, "سیما بهرامی")


def no_horizontal_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


def inside_window(page, locator):
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


def test_console_reflows_on_a_phone_and_at_200_percent_zoom(new_page):
    citizen_name = "آرش محبی"
    # 360 px phone; and a 1280 px screen at 200 % zoom, which is 640 CSS px
    for width, height, label in ((360, 740, "گوشی"), (640, 410, "بزرگ‌نمایی")):
        page = spied_console(new_page, "rezaei", width=width, height=height)
        no_horizontal_scroll(page)
        inside_window(page, page.get_by_role("button", name="خروج"))
        inside_window(page, page.locator('[data-role="me"]'))
        shot(page, f"reflow-{width}-queue")
        assert_accessible(page, f"console at {label}")
        citizen = new_page("citizen", width=1200)
        name = f"{citizen_name} {label}"
        start_chat(citizen, name)
        citizen_send(citizen, "متنی بلند برای دیدن شکستن سطرها در پنجره گفتگو روی صفحه کوچک " * 2)
        panel = take(page, name)
        expect(panel_input(panel)).to_be_focused()
        no_horizontal_scroll(page)
        inside_window(page, panel.get_by_role("button", name="پایان گفتگو"))
        panel.get_by_role("button", name="سوابق").click()
        expect(panel.locator('[data-role="citizen-history"]')).to_contain_text("سوابق شهروند")
        shot(page, f"reflow-{width}-chat")
        assert_accessible(page, f"chat open at {label}")
        no_horizontal_scroll(page)
        page.once("dialog", lambda d: d.accept())
        panel.get_by_role("button", name="پایان گفتگو").click()
        expect(panel.get_by_role("button", name="بستن پنجره")).to_be_visible()


def tab_to(page, predicate_js, limit=80, key="Tab"):
    """Press Tab until the focused element satisfies ``predicate_js`` (a JS function of it)."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(f"({predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"never reached by {key}: {predicate_js}")


def focused_is_not_body(page):
    assert page.evaluate("document.activeElement && document.activeElement !== document.body"), "the focus fell to <body>"


def test_keyboard_only_walk_through_the_console(new_page, server):
    """Log in, go on duty, take a chat, reply with a saved reply, end it: Tab, Enter, Escape and
    typing only."""
    server.shell(
        "from chatdesk.chats import replies; from chatdesk.directory.models import Official;"
        "o = Official.objects.get(user__username='karimi');"
        "replies.SavedReply.objects.filter(owner=o, shortcut='درود').delete();"
        "replies.saved_reply_save(official=o, shortcut='درود', title='درود', body='درود {نام}، بفرمایید.')"
    )
    citizen_name = "یاسمن فرهادی"
    citizen = new_page("citizen", width=1200)
    page = new_page("keyboard")
    page.goto("/console/login/")
    tab_to(page, "e => e.id === 'id_username'")
    page.keyboard.type("karimi")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-1405")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator(".colleague", has_text="(من)")).to_be_visible()
    tab_to(page, "e => e.getAttribute('data-role') === 'duty'")
    # a select's own keys: Home picks its first option, «آماده پاسخ‌گویی» (the only key besides
    # Tab, Enter, Escape and typing that this walk uses)
    page.keyboard.press("Home")
    expect(page.locator(".colleague", has_text=OFFICIALS["karimi"])).to_contain_text("آماده")
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام، وقت بخیر")
    expect(queue_item(page, citizen_name)).to_be_visible()
    assert_accessible(page, "keyboard: queue")
    tab_to(page, f"e => (e.getAttribute('aria-label') || '') === 'برداشتن گفتگوی {citizen_name}'")
    page.keyboard.press("Enter")
    panel = page.locator(".chat-panel", has_text=citizen_name)
    expect(panel_input(panel)).to_be_focused()
    page.keyboard.type("/درو")
    expect(panel.locator('[data-role="reply-suggest"] [role="option"]')).to_have_count(1)
    assert_accessible(page, "keyboard: saved-reply suggestions")
    page.keyboard.press("Enter")
    expect(panel_input(panel)).to_have_value(f"درود {citizen_name}، بفرمایید.")
    page.keyboard.press("Enter")
    expect(citizen.locator("#chat .msg-them", has_text=f"درود {citizen_name}، بفرمایید.")).to_be_visible()
    # «گفتگوهای من»: reached and opened from the keyboard, the focus goes to the chat
    tab_to(page, "e => e.classList.contains('mine-item')", key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(panel_input(panel)).to_be_focused()
    # the picker opens and closes with the keyboard, the focus coming back
    tab_to(page, "e => e.getAttribute('data-role') === 'reply-picker-open'")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("searchbox")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel.locator('[data-role="reply-picker-open"]')).to_be_focused()
    # end the chat (the browser's confirm is answered with Enter)
    page.once("dialog", lambda d: d.accept())
    tab_to(page, "e => e.textContent === 'پایان گفتگو'", key="Shift+Tab")
    page.keyboard.press("Enter")
    close = panel.get_by_role("button", name="بستن پنجره")
    expect(close).to_be_focused()
    focused_is_not_body(page)
    page.keyboard.press("Enter")
    expect(panel).to_have_count(0)
    focused_is_not_body(page)
    # the focus goes to the next open chat's box, or to the queue when none is left
    assert page.evaluate(
        "(e => e.matches('.chat-panel textarea') || e.getAttribute('data-role') === 'queue-title')(document.activeElement)"
    )
    shot(page, "keyboard-walk-end")
