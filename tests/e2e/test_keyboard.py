"""The public site by keyboard alone (WCAG 2.1.1 keyboard, 2.4.3 focus order, 2.4.7 focus visible).

From ``/`` a citizen reaches the complaint form, fills it in, files it and reaches the tracking page
of the new case; then the tracking lookup, filled in the same way.  Only Tab, Shift+Tab, Enter and
Space move and act (typing the text itself is typing); at every stop the focused element must show a
focus ring: axe-core cannot see focus, so the test reads the computed outline (of the element, or
of the label that draws it for a hidden file input).  A <select> is set with the arrow keys,
the ticket page's tabs switch with them (the WAI-ARIA tabs pattern).  axe-core still runs on every page (conftest).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.support.challenge import answer_question

VIEWPORTS = {"desktop": (1280, 820), "phone": (360, 740)}

# The focused element, and whether a ring is drawn for it: an outline at least 2 px wide in an
# opaque colour, on the element or on the <label> around it (.file-pick label:focus-within).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body', ring: false};
  const ring = (node) => {
    const s = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && !/rgba\\(.*, 0\\)$|transparent/.test(s.outlineColor)
      && box.width > 4 && box.height > 4 && s.visibility !== 'hidden';
  };
  const label = el.closest('label');
  return {
    tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', href: el.getAttribute('href') || '',
    text: (el.innerText || el.value || '').trim().slice(0, 60), role: el.getAttribute('data-role') || '',
    ring: ring(el) || (label !== null && ring(label)),
  };
}"""


def focused(page):
    info = page.evaluate(FOCUS)
    assert info["ring"], f"the focus is not visible on {info} ({page.url})"
    return info


def tab_to(page, matches, limit=80, back=False):
    """Press Tab (Shift+Tab with ``back``) until the focused element ``matches``; every stop on
    the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        info = focused(page)
        if matches(info):
            return info
        seen.append(info.get("id") or info.get("href") or info.get("text"))
    raise AssertionError(f"not reached by {'Shift+' if back else ''}Tab in {limit} stops: {seen}")


@pytest.fixture
def keyboard_page(new_page, viewport):
    width, height = VIEWPORTS[viewport]
    return new_page(f"keyboard-{viewport}", width=width, height=height)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_complaint_filed_and_tracked_by_keyboard_alone(server, keyboard_page, viewport, screenshots):
    page = keyboard_page
    page.goto("/")

    # / -> the complaint form, through the site links
    tab_to(page, lambda f: f["tag"] == "a" and f["href"] == "/complaints/new/")
    page.screenshot(path=str(screenshots / f"keyboard-home-focus-{viewport}.png"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/complaints/new/$"))
    expect(page.locator("h1")).to_have_text("ثبت شکایت")

    typed = {
        "id_name": "رضا صفحه‌کلیدی",
        "id_national_code": "۰۴۹۹۳۷۰۸۹۹",
        "id_mobile": "۰۹۱۲۱۲۳۴۵۶۷",
        "id_subject": "برخورد نامناسب در پذیرش",
        "id_body": "شکایت با صفحه‌کلید ثبت شد.",
    }
    todo = set(typed) | {"id_about_unit", "id_hide_identity", "challenge-answer"}
    while todo:
        info = tab_to(page, lambda f: f["id"] in todo)
        todo.discard(info["id"])
        if info["id"] in typed:
            page.keyboard.type(typed[info["id"]])
        elif info["id"] == "id_about_unit":
            # a closed <select>: the arrow keys step through its options
            chosen = page.locator("#id_about_unit option:checked")
            for _ in range(20):
                if chosen.inner_text() == "معاونت درمان":
                    break
                page.keyboard.press("ArrowDown")
            expect(chosen).to_have_text("معاونت درمان")
        elif info["id"] == "id_hide_identity":
            page.keyboard.press("Space")
            expect(page.locator("#id_hide_identity")).to_be_checked()
        else:
            page.keyboard.type(answer_question(page.locator("[data-role=challenge-question]").inner_text()))
    # Shift+Tab goes back to the national code, unchanged, and Tab comes forward to the submit
    tab_to(page, lambda f: f["id"] == "id_national_code", back=True)
    expect(page.locator("#id_national_code")).to_have_value(typed["id_national_code"])
    tab_to(page, lambda f: f["role"] == "submit")
    page.screenshot(path=str(screenshots / f"keyboard-complaint-submit-focus-{viewport}.png"), full_page=True)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/forms/filed/$"), timeout=20_000)
    code = page.locator("[data-role=tracking-code]").get_attribute("data-code")
    tab_to(page, lambda f: f["role"] == "track-link")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/track/{code.replace('-', '')}/$"))
    expect(page.locator("[data-role=code]")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("برخورد نامناسب در پذیرش")

    # the tracking lookup, as from another browser: the site link «پیگیری», code and mobile
    tab_to(page, lambda f: f["tag"] == "a" and f["href"] == "/track/")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/track/$"))
    for field, text in (("track-code", code), ("track-contact", typed["id_mobile"])):
        tab_to(page, lambda f, field=field: f["id"] == field)
        page.keyboard.type(text)
    if page.locator("#challenge-answer").count():
        tab_to(page, lambda f: f["id"] == "challenge-answer")
        page.keyboard.type(answer_question(page.locator("[data-role=challenge-question]").inner_text()))
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "پیگیری")
    page.screenshot(path=str(screenshots / f"keyboard-track-focus-{viewport}.png"), full_page=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/track/{code.replace('-', '')}/$"))
    expect(page.locator("h1")).to_contain_text("برخورد نامناسب در پذیرش")


A_TICKET = """
from chatdesk.directory.models import Unit
from chatdesk.tickets import services
from chatdesk.tickets.models import Ticket
if not Ticket.objects.filter(subject="پرسش صفحه‌کلید").exists():
    services.ticket_open(kind=Ticket.Kind.REQUEST, unit=Unit.objects.get(code="treatment"), subject="پرسش صفحه‌کلید",
                         body="متن پرسش", name="مریم احمدی", mobile="09121234567", email="maryam@example.ir",
                         rate_limit=False)
