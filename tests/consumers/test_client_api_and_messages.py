"""The browser scripts' JSON helper (static/js/api.js) and shared message renderer
(static/js/messages.js), run by Node in a small stand-in for the page (no browser needed).

- DeskApi.json sends the CSRF token on writes, resolves only with a 2xx JSON answer, and rejects
  anything else with the server's Persian error (code, field, retry_after kept), or with a Persian
  "could not reach the server" when there was no answer of ours (docs/protocol.md).
- ChatMessages draws what someone typed as text: a body, an author or a file name that looks like
  HTML stays text, no element is made from it, and nothing is written as HTML."""

import json
import pathlib
import shutil
import subprocess

import pytest

JS = pathlib.Path(__file__).resolve().parents[2] / "static" / "js"

# A stand-in for the few DOM parts fa.js and messages.js use.  Writing innerHTML (or outerHTML,
# insertAdjacentHTML, document.write) is recorded, so a renderer that builds HTML from text fails.
PAGE = r"""
const vm = require("vm"), fs = require("fs");
const htmlWrites = [];
class Text { constructor(t) { this.data = String(t); this.parentNode = null; } get textContent() { return this.data; } }
class Element {
  constructor(tag) { this.tagName = tag.toUpperCase(); this.childNodes = []; this.attributes = {}; this.className = "";
                     this.parentNode = null; this.listeners = {}; this.scrollTop = 0; this.hidden = false; }
  get scrollHeight() { return 1000; }
  appendChild(n) { if (n.parentNode) n.parentNode.removeChild(n); n.parentNode = this; this.childNodes.push(n); return n; }
  removeChild(n) { this.childNodes = this.childNodes.filter((c) => c !== n); n.parentNode = null; return n; }
  remove() { if (this.parentNode) this.parentNode.removeChild(this); }
  get children() { return this.childNodes.filter((c) => c instanceof Element); }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(""); }
  set textContent(t) { this.childNodes.forEach((c) => { c.parentNode = null; }); this.childNodes = []; if (t !== "") this.appendChild(new Text(t)); }
  set innerHTML(h) { htmlWrites.push(["innerHTML", h]); }
  set outerHTML(h) { htmlWrites.push(["outerHTML", h]); }
  insertAdjacentHTML(p, h) { htmlWrites.push(["insertAdjacentHTML", h]); }
  setAttribute(k, v) { this.attributes[k] = String(v); }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  set dir(v) { this.attributes.dir = v; }
  get dir() { return this.attributes.dir || ""; }
  set href(v) { this.attributes.href = v; }
  get href() { return this.attributes.href; }
  addEventListener(type, fn) { this.listeners[type] = fn; }
  all() { return this.children.flatMap((c) => [c, ...c.all()]); }
  matches(sel) {
    let m = sel.match(/^\.([\w-]+)$/);
    if (m) return this.className.split(" ").includes(m[1]);
    m = sel.match(/^\[([\w-]+)="([^"]*)"\]$/);
    if (m) return this.getAttribute(m[1]) === m[2];
    throw new Error("selector not in the stand-in: " + sel);
  }
  querySelector(sel) { return this.all().find((e) => e.matches(sel)) || null; }
  querySelectorAll(sel) { return this.all().filter((e) => e.matches(sel)); }
}
const document = {
  cookie: "sessionid=s; csrftoken=tok%2Bken; other=1",
  createElement: (t) => new Element(t),
  createTextNode: (t) => new Text(t),
  write: (h) => htmlWrites.push(["document.write", h]),
};
const window = { document };
const context = { window, document, console, JSON, Promise, Error, Object, Array, String, Number, RegExp,
                  Uint8Array, decodeURIComponent, encodeURIComponent };
window.window = window;
vm.createContext(context);
for (const name of ["fa.js", "api.js", "messages.js"]) vm.runInContext(fs.readFileSync(process.argv[1] + "/" + name, "utf8"), context);
"""

