"""A «دیده شد» mark the server refuses for now (``busy``: the socket's inbox was full) is sent
again after ``retry_after``, by the console and by the widget alike, and costs the person no
message on the screen: nobody clicked anything to send it.

Before, each side counted the mark as sent before the answer came; a refused mark was sent again
only with the next message, and a quiet chat never showed «دیده شد».  A full inbox cannot be
brought about at the moment of a mark without racing the browser, so the refusal here is the
server's own ``error`` frame (docs/protocol.md, consumers/base.py ``ServerBusy``), answered in its
place by Playwright's WebSocket route for the first read frame of each page; every other frame
goes to the real server and back."""

import json
import re

from playwright.sync_api import expect

from tests.e2e.test_chat_flow import OFFICIALS, citizen_send, console_login, start_chat, take, widget

BUSY = "سامانه پرمشغله است؛ لطفاً چند لحظه دیگر دوباره تلاش کنید."


def refuse_first_read(page, path):
    """Route the page's socket to the real server, answering its first ``read`` frame with the
    server's ``busy`` refusal instead of passing it on.  Returns the frames the page sent."""
    sent, refused = [], []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message) if isinstance(message, str) else {}
            sent.append(frame)
            if frame.get("type") == "read" and not refused:
                refused.append(frame)
                answer = {"type": "error", "code": "busy", "message": BUSY, "retry_after": 2}
                answer.update({key: frame[key] for key in ("conversation_id", "ref") if key in frame})
                ws.send(json.dumps(answer))
                return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(path), route)
    return sent, refused


def reads(sent):
    return [frame for frame in sent if frame.get("type") == "read"]


def test_refused_read_marks_go_again_on_both_sides(new_page):
    official, citizen = new_page("official"), new_page("citizen", width=1200)
    official_sent, official_refused = refuse_first_read(official, r"/ws/console/$")
    citizen_sent, citizen_refused = refuse_first_read(citizen, r"/ws/chat/$")
    console_login(official, "karimi")
    start_chat(citizen, "نگار امینی")
    panel = take(official, "نگار امینی")

    question = "پرونده من در کدام مرحله است؟"
    citizen_send(citizen, question)
    expect(panel.locator(".msg-them", has_text=question)).to_have_count(1)
    # The official's first mark was refused; the console sends it again after retry_after (2 s)
    # and the citizen sees «دیده شد», with no new message to carry it.
    seen = citizen.locator("#chat .msg-me[data-seq]", has_text=question).locator('[data-role="seen"]')
    expect(seen).to_have_text("دیده شد", timeout=15_000)
    assert official_refused and official_refused[0]["ref"] == "read"
    again = [f for f in reads(official_sent)[1:] if f["conversation_id"] == official_refused[0]["conversation_id"]]
    assert again and again[0]["seq"] >= official_refused[0]["seq"], official_sent

    answer = "در مرحله بررسی کارشناس است."
    panel.locator(".chat-compose textarea").fill(answer)
    panel.locator(".chat-compose textarea").press("Enter")
    expect(citizen.locator("#chat .msg-them", has_text=answer)).to_have_count(1)
    # The same on the citizen's side: their refused mark goes again, the official sees it.
    mine = panel.locator(".msg-me[data-seq]", has_text=answer).locator('[data-role="seen"]')
    expect(mine).to_have_text("دیده شد", timeout=15_000)
    assert citizen_refused and citizen_refused[0]["ref"] == "read"
    assert [f for f in reads(citizen_sent)[1:] if f["seq"] >= citizen_refused[0]["seq"]], citizen_sent

    # A refused mark is nobody's doing: neither side shows the refusal.
    expect(official.get_by_text(BUSY)).to_have_count(0)
    expect(citizen.get_by_text(BUSY)).to_have_count(0)
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['karimi']}")
