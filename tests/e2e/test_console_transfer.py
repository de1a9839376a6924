"""An official hands a chat to a colleague from the console, in real browsers.

The transfer targets (every unit with live chat and its officials) are not in the console's
``welcome``: the console asks for them (``transfer.targets``) when its transfer form opens, and
keeps the answer for a short while (docs/protocol.md §8)."""

import json
import re

from playwright.sync_api import expect

from tests.e2e.test_chat_flow import OFFICIALS, citizen_send, console_login, start_chat, take, widget


class Frames:
    def __init__(self, page):
        self.sent, self.received = [], []
        page.on("websocket", lambda ws: (ws.on("framesent", lambda p: self.sent.append(json.loads(p))),
                                         ws.on("framereceived", lambda p: self.received.append(json.loads(p)))))

    def asked(self):
        return [f for f in self.sent if f.get("type") == "transfer.targets"]


def test_transfer_to_a_colleague_with_targets_asked_on_demand(new_page, screenshots):
    citizen_name = "پریسا قاسمی"
    note = "پرسش درباره بیمه تکمیلی است"
    first = new_page("rezaei")
    second = new_page("karimi")
    citizen = new_page("citizen", width=1200)
    frames = Frames(first)
    console_login(first, "rezaei")
    console_login(second, "karimi")
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام، سؤالی درباره بیمه دارم")
    panel = take(first, citizen_name)

    welcome = next(f for f in frames.received if f.get("type") == "welcome")
    assert "transfer_targets" not in welcome
    assert frames.asked() == []  # nothing asked until a transfer form opens

    panel.get_by_role("button", name="انتقال", exact=True).click()
    form = panel.locator(".transfer-form")
    expect(form).to_be_visible()
    select = form.locator('[data-role="transfer-target"]')
    # The answer fills the list: every unit's queue, and the colleagues with their status.
    expect(select.locator("option", has_text=f"{OFFICIALS['karimi']} (آماده پاسخ‌گویی)")).to_have_count(1)
    assert len(frames.asked()) == 1
    answer = next(f for f in frames.received if f.get("type") == "transfer.targets")
    units = [t["name"] for t in answer["targets"]]
    assert "معاونت درمان" in units and "روابط عمومی" in units
    queues = select.locator("option[value^='unit:']").all_inner_texts()
    assert queues == [f"صف واحد {name}" for name in units]
    assert select.locator("optgroup").evaluate_all("gs => gs.map(g => g.label)") == units
    # Each person once: the demo supervisor serves four units and was listed four times; she is
    # offered under the chat's own unit.
    treatment = next(t for t in answer["targets"] if t["name"] == "معاونت درمان")
    supervisor = next(o for o in treatment["officials"] if o["name"] == "فاطمه مرادی")
    assert sum(o["id"] == supervisor["id"] for t in answer["targets"] for o in t["officials"]) == 4
    offered = select.locator("option", has_text="فاطمه مرادی")
    expect(offered).to_have_count(1)
    assert offered.get_attribute("value") == f"official:{supervisor['id']}:{treatment['id']}"
    all_names = [o for o in select.locator("option[value^='official:']").all_inner_texts()]
    assert len(all_names) == len(set(all_names)), all_names
    # Not oneself: the chat is already with them.
    expect(select.locator("option", has_text=OFFICIALS["rezaei"])).to_have_count(0)
    form.screenshot(path=str(screenshots / "console-transfer-form.png"))

    # Closed and opened again a moment later: the list the page has is still fresh.
    panel.get_by_role("button", name="انتقال", exact=True).click()
    expect(form).to_be_hidden()
    panel.get_by_role("button", name="انتقال", exact=True).click()
    expect(form).to_be_visible()
    first.wait_for_timeout(300)
    assert len(frames.asked()) == 1

    select.select_option(label=f"{OFFICIALS['karimi']} (آماده پاسخ‌گویی)")
    form.locator("textarea").fill(note)
    form.get_by_role("button", name="انتقال گفتگو").click()
    expect(first.locator(".toast-item", has_text="گفتگو منتقل شد.")).to_be_visible()
    expect(first.locator(".mine-item", has_text=citizen_name)).to_have_count(0)

    # The colleague has it now, with the reason as an internal note; the citizen is told where
    # the chat went, never the note.
    moved = second.locator(f'.chat-panel[data-conversation="{panel.get_attribute("data-conversation")}"]')
    expect(moved).to_be_visible()
    expect(moved.locator(".msg-note", has_text=f"انتقال: {note}")).to_have_count(1)
    expect(moved.locator(".msg-them", has_text="سلام، سؤالی درباره بیمه دارم")).to_have_count(1)
    expect(second.locator(".mine-item", has_text=citizen_name)).to_be_visible()
    transferred = f"گفتگوی شما به {OFFICIALS['karimi']} (معاونت درمان) منتقل شد."
    expect(citizen.locator("#chat .msg-event", has_text=transferred)).to_have_count(1)
    expect(widget(citizen, "state")).to_have_text(f"گفتگو با {OFFICIALS['karimi']}")
    assert note not in citizen.locator("#chat").inner_text()
    expect(moved.locator(".chat-meta")).to_contain_text(re.compile("در حال گفتگو"))