API = PAGE + r"""
const calls = [];
function answer(status, body) {  // body: an object (JSON), a string (not JSON) or an Error (no answer)
  window.fetch = (url, init) => {
    calls.push({ url, method: init.method, headers: init.headers, body: init.body, credentials: init.credentials });
    if (body instanceof Error) return Promise.reject(new TypeError("Failed to fetch"));
    return Promise.resolve({
      ok: status >= 200 && status < 300, status,
      json: () => typeof body === "string" ? Promise.reject(new SyntaxError("not JSON")) : Promise.resolve(body),
    });
  };
}
async function outcome(status, body, options) {
  answer(status, body);
  try {
    return { resolved: await window.DeskApi.json("/api/x/", options) };
  } catch (err) {
    return { rejected: { isError: err instanceof Error, message: err.message, status: err.status, code: err.code,
                         field: err.field, retryAfter: err.retryAfter } };
  }
}
(async () => {
  const out = {
    created: await outcome(201, { token: "t" }, { body: { name: "سارا" } }),
    refused: await outcome(400, { error: { code: "invalid_mobile", message: "شماره همراه درست نیست.", field: "mobile" } }, { body: {} }),
    limited: await outcome(429, { error: { code: "rate_limited", message: "کمی صبر کنید.", retry_after: 30 } }, { body: {} }),
    bare500: await outcome(500, {}, { body: {} }),
    proxy502: await outcome(502, "<html>Bad Gateway</html>", { body: {} }),
    okNotJson: await outcome(200, "<html></html>", {}),
    offline: await outcome(0, new Error("down"), { body: {} }),
    read: await outcome(200, { unit: 3 }, {}),
    calls,
  };
  console.log(JSON.stringify(out));
})();
"""

RENDER = PAGE + r"""
const list = new Element("div");
const typing = new Element("div");
const HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
const citizen = { me: "citizen", author: (m) => m.sender === "official" ? m.author : null, typing };
const official = { me: "official", author: (m) => m.sender === "official" ? m.author : "شهروند " + HOSTILE };
// a pending bubble of ours, then the server's copy of it
window.ChatMessages.pending(list, { client_id: "c1", body: HOSTILE });
const pendingBefore = list.querySelectorAll('[data-client-id="c1"]').length;
window.ChatMessages.render(list, { seq: 1, kind: "text", sender: "citizen", client_id: "c1", body: HOSTILE, ts_display: "۱۰:۰۰" }, citizen);
typing.hidden = false;
window.ChatMessages.render(list, { seq: 2, kind: "text", sender: "official", author: "<b>مریم</b>", body: "سلام " + HOSTILE, ts_display: "۱۰:۰۱" }, citizen);
const typingAfterOfficial = typing.hidden;
const downloads = [];
window.ChatMessages.render(list, { seq: 3, kind: "file", sender: "official", author: "مریم", body: "",
  file: { url: "/api/chat/files/9/", name: HOSTILE + ".pdf", content_type: "application/pdf", size_display: "۲ کیلوبایت" } },
  Object.assign({ download: (f) => downloads.push(f.name) }, citizen));
const consoleList = new Element("div");
window.ChatMessages.render(consoleList, { seq: 1, kind: "text", sender: "citizen", body: HOSTILE, ts_display: "۱۰:۰۲" }, official);
window.ChatMessages.render(consoleList, { seq: 2, kind: "file", sender: "citizen", body: "",
  file: { url: "/f/", name: "نامه.pdf", content_type: "application/pdf", size_display: "۱" } }, official);
const bubbles = list.children;
const fileLink = bubbles[2].querySelector('[data-role="file-link"]');
let prevented = false;
fileLink.listeners.click({ preventDefault() { prevented = true; } });
const consoleLink = consoleList.children[1].querySelector('[data-role="file-link"]');
const tags = [list, consoleList].flatMap((l) => l.all()).map((e) => e.tagName);
console.log(JSON.stringify({
  htmlWrites,
  tags: Array.from(new Set(tags)).sort(),
  pendingBefore,
  pendingAfter: list.querySelectorAll('[data-client-id="c1"]').filter((n) => n.className.includes("pending")).length,
  classes: bubbles.map((b) => b.className),
  seqs: bubbles.map((b) => b.getAttribute("data-seq")),
  mineBody: bubbles[0].querySelector(".msg-body").textContent,
  mineAuthor: bubbles[0].querySelector(".msg-author"),
  theirAuthor: bubbles[1].querySelector(".msg-author").textContent,
  theirAuthorIsolated: bubbles[1].querySelector(".msg-author").children.map((c) => [c.tagName, c.dir]),
  theirBody: bubbles[1].querySelector(".msg-body").textContent,
  typingAfterOfficial,
  fileName: bubbles[2].querySelector(".msg-file-name").textContent,
  fileLinkDownloadAttr: fileLink.getAttribute("download"),
  prevented, downloads,
  consoleAuthor: consoleList.children[0].querySelector(".msg-author").textContent,
  consoleClass: consoleList.children[0].className,
  consoleLinkDownloadAttr: consoleLink.getAttribute("download"),
}));
"""


