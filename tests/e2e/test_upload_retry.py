"""A document whose upload fails for a passing reason stays in the conversation, in real browsers.

The network is cut for the first uploads by Playwright's router (``route.abort()``: the browser's
XHR meets a real network error; later requests reach the real server untouched).  The bubble must
stay with a retry notice and a «ارسال دوباره» button, every try must carry the same client_id, and
the document must then arrive once on both screens with one row in the database.  A document the
server refuses (a disallowed type) is still removed with the error shown.  static/js/upload.js
(uploadChatFile) is what is tested; the widget and the console both use it.
"""

import re
import sqlite3

from playwright.sync_api import expect

from tests.e2e.test_chat_flow import chat_taken, widget
from tests.support.documents import JPEG, PDF

CLIENT_ID = re.compile(rb'name="client_id"\r\n\r\n([^\r]+)\r\n')

WATCH = """(name) => {
  // Every 20 ms: the document's bubble, once shown, stays until the document itself is shown.
  window.__lost = false; window.__twice = false; let seen = false;
  setInterval(() => {
    const bubbles = document.querySelectorAll('#chat [data-role=upload]').length;
    const links = Array.from(document.querySelectorAll('#chat [data-role=file-link]')).filter((a) => a.textContent.includes(name)).length;
    if (bubbles) seen = true;
    else if (seen && !links) window.__lost = true;
    if (links > 1 || (links && bubbles)) window.__twice = true;
  }, 20);
}"""


class FailingUploads:
    """Aborts the first ``failures`` requests to /api/chat/files/, lets the rest through, and
    remembers the client_id of each."""

    def __init__(self, page, failures):
        self.failures = failures
        self.client_ids = []
        page.route("**/api/chat/files/", self.handle)

    def handle(self, route):
        match = CLIENT_ID.search(route.request.post_data_buffer or b"")
        self.client_ids.append(match.group(1).decode() if match else None)
        if len(self.client_ids) <= self.failures:
            route.abort("internetdisconnected")
        else:
            route.continue_()


def stored(server, citizen_name, name):
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        messages = db.execute(
            "SELECT m.sender, m.client_id FROM chats_message m JOIN chats_conversation c ON c.id = m.conversation_id "
            "WHERE c.citizen_name = ? AND m.kind = 'file' AND m.body = ?", (citizen_name, name),
        ).fetchall()
        (attachments,) = db.execute(
            "SELECT COUNT(*) FROM tickets_attachment a JOIN chats_conversation c ON c.id = a.conversation_id "
            "WHERE c.citizen_name = ? AND a.name = ?", (citizen_name, name),
        ).fetchone()
    return messages, attachments


def test_a_document_that_did_not_go_up_is_kept_and_sent_again_once(new_page, server, screenshots, tmp_path, browser_log):
    browser_log.allow(r"Failed to load resource: net::ERR_INTERNET_DISCONNECTED")  # the aborted uploads
    browser_log.allow(r"status of 400 .*/api/chat/files/")  # the refused file, on purpose
    citizen_name = "پریسا بارگذار"
    official, citizen, panel = chat_taken(new_page, citizen_name)

    # The citizen's first upload and its automatic retry both meet a dead network.
    name = "نامه درخواست.pdf"
    pdf = tmp_path / name
    pdf.write_bytes(PDF)
    uploads = FailingUploads(citizen, failures=2)
    citizen.evaluate(WATCH, name)
    widget(citizen, "file").set_input_files(str(pdf))
    bubble = citizen.locator("#chat [data-role=upload]", has_text=name)
    again = bubble.locator("[data-role=upload-retry]")
    expect(again).to_be_visible()
    expect(again).to_have_text("ارسال دوباره")
    expect(bubble).to_have_class(re.compile(r"\bretrying\b"))
    expect(bubble.locator("progress")).to_be_hidden()
    expect(bubble.locator(".msg-time")).to_have_attribute("role", "status")
    # It goes again once by itself (2 s later), fails again, and then waits for the citizen.
    expect(bubble.locator(".msg-time")).to_have_text("فایل فرستاده نشد؛ اتصال را بررسی کنید و دوباره بفرستید")
    assert len(uploads.client_ids) == 2
    citizen.wait_for_timeout(2500)  # no third try on its own
    assert len(uploads.client_ids) == 2
    expect(bubble).to_have_count(1)
    expect(again).to_be_visible()
    expect(widget(citizen, "chat-error")).to_be_hidden()
    expect(panel.locator("[data-role=file-link]")).to_have_count(0)
    widget(citizen, "messages").screenshot(path=str(screenshots / "upload-retry-citizen.png"))

    # «ارسال دوباره»: the same file with the same client_id, now through to the server.
    again.click()
    mine = citizen.locator("#chat .msg-me[data-seq] [data-role=file-link]", has_text=name)
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("۵۴۵ بایت")
    expect(bubble).to_have_count(0)
    theirs = panel.locator(".msg-them[data-seq] [data-role=file-link]", has_text=name)
    expect(theirs).to_have_count(1)
    assert len(uploads.client_ids) == 3 and len(set(uploads.client_ids)) == 1 and uploads.client_ids[0], uploads.client_ids

    citizen.wait_for_timeout(1000)  # a second copy would arrive here
    expect(mine).to_have_count(1)
    expect(theirs).to_have_count(1)
    assert citizen.evaluate("({lost: window.__lost, twice: window.__twice})") == {"lost": False, "twice": False}
    assert stored(server, citizen_name, name) == ([("citizen", uploads.client_ids[0])], 1)

    # The official's upload fails once; the automatic retry brings it, once.
    answer = tmp_path / "پاسخ.jpg"
    answer.write_bytes(JPEG)
    official_uploads = FailingUploads(official, failures=1)
    panel.locator("[data-role=file]").set_input_files(str(answer))
    pending = panel.locator("[data-role=upload]", has_text="پاسخ.jpg")
    expect(pending.locator("[data-role=upload-retry]")).to_be_visible()
    expect(pending.locator(".msg-time")).to_have_text("فایل فرستاده نشد؛ به‌زودی به‌طور خودکار دوباره فرستاده می‌شود")
    panel.screenshot(path=str(screenshots / "upload-retry-console.png"))
    expect(panel.locator(".msg-me[data-seq] [data-role=file-link]", has_text="پاسخ.jpg")).to_have_count(1)
    expect(pending).to_have_count(0)
    expect(citizen.locator("#chat .msg-them[data-seq] [data-role=file-link]", has_text="پاسخ.jpg")).to_have_count(1)
    assert len(official_uploads.client_ids) == 2 and len(set(official_uploads.client_ids)) == 1
    assert stored(server, citizen_name, "پاسخ.jpg") == ([("official", official_uploads.client_ids[0])], 1)

    # A file the server refuses is not kept: the bubble goes and the reason is shown.
    citizen.unroute("**/api/chat/files/")
    text = tmp_path / "یادداشت.txt"
    text.write_text("متن ساده")
    with citizen.expect_response(re.compile(r"/api/chat/files/$")) as refused:
        widget(citizen, "file").set_input_files(str(text))
    assert refused.value.status == 400
    expect(widget(citizen, "chat-error")).to_contain_text("فقط فایل‌های PDF، JPEG و PNG")
    expect(citizen.locator("#chat [data-role=upload]")).to_have_count(0)
    expect(citizen.locator("#chat [data-role=upload-retry]")).to_have_count(0)
    assert stored(server, citizen_name, "یادداشت.txt") == ([], 0)
