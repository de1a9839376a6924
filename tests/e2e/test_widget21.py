"""The citizen widget of #21 in real browsers, desktop and a 360x740 phone, reached by clicking
from ``/``: frequent questions before asking (Persian-normalised search, counted in the reports),
the unit's greeting and waiting message, images as thumbnails opened full size on both sides,
drag and drop and paste with progress and a cancel that really aborts, «دیده شد» both ways, the
unread badge on the launcher, and the accessibility lines (axe-core at each state, focus, Escape,
the connection in words), plus a keyboard-only walk."""

import io
import re
import sqlite3

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.test_chat_flow import assert_rtl_persian, widget
from tests.support.documents import PDF

UNIT = "مدیریت منابع انسانی"
OFFICIAL = ("ebrahimi", "رضا ابراهیمی")
GREETING = "سلام؛ به گفتگوی منابع انسانی خوش آمدید."
WAITING = "همهٔ همکاران ما مشغول پاسخ‌گویی‌اند؛ به‌زودی پاسخ می‌دهیم."
SETUP = f"""
from chatdesk.directory.models import Unit
from chatdesk.chats.models import Faq
unit = Unit.objects.get(code="human-resources")
unit.chat_greeting = {GREETING!r}
unit.chat_waiting_message = {WAITING!r}
unit.chat_waiting_after_minutes = 0  # due at once: the server's worker sends it on its next tick
unit.save()
Faq.objects.get_or_create(unit=unit, question="حکم کارگزینی را چگونه دریافت کنم؟", defaults=dict(answer="از سامانهٔ خدمات کارکنان، بخش «احکام»، با کد ملی خود وارد شوید.", order=1))
Faq.objects.get_or_create(unit=unit, question="گواهی اشتغال به کار چند روزه صادر می‌شود؟", defaults=dict(answer="حداکثر سه روز کاری پس از ثبت درخواست.", order=2))
"""
PHONE = {"width": 360, "height": 740}


def picture(width=640, height=400):
    """A real JPEG big enough to show as a thumbnail."""
    image = Image.new("RGB", (width, height), (13, 110, 110))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 40, 360, 360), fill=(244, 180, 0))
    draw.rectangle((380, 120, 600, 300), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def console_login(page):
    page.goto("/console/login/")
    page.fill("#id_username", OFFICIAL[0])
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator('[data-role="conn"]')).to_have_class(re.compile(r"\bopen\b"))
    expect(page.locator(".colleague", has_text="(من)")).to_be_visible()
    page.select_option('[data-role="duty"]', "available")
    expect(page.locator(".colleague", has_text=OFFICIAL[1])).to_contain_text("آماده")


def open_widget(page):
    page.goto("/")
    assert_rtl_persian(page)
    expect(page.locator("[data-role=launcher]")).to_be_visible()
    assert_accessible(page, "widget closed")
    page.locator("[data-role=launcher]").click()
    expect(widget(page, "start")).to_be_visible()
    expect(page.locator("#chat-name")).to_be_focused()
    with page.expect_response(re.compile(r"/api/units/\d+/faq/")):
        page.select_option("#chat-unit", label=UNIT)
    expect(widget(page, "faq")).to_be_visible()
    expect(widget(page, "unit-state")).to_have_attribute("data-available", "yes")  # an official is on duty


def attachments(server, name):
    with sqlite3.connect(server.sqlite_path) as db:
        return db.execute(
            "SELECT COUNT(*) FROM tickets_attachment a JOIN chats_conversation c ON a.conversation_id = c.id WHERE c.citizen_name = ?", (name,)
        ).fetchone()[0]