def run(script):
    node = shutil.which("node")
    assert node, "Node.js runs the client tests (apt-get install nodejs)"
    done = subprocess.run([node, "-e", script, str(JS)], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def api():
    return run(API)


@pytest.fixture(scope="module")
def rendered():
    return run(RENDER)


UNREACHABLE = "ارتباط با سرور برقرار نشد؛ لطفاً دوباره تلاش کنید."


def test_json_helper_sends_the_csrf_token_and_json_on_writes_only(api):
    write, read = api["calls"][0], api["calls"][-1]
    assert write["method"] == "POST" and write["credentials"] == "same-origin"
    assert write["headers"] == {"X-CSRFToken": "tok+ken", "Content-Type": "application/json"}
    assert json.loads(write["body"]) == {"name": "سارا"}
    assert read["method"] == "GET" and read["headers"] == {} and "body" not in read  # no body sent
    assert api["created"] == {"resolved": {"token": "t"}}
    assert api["read"] == {"resolved": {"unit": 3}}


def test_json_helper_rejects_a_refusal_with_the_servers_persian_error(api):
    assert api["refused"] == {"rejected": {"isError": True, "message": "شماره همراه درست نیست.", "status": 400,
                                           "code": "invalid_mobile", "field": "mobile", "retryAfter": None}}
    assert api["limited"]["rejected"]["message"] == "کمی صبر کنید."
    assert api["limited"]["rejected"]["retryAfter"] == 30 and api["limited"]["rejected"]["status"] == 429


def test_json_helper_rejects_answers_that_are_not_ours_in_persian(api):
    assert api["bare500"]["rejected"]["message"] == "خطایی رخ داد."
    assert api["bare500"]["rejected"]["code"] == "http_500"
    for case, status in (("proxy502", 502), ("okNotJson", 200), ("offline", 0)):
        assert api[case]["rejected"]["message"] == UNREACHABLE, case
        assert api[case]["rejected"]["status"] == status, case
        assert api[case]["rejected"]["code"] == "network", case


HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_renderer_keeps_typed_text_as_text(rendered):
    assert rendered["htmlWrites"] == []
    assert set(rendered["tags"]) <= {"DIV", "BDI", "A", "SPAN"}  # no IMG, no SCRIPT made from the text
    assert rendered["mineBody"] == HOSTILE
    assert rendered["theirBody"] == "سلام " + HOSTILE
    assert rendered["theirAuthor"] == "<b>مریم</b>"
    assert rendered["theirAuthorIsolated"] == [["BDI", "auto"]]
    assert rendered["fileName"] == HOSTILE + ".pdf"
    assert rendered["consoleAuthor"] == "شهروند " + HOSTILE


def test_renderer_replaces_the_pending_bubble_and_sides_messages(rendered):
    assert rendered["pendingBefore"] == 1 and rendered["pendingAfter"] == 0
    assert rendered["seqs"] == ["1", "2", "3"]
    assert rendered["classes"] == ["msg msg-me", "msg msg-them", "msg msg-them"]
    assert rendered["mineAuthor"] is None  # the citizen's own messages carry no name in the widget
    assert rendered["consoleClass"] == "msg msg-them"
    assert rendered["typingAfterOfficial"] is True


def test_renderer_documents_download_by_script_in_the_widget_and_by_link_in_the_console(rendered):
    assert rendered["prevented"] is True and rendered["downloads"] == [HOSTILE + ".pdf"]
    assert rendered["fileLinkDownloadAttr"] is None
    assert rendered["consoleLinkDownloadAttr"] == "نامه.pdf"
