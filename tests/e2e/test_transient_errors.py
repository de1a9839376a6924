"""A message written while the server cannot store it is kept and delivered once, in real browsers.

The desk runs here on a PostgreSQL cluster of its own (tests/support/servers.py), which the test
stops and starts again: a real outage, not a mock.  While it is down the server answers every
``message.send`` with ``error`` ``unavailable`` (consumers/base.py).  The widget and the console
must keep what was typed, show it as pending with a notice that it will be sent again, resend it
with backoff (and after a reconnect, which here also fails for a while: the citizen's ``hello``
meets the same outage) and, once the database is back, show it exactly once on both sides, with
one row in the database.  The second test floods one socket past its inbox (``busy``).

Run with the other browser tests (see conftest.py); needs PostgreSQL's binaries (initdb, pg_ctl).
"""

import re

import psycopg
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _base_env, run_server
from tests.e2e.test_chat_flow import OFFICIALS, TIMESTAMP, citizen_send, console_login, official_send, start_chat, take, widget
from tests.support import servers

# «ارسال نشد؛ ۴ ثانیه دیگر به‌طور خودکار دوباره فرستاده می‌شود»: Persian digits only.
NOTICE = re.compile(r"^ارسال نشد؛ [۰-۹]+ ثانیه دیگر به‌طور خودکار دوباره فرستاده می‌شود$")
# Each retry that fails doubles the wait: 2 s, then 4 s, then 8 s …
SECOND_NOTICE = re.compile(r"^ارسال نشد؛ [۳۴] ثانیه دیگر")


@pytest.fixture(scope="module")
def cluster():
    pg = servers.PostgresCluster().init().start()
    try:
        yield pg
    finally:
        pg.destroy()


@pytest.fixture(scope="module")
def server(tmp_path_factory, cluster):
    """The desk on the private cluster: uvicorn, in-memory layer, no background worker (nothing
    here needs one, and a worker would only log the outage)."""
    with psycopg.connect(cluster.url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute('CREATE DATABASE "chatdesk_e2e"')
    tmp = tmp_path_factory.mktemp("e2e-pg-server")
    env = _base_env(tmp)
    env["DATABASE_URL"] = cluster.url("chatdesk_e2e")
    with run_server(tmp, env, "--no-worker") as running:
        yield running


WATCH = """([selector, texts]) => {
  // Every 20 ms: each text, once shown, must stay on the page, and never twice.
  window.__lost = []; window.__twice = []; const seen = {};
  setInterval(() => {
    const bodies = Array.from(document.querySelectorAll(selector)).map((n) => n.textContent);
    texts.forEach((t) => {
      const n = bodies.filter((b) => b === t).length;
      if (n) seen[t] = true;
      else if (seen[t]) window.__lost.push(t);
      if (n > 1) window.__twice.push(t);
    });
  }, 20);
}"""


def watch(page, selector, texts):
    page.evaluate(WATCH, [selector, texts])


def watched(page):
    return page.evaluate("({lost: window.__lost, twice: window.__twice})")


class Frames:
    """Every WebSocket frame a page sends and receives, parsed."""

    def __init__(self, page):
        self.sent, self.received = [], []
        page.on("websocket", self._socket)

    def _socket(self, ws):
        ws.on("framesent", lambda payload: self.sent.append(_json(payload)))
        ws.on("framereceived", lambda payload: self.received.append(_json(payload)))

    def sends(self, body):
        return [f for f in self.sent if f.get("type") in ("message.send", "note.add") and f.get("body") == body]


def _json(payload):
    import json

    try:
        frame = json.loads(payload)
    except (TypeError, ValueError):
        return {}
    return frame if isinstance(frame, dict) else {}


def wait_until(page, condition, message, timeout_ms=15_000):
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)  # lets Playwright deliver the page's events meanwhile
    raise AssertionError(message)