def drop_files(page, selector, files, event):
    """Drag-and-drop (event "drop" on `selector`) or paste ("paste") of real File objects."""
    page.evaluate(
        """([selector, files, event]) => {
            const dt = new DataTransfer();
            for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), c => c.charCodeAt(0))], f.name, {type: f.type}));
            const target = document.querySelector(selector);
            if (event === "paste") target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
            else for (const type of ["dragenter", "dragover", "drop"]) target.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        [selector, files, event],
    )


def b64(data):
    import base64

    return base64.b64encode(data).decode()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_citizen_widget_of_issue_21(new_page, server, screenshots, tmp_path, device, browser_log):
    server.shell(SETUP)
    shots = screenshots / "widget21"
    shots.mkdir(exist_ok=True)
    name = f"پروین آزمون {'رومیزی' if device == 'desktop' else 'همراه'}"
    official = new_page("official")
    console_login(official)
    citizen = new_page("citizen", **(PHONE if device == "phone" else {"width": 1280, "height": 820}))

    # --- answers before asking: Arabic ي/ك in the search still finds the Persian question
    open_widget(citizen)
    expect(widget(citizen, "faq-item")).to_have_count(2)
    assert_accessible(citizen, "widget open with frequent questions")
    with citizen.expect_response(re.compile(r"/faq/\?q=")):
        widget(citizen, "faq-q").fill("حكم كارگزيني")
    expect(widget(citizen, "faq-item")).to_have_count(1)
    question = widget(citizen, "faq-item").locator("button")
    with citizen.expect_response(re.compile(r"/api/faq/\d+/open/$")) as opened:
        question.click()
    assert opened.value.status == 201
    expect(question).to_have_attribute("aria-expanded", "true")
    expect(widget(citizen, "faq-answer")).to_contain_text("سامانهٔ خدمات کارکنان")
    assert_accessible(citizen, "frequent question answered")
    citizen.screenshot(path=str(shots / f"faq-{device}.png"))

    # --- the citizen still starts the chat: focus in the message box, greeting then waiting message
    citizen.fill("#chat-name", name)
    widget(citizen, "start-button").click()
    expect(widget(citizen, "chat")).to_be_visible()
    expect(widget(citizen, "input")).to_be_focused()
    expect(widget(citizen, "faq")).to_be_hidden()
    expect(widget(citizen, "conn-text")).to_have_text("متصل")
    auto = citizen.locator("#chat .msg-auto")
    expect(auto.first).to_contain_text(GREETING)
    expect(auto.nth(1)).to_contain_text(WAITING, timeout=20_000)  # sent by the server's worker
    expect(citizen.locator("#chat [data-role=messages]")).to_have_attribute("role", "log")
    expect(citizen.locator("#chat")).not_to_have_attribute("aria-live", re.compile(".*"))
    assert_accessible(citizen, "chatting, waiting")

    # --- the official takes it and sees the automatic messages in the stream
    item = official.locator(".queue-item", has_text=name)
    expect(item).to_have_count(1)
    conversation_id = item.get_attribute("data-conversation")
    item.locator("button").click()
    panel = official.locator(f'.chat-panel[data-conversation="{conversation_id}"]')
    expect(panel).to_be_visible()
    expect(panel.locator(".msg-auto", has_text=GREETING)).to_have_count(1)

    # --- seen, both ways
    reply = "سلام، در خدمتم. حکم شما صادر شده است."
    panel.locator(".chat-compose textarea").fill(reply)
    panel.locator(".chat-compose textarea").press("Enter")
    expect(citizen.locator("#chat .msg-them", has_text=reply)).to_have_count(1)
    expect(panel.locator(".msg-me[data-seq]", has_text=reply).locator("[data-role=seen]")).to_have_text("دیده شد")
    widget(citizen, "input").fill("ممنونم، تصویر نامه را می‌فرستم")
    widget(citizen, "input").press("Enter")
    mine = citizen.locator("#chat .msg-me[data-seq]", has_text="ممنونم")
    expect(mine.locator(".visually-hidden")).to_have_text("شما: ")  # the sender, for screen readers
    expect(mine.locator("[data-role=seen]")).to_be_visible()

    # --- an image as a thumbnail on both sides, opened full size
    photo = tmp_path / "نامه.jpg"
    photo.write_bytes(picture())
    widget(citizen, "file").set_input_files(str(photo))
    thumb = citizen.locator("#chat .msg-me[data-seq] [data-role=image-thumb] img")
    expect(thumb).to_have_attribute("src", re.compile(r"^blob:"))
    citizen.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=thumb.element_handle())
    official_thumb = panel.locator(".msg-them[data-seq] [data-role=image-thumb] img")
    expect(official_thumb).to_have_attribute("src", re.compile(r"^/api/chat/files/\d+/\?inline=1$"))
    official.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=official_thumb.element_handle())
    citizen.screenshot(path=str(shots / f"thumbnail-{device}.png"))
    citizen.locator("#chat [data-role=image-thumb]").click()
    viewer = citizen.locator("dialog[data-role=image-viewer]")
    expect(viewer).to_be_visible()
    expect(viewer.locator("[data-role=image-close]")).to_be_focused()
    assert_accessible(citizen, "image shown full size")
    citizen.screenshot(path=str(shots / f"image-full-{device}.png"))
    citizen.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(widget(citizen, "chat")).to_be_visible()  # Escape closed the image, not the widget
    expect(citizen.locator("#chat [data-role=image-thumb]")).to_be_focused()
    panel.locator("[data-role=image-thumb]").click()
    expect(official.locator("dialog[data-role=image-viewer] img")).to_have_attribute("src", re.compile(r"inline=1"))
    official.screenshot(path=str(shots / f"console-image-{device}.png"))
    official.keyboard.press("Escape")

    # --- drag and drop, and paste
    drop_files(citizen, "#chat [data-role=chat]", [{"b64": b64(PDF), "name": "رها.pdf", "type": "application/pdf"}], "drop")
    expect(citizen.locator("#chat [data-role=file-link]", has_text="رها.pdf")).to_have_count(1)
    drop_files(citizen, "#chat [data-role=input]", [{"b64": b64(picture(320, 200)), "name": "چسب.jpg", "type": "image/jpeg"}], "paste")
    expect(citizen.locator("#chat [data-role=file-link]", has_text="چسب.jpg")).to_have_count(1)
    expect(panel.locator("[data-role=file-link]", has_text="چسب.jpg")).to_have_count(1)
    stored = attachments(server, name)
    assert stored == 3

    # --- a slow upload shows its progress; cancel aborts it and nothing is stored
    cdp = citizen.context.new_cdp_session(citizen)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 200 * 1024})
    big = tmp_path / "بزرگ.pdf"
    big.write_bytes(PDF[:-6] + b"%" + b"0" * (4 * 1024 * 1024) + b"\n%%EOF\n")
    widget(citizen, "file").set_input_files(str(big))
    upload = citizen.locator("#chat [data-role=upload]")
    expect(upload.locator("progress")).to_be_visible()
    expect(upload.locator(".msg-time")).to_contain_text("٪")
    citizen.screenshot(path=str(shots / f"upload-progress-{device}.png"))
    upload.locator("[data-role=upload-cancel]").click()
    expect(upload).to_have_count(0)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    citizen.wait_for_timeout(1500)
    assert attachments(server, name) == stored
    expect(citizen.locator("#chat [data-role=file-link]", has_text="بزرگ.pdf")).to_have_count(0)

    # --- minimised: Escape closes the widget (focus back on the launcher); the badge counts
    widget(citizen, "input").focus()
    citizen.keyboard.press("Escape")
    expect(citizen.locator("#chat")).to_be_hidden()
    launcher = citizen.locator("[data-role=launcher]")
    expect(launcher).to_be_focused()
    for text in ("یک نکتهٔ دیگر:", "نامه را به دفتر بیاورید."):
        panel.locator(".chat-compose textarea").fill(text)
        panel.locator(".chat-compose textarea").press("Enter")
        expect(panel.locator(".msg-me[data-seq]", has_text=text)).to_have_count(1)
    badge = launcher.locator("[data-role=badge]")
    expect(badge).to_have_text("۲")
    expect(launcher).to_have_attribute("aria-label", "گفتگوی زنده، ۲ پیام تازه")
    # not read while minimised
    expect(panel.locator(".msg-me[data-seq]", has_text="نامه را به دفتر").locator("[data-role=seen]")).to_have_count(0)
    assert_accessible(citizen, "widget minimised with unread badge")
    citizen.screenshot(path=str(shots / f"badge-{device}.png"))
    launcher.click()
    expect(badge).to_be_hidden()
    expect(widget(citizen, "input")).to_be_focused()
    expect(panel.locator(".msg-me[data-seq]", has_text="نامه را به دفتر").locator("[data-role=seen]")).to_be_visible()

    # --- «دیده شد» survives a reload (stored, carried by the welcome)
    citizen.reload()
    expect(citizen.locator("#chat .msg-me[data-seq]", has_text="ممنونم").locator("[data-role=seen]")).to_be_visible()

    # --- end: the focus goes to the closing words
    citizen.on("dialog", lambda d: d.accept())
    if citizen.locator("#chat").is_hidden():
        launcher.click()
    widget(citizen, "end").click()
    expect(widget(citizen, "ended")).to_be_visible()
    expect(widget(citizen, "ended-text")).to_be_focused()
    assert_accessible(citizen, "chat ended")
    citizen.screenshot(path=str(shots / f"ended-{device}.png"))
    official.screenshot(path=str(shots / f"console-{device}.png"))


def test_faq_figure_in_the_reports(new_page, server, screenshots):
    """After the widget test(s): the opened answer and the chat after it are in the reports."""
    server.shell(SETUP)
    citizen = new_page("citizen-faq")
    open_widget(citizen)
    question = widget(citizen, "faq-item").filter(has_text="گواهی اشتغال").locator("button")
    with citizen.expect_response(re.compile(r"/api/faq/\d+/open/$")):
        question.click()
    admin = new_page("admin")
    admin.goto("/console/login/")
    admin.fill("#id_username", "admin")
    admin.fill("#id_password", "admin-demo-1405")
    admin.click("button[type=submit]")
    admin.goto("/console/reports/")
    row = admin.locator("[data-role=faq-figures] [data-role=faq-row]", has_text="گواهی اشتغال")
    expect(row.locator("[data-role=faq-opened]")).not_to_have_text("۰")
    expect(row.locator("[data-role=faq-chatted]")).to_have_text("۰")  # this citizen did not chat
    (screenshots / "widget21").mkdir(exist_ok=True)
    admin.screenshot(path=str(screenshots / "widget21" / "reports-faq.png"), full_page=True)


def tab_to(page, role, limit):
    """Press Tab until the element with data-role=`role` has the focus (at most `limit` times)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("r => document.activeElement && document.activeElement.dataset.role === r", role):
            return
    pytest.fail(f"{role} is not reachable with Tab")


def test_keyboard_only_walk_of_the_widget(new_page, server, screenshots, tmp_path):
    server.shell(SETUP)
    official = new_page("official-kbd")
    console_login(official)
    page = new_page("citizen-kbd")
    page.goto("/")
    tab_to(page, "launcher", 80)  # from the top of the page
    page.keyboard.press("Enter")
    expect(page.locator("#chat-name")).to_be_focused()
    # back to the unit field, pick the unit with the keyboard
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#chat-unit")).to_be_focused()
    for _ in range(10):  # the arrow keys change a closed <select>
        if page.locator("#chat-unit option:checked").inner_text() == UNIT:
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("#chat-unit option:checked")).to_have_text(UNIT)
    expect(widget(page, "unit-state")).to_have_attribute("data-available", "yes")  # the unit's answer came
    page.keyboard.press("Tab")
    page.keyboard.type("کاربر صفحه‌کلید")
    tab_to(page, "start-button", 12)  # through the form to «شروع گفتگو»
    page.keyboard.press("Enter")
    expect(widget(page, "input")).to_be_focused()
    page.keyboard.type("سلام از صفحه‌کلید")
    page.keyboard.press("Enter")
    expect(page.locator("#chat .msg-me[data-seq]", has_text="سلام از صفحه‌کلید")).to_have_count(1)
    # Tab to the attach control: it shows its focus, and its name holds its visible label
    page.keyboard.press("Tab")
    attach = widget(page, "file")
    expect(attach).to_be_focused()
    label = page.locator("#chat .chat-attach")
    assert label.evaluate("n => getComputedStyle(n).outlineStyle") != "none"
    assert "پیوست" in attach.get_attribute("aria-label") and "پیوست" in label.inner_text()
    page.screenshot(path=str(screenshots / "widget21" / "keyboard-attach-focus.png"))
    doc = tmp_path / "کلید.pdf"
    doc.write_bytes(PDF)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(doc))
    expect(page.locator("#chat [data-role=file-link]", has_text="کلید.pdf")).to_have_count(1)
    # on to «پایان گفتگو»
    page.on("dialog", lambda d: d.accept())
    tab_to(page, "end", 6)
    page.keyboard.press("Enter")
    expect(widget(page, "ended-text")).to_be_focused()
    # Escape closes the widget; the focus is back on the launcher
    page.keyboard.press("Escape")
    expect(page.locator("#chat")).to_be_hidden()
    expect(page.locator("[data-role=launcher]")).to_be_focused()