"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_ticket_page_reply_and_note_are_tabs(server, keyboard_page, viewport, axe_guard, screenshots):
    """The console's ticket page: «پاسخ به شهروند» / «یادداشت داخلی» is a WAI-ARIA tab list (one tab
    in the Tab order, arrows switch, each tab controls its panel), and a note is filed by keyboard."""
    server.shell(A_TICKET)
    page = keyboard_page
    page.goto("/console/")
    page.fill("#id_username", "moradi")
    page.fill("#id_password", "demo-1405")
    page.click("[type=submit]")
    page.click(".console-nav >> text=پرونده‌ها")
    page.locator("tr[data-ticket]", has_text="پرسش صفحه‌کلید").locator("a.ticket-code").click()

    tabs = page.get_by_role("tablist", name="پاسخ یا یادداشت")
    reply, note = tabs.get_by_role("tab", name="پاسخ به شهروند"), tabs.get_by_role("tab", name="یادداشت داخلی")
    expect(reply).to_have_attribute("aria-selected", "true")
    expect(note).to_have_attribute("aria-selected", "false")
    expect(page.get_by_role("tabpanel", name="پاسخ به شهروند")).to_be_visible()
    expect(page.locator("#pane-note")).to_be_hidden()
    # only the selected tab is a Tab stop: Tab from the reply tab lands in its panel's textarea
    tab_to(page, lambda f: f["id"] == "tab-reply")
    # RTL: the left arrow goes to the next tab (drawn to the left), the right arrow back; End/Home
    page.keyboard.press("ArrowLeft")
    expect(note).to_be_focused()
    expect(note).to_have_attribute("aria-selected", "true")
    expect(reply).to_have_attribute("aria-selected", "false")
    expect(page.get_by_role("tabpanel", name="یادداشت داخلی")).to_be_visible()
    expect(page.locator("#pane-reply")).to_be_hidden()
    focused(page)
    axe_guard.check(page, "the ticket page on the note tab")
    page.screenshot(path=str(screenshots / f"ticket-note-tab-{viewport}.png"), full_page=True)
    page.keyboard.press("ArrowRight")
    expect(reply).to_be_focused()
    expect(page.locator("#pane-reply")).to_be_visible()
    page.keyboard.press("End")
    expect(note).to_be_focused()
    page.keyboard.press("Home")
    expect(reply).to_be_focused()
    page.keyboard.press("ArrowLeft")
    # the next Tab stop after the selected tab is its panel's first field; then the note is filed
    info = tab_to(page, lambda f: f["tag"] in ("textarea", "input", "button", "select", "a"), limit=1)
    assert info["id"] == "note-body", info
    note_text = f"یادداشت با صفحه‌کلید ({'دسکتاپ' if viewport == 'desktop' else 'تلفن'})"
    page.keyboard.type(note_text)
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "ثبت یادداشت")
    page.keyboard.press("Enter")
    expect(page.locator(".timeline .entry-note", has_text=note_text)).to_have_count(1)