def rows(server, body):
    with psycopg.connect(server.env["DATABASE_URL"], autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT sender, client_id FROM chats_message WHERE body = %s", (body,)).fetchall()


def test_messages_written_during_a_database_outage_are_kept_and_delivered_once(new_page, server, cluster, browser_log, screenshots):
    # The citizen's network also drops during the outage (below): the browser logs the failed socket.
    browser_log.allow(r"citizen: WebSocket connection to .* failed: .*ERR_INTERNET_DISCONNECTED")
    citizen_name = "نرگس امینی"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    official_frames, citizen_frames = Frames(official), Frames(citizen)
    console_login(official, "karimi")
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام")
    panel = take(official, citizen_name)
    expect(panel.locator(".msg-them", has_text="سلام")).to_have_count(1)
    official_send(panel, "سلام، بفرمایید.")
    expect(citizen.locator("#chat .msg-them", has_text="سلام، بفرمایید.")).to_have_count(1)

    from_citizen = "پیامی که هنگام قطع پایگاه داده نوشته شد"
    from_official = "پاسخی که هنگام قطع پایگاه داده نوشته شد"
    watch(citizen, "#chat .msg .msg-body", [from_citizen])
    watch(official, ".chat-panel .msg .msg-body", [from_official])

    cluster.stop()
    try:
        widget(citizen, "input").fill(from_citizen)
        widget(citizen, "input").press("Enter")
        mine = citizen.locator("#chat .msg.pending", has_text=from_citizen)
        expect(mine).to_have_count(1)
        expect(mine.locator(".msg-time")).to_have_text(NOTICE)
        expect(mine).to_have_class(re.compile(r"\bretrying\b"))
        widget(citizen, "messages").screenshot(path=str(screenshots / "citizen-retry-notice.png"))

        panel.locator(".chat-compose textarea").fill(from_official)
        panel.locator(".chat-compose textarea").press("Enter")
        reply = panel.locator(".msg.pending", has_text=from_official)
        expect(reply).to_have_count(1)
        expect(reply.locator(".msg-time")).to_have_text(NOTICE)
        panel.screenshot(path=str(screenshots / "console-retry-notice.png"))

        # Still down at the first retry: the notice comes back with a longer wait, nothing is lost.
        expect(mine.locator(".msg-time")).to_have_text(SECOND_NOTICE)
        expect(reply.locator(".msg-time")).to_have_text(SECOND_NOTICE)
        assert from_citizen in citizen.evaluate("localStorage.getItem('chatdesk.outbox.v1')")
        assert from_official in official.evaluate("Object.keys(localStorage).filter(k => k.startsWith('chatdesk.console.outbox.')).map(k => localStorage.getItem(k)).join()")

        # The citizen's network drops too: the new socket's hello meets the outage and is tried
        # again later; the message waits in the outbox meanwhile.
        citizen.context.set_offline(True)
        expect(widget(citizen, "conn")).not_to_have_class(re.compile(r"\bopen\b"))
        mark = len(citizen_frames.received)
        citizen.context.set_offline(False)
        wait_until(citizen, lambda: any(
            f.get("type") == "error" and f.get("ref") == "hello" and f.get("code") == "unavailable" for f in citizen_frames.received[mark:]
        ), "the new socket's hello did not meet the outage")
        expect(mine).to_have_count(1)
    finally:
        cluster.start()

    delivered = citizen.locator("#chat .msg-me[data-seq]", has_text=from_citizen)
    expect(delivered).to_have_count(1, timeout=45_000)
    expect(delivered.locator(".msg-time")).to_have_text(TIMESTAMP)
    expect(citizen.locator("#chat .msg.pending")).to_have_count(0)
    expect(panel.locator(".msg-them", has_text=from_citizen)).to_have_count(1, timeout=20_000)
    answered = panel.locator(".msg-me[data-seq]", has_text=from_official)
    expect(answered).to_have_count(1, timeout=45_000)
    expect(panel.locator(".msg.pending")).to_have_count(0)
    expect(citizen.locator("#chat .msg-them", has_text=from_official)).to_have_count(1, timeout=20_000)
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['karimi']}")

    official.wait_for_timeout(1000)  # a second copy would arrive here
    for page, selector, text in ((citizen, "#chat .msg", from_citizen), (citizen, "#chat .msg", from_official),
                                 (official, ".chat-panel .msg", from_citizen), (official, ".chat-panel .msg", from_official)):
        expect(page.locator(selector, has_text=text)).to_have_count(1)
    # Never gone from the page, never shown twice, from the moment it was typed.
    assert watched(citizen) == {"lost": [], "twice": []}
    assert watched(official) == {"lost": [], "twice": []}
    assert citizen.evaluate("localStorage.getItem('chatdesk.outbox.v1')") is None
    assert official.evaluate("Object.keys(localStorage).filter(k => k.startsWith('chatdesk.console.outbox.'))") == []

    # What went over the wire: the same client_id each time, refused as unavailable, then acked.
    for frames, body in ((citizen_frames, from_citizen), (official_frames, from_official)):
        sends = frames.sends(body)
        ids = {f["client_id"] for f in sends}
        assert len(ids) == 1 and len(sends) >= 2, sends
        refusals = [f["code"] for f in frames.received if f.get("type") == "error" and f.get("client_id") in ids]
        assert refusals and set(refusals) == {"unavailable"}, refusals
        assert [f["seq"] for f in frames.received if f.get("type") == "ack" and f.get("client_id") in ids][:1]
    # The citizen's hello met the outage at least once, and a later one was welcomed.
    hello_errors = [i for i, f in enumerate(citizen_frames.received) if f.get("type") == "error" and f.get("ref") == "hello"]
    assert hello_errors and any(f.get("type") == "welcome" for f in citizen_frames.received[hello_errors[-1]:])

    # One row each in the database.
    assert [r[0] for r in rows(server, from_citizen)] == ["citizen"]
    assert [r[0] for r in rows(server, from_official)] == ["official"]

    # And the chat goes on as before.
    official_send(panel, "پیام شما رسید.")
    expect(citizen.locator("#chat .msg-them", has_text="پیام شما رسید.")).to_have_count(1)


