"""The reference client's outbox (static/js/outbox.js, run by Node): which refusals it retries
and how often (docs/protocol.md §9).  ``server_error`` must not be retried forever: a fault that
meets the same frame every time would otherwise be sent every 30 seconds for as long as the page
is open."""

import json
import pathlib
import shutil
import subprocess

import pytest

OUTBOX_JS = pathlib.Path(__file__).resolve().parents[2] / "static" / "js" / "outbox.js"

SCRIPT = r"""
const vm = require("vm"), fs = require("fs");
const timers = [];
const window = {
  addEventListener() {},
  Fa: { load: (k, d) => d, store() {}, faDigits: (n) => String(n) },
};
const context = { window, setTimeout: (fn, ms) => { timers.push(fn); return timers.length; }, clearTimeout() {},
                  setInterval: () => 0, clearInterval() {}, Math, Date, JSON, String };
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), context);
const sent = [];
function fates(code, times) {
  const outbox = new window.Outbox("k", { send: (item) => { sent.push(item.client_id); return true; } });
  outbox.add({ client_id: code, body: "سلام" });
  const out = [];
  for (let i = 0; i < times; i++) {
    out.push(outbox.failed({ type: "error", code, client_id: code }));
    while (timers.length) timers.shift()();  // the retry falls due
  }
  return { fates: out, kept: outbox.has(code) };
}
console.log(JSON.stringify({
  server_error: fates("server_error", 5),
  unavailable: fates("unavailable", 8),
  busy: fates("busy", 8),
  too_long: fates("too_long", 1),
  tries: window.Outbox.SERVER_ERROR_TRIES,
}));
"""


@pytest.fixture
def outcome():
    node = shutil.which("node")
    assert node, "Node.js runs the client tests (apt-get install nodejs)"
    done = subprocess.run([node, "-e", SCRIPT, str(OUTBOX_JS)], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def test_server_error_is_retried_a_few_times_then_dropped(outcome):
    tries = outcome["tries"]
    assert tries == 3
    # the first send and two retries; the third server_error drops the message (its bubble goes,
    # the error's message is shown)
    assert outcome["server_error"]["fates"][: tries] == ["retry"] * (tries - 1) + ["dropped"]
    assert outcome["server_error"]["kept"] is False


def test_passing_refusals_are_retried_without_a_cap_and_final_ones_dropped_at_once(outcome):
    assert outcome["unavailable"] == {"fates": ["retry"] * 8, "kept": True}
    assert outcome["busy"] == {"fates": ["retry"] * 8, "kept": True}
    assert outcome["too_long"] == {"fates": ["dropped"], "kept": False}