FLOOD = """([conversationId, count]) => {
  // The official's replies go out faster than the server takes them: a long outbox flushed after
  // a reconnect does this; here they are submitted through the compose form in one go.
  const panel = document.querySelector(`.chat-panel[data-conversation="${conversationId}"]`);
  const input = panel.querySelector(".chat-compose textarea");
  const form = panel.querySelector(".chat-compose");
  for (let i = 1; i <= count; i++) { input.value = "پاسخ پیاپی " + i; form.requestSubmit(); }
}"""


def test_replies_refused_as_busy_are_sent_again_and_stored_once(new_page, server):
    """More frames than a socket's inbox holds (consumers/base.py INBOX_LIMIT): the server refuses
    the rest with ``busy`` and ``retry_after``; the console keeps them and sends them again.

    The test holds the conversation's row lock while the page sends, so the socket's first
    message waits in the database and the rest pile up in its inbox: the refusal no longer
    depends on the machine being too slow to keep pace (a faster message path kept pace with
    400 frames sent at once)."""
    count = 150  # more than the inbox holds (64) while the first one waits
    citizen_name = "کاوه رستمی"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    frames = Frames(official)
    console_login(official, "rezaei")
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام")
    panel = take(official, citizen_name)
    conversation_id = panel.get_attribute("data-conversation")

    busy = lambda: [f for f in frames.received if f.get("type") == "error" and f.get("code") == "busy"]  # noqa: E731
    with psycopg.connect(server.env["DATABASE_URL"], connect_timeout=5) as lock:  # one transaction, until the refusals
        lock.execute("SELECT 1 FROM chats_conversation WHERE id = %s FOR UPDATE", (int(conversation_id),))
        official.evaluate(FLOOD, [conversation_id, count])
        wait_until(official, lambda: busy(), "the inbox took every frame: no busy refusal")
    # Every refusal says when to send again; those of the flooded messages name their client_id.
    # (The console's own read and seen marks may be refused too: they carry no client_id but a
    # ref, and are sent again after retry_after: test_marks_retry.py.)
    assert all(f.get("retry_after") for f in busy())
    assert [f for f in busy() if f.get("client_id")]
    # Those refused wait with a notice; nothing is dropped meanwhile.
    expect(panel.locator(".msg.pending.retrying").first).to_be_visible()
    shown = panel.locator(".msg-me[data-seq]")
    expect(shown).to_have_count(count, timeout=45_000)
    expect(panel.locator(".msg.pending")).to_have_count(0)

    bodies = [f"پاسخ پیاپی {i}" for i in range(1, count + 1)]
    assert sorted(shown.locator(".msg-body").all_inner_texts()) == sorted(bodies)
    expect(citizen.locator("#chat .msg-them")).to_have_count(count, timeout=30_000)
    assert sorted(citizen.locator("#chat .msg-them .msg-body").all_inner_texts()) == sorted(bodies)
    with psycopg.connect(server.env["DATABASE_URL"], autocommit=True, connect_timeout=5) as conn:
        stored = conn.execute(
            "SELECT body FROM chats_message WHERE conversation_id = %s AND sender = 'official'", (int(conversation_id),)
        ).fetchall()
    assert sorted(b for (b,) in stored) == sorted(bodies)  # each once
    refused = {f["client_id"] for f in busy() if f.get("client_id")}
    resent = [f for f in frames.sent if f.get("type") == "message.send" and f.get("client_id") in refused]
    assert len(resent) >= 2 * len(refused)  # the first send and at least one more, same client_id
