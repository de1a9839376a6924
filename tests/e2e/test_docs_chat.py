"""A missing document sent in a live chat (#18: «the citizen uploads it from the tracking page, by
email reply or chat»), in a real browser on a desktop and a 360x740 phone: from ``/`` the citizen
clicks «پیگیری», opens the case that waits for a document, clicks «فرستادن مدرک در گفتگوی آنلاین»,
starts the chat the widget opens on the case's unit, reads that the chat is for the case, sends
the document, and finds it on the case, which is being handled again."""

import re

import pytest
from playwright.sync_api import expect

from chatdesk.core.tracking import format_tracking_code
from tests.support.challenge import fill_in_browser
from tests.support.documents import PDF

from .test_chat_flow import FA_MOBILE, UNIT, assert_rtl_persian, console_login, widget

# A request of the treatment deputy (the official asks for the document in the console below).
NEW_CASE = """
from chatdesk.directory.models import Unit
from chatdesk.tickets import services
unit = Unit.objects.get(code="treatment")
ticket = services.ticket_open(kind="request", unit=unit, subject="صدور گواهی پایان طرح", body="گواهی پایان طرح را می‌خواهم.",
                              name={name!r}, mobile="09123456789").ticket
open({path!r}, "w").write(ticket.code)
"""


def ask_for_the_document(official, code):
    """From /console/: «پرونده‌ها», the case, «درخواست مدرک از شهروند»."""
    official.locator(".console-nav a", has_text="پرونده‌ها").click()
    shown = format_tracking_code(code, persian=True)
    official.locator("tr[data-ticket]", has=official.locator(".ticket-code", has_text=shown)).locator("a.ticket-code").click()
    form = official.locator('[data-role="docs-request"]')
    form.locator('textarea[name="missing"]').fill("تصویر کارت ملی")
    form.locator("button[type=submit]").click()
    expect(official.locator('[data-role="flash"]')).to_be_visible()
    expect(official.locator(".ticket-page .ticket-status").first).to_have_text("در انتظار مدارک شهروند")


def assert_badge_visible(page):
    """The status badge's white text needs its own background (one per status in desk.css)."""
    background = page.locator(".ticket-status").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background


def open_case_from_home(page, code, from_home=True):
    if from_home:
        page.goto("/")
        page.locator('[data-role="site-nav"] a[data-nav="track"]').click()
    expect(page).to_have_url(re.compile(r"/track/$"))
    page.fill("#track-code", format_tracking_code(code, persian=True))
    page.fill("#track-contact", FA_MOBILE)
    if page.locator("[data-role=challenge-question]").count():  # the security question, once asked for
        fill_in_browser(page)
    page.locator("form button[type=submit]", has_text="پیگیری").click()
    expect(page).to_have_url(re.compile(rf"/track/{code}/$"))
    assert_rtl_persian(page)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_missing_document_sent_in_the_chat_reaches_the_case(device, new_page, server, screenshots, tmp_path):
    name = "نرگس مدرک‌فرست" if device == "desktop" else "الهام مدرک‌فرست"
    code_file = tmp_path / "code.txt"
    server.shell(NEW_CASE.format(name=name, path=str(code_file)))
    code = code_file.read_text().strip()
    official = new_page(f"official-{device}")
    console_login(official, "karimi")  # someone on duty: the unit is reachable live
    ask_for_the_document(official, code)

    size = {"width": 360, "height": 740} if device == "phone" else {}
    page = new_page(f"citizen-{device}", **size)
    open_case_from_home(page, code)
    needed = page.locator('[data-role="docs-needed"]')
    expect(needed).to_contain_text("تصویر کارت ملی")
    expect(needed).to_contain_text(f"یا در گفتگوی آنلاین با {UNIT}")
    expect(page.locator(".ticket-status")).to_have_text("در انتظار مدارک شهروند")
    assert_badge_visible(page)
    page.screenshot(path=str(screenshots / f"docs-chat-track-{device}.png"), full_page=True)

    needed.locator('[data-role="docs-chat"]').click()
    expect(page).to_have_url(re.compile(r"/\?unit=\d+#chat$"))
    expect(widget(page, "start")).to_be_visible()
    expect(page.locator("#chat-unit option:checked")).to_have_text(UNIT)
    page.fill("#chat-name", name)
    page.fill("#chat-mobile", FA_MOBILE)
    page.click('#chat form[data-role="start"] button[type="submit"]')
    expect(widget(page, "chat")).to_be_visible()
    shown = format_tracking_code(code, persian=True)
    expect(page.locator("#chat", has_text=f"این گفتگو برای فرستادن مدارک پرونده {shown} است")).to_have_count(1)

    pdf = tmp_path / "کارت ملی.pdf"
    pdf.write_bytes(PDF)
    with page.expect_response(re.compile(r"/api/chat/files/$")) as sent:
        widget(page, "file").set_input_files(str(pdf))
    assert sent.value.status == 201, sent.value.text()
    expect(page.locator("#chat .msg-me[data-seq] [data-role=file-link]")).to_contain_text("کارت ملی.pdf")
    page.screenshot(path=str(screenshots / f"docs-chat-widget-{device}.png"), full_page=True)

    widget(page, "hide").click()  # «بستن پنجره»: on a phone the chat covers the header; it goes on
    expect(widget(page, "chat")).to_be_hidden()
    page.locator('[data-role="site-nav"] a[data-nav="track"]').click()
    open_case_from_home(page, code, from_home=False)
    expect(page.locator(".ticket-status")).to_have_text("در حال رسیدگی")
    expect(page.locator('[data-role="docs-needed"]')).to_have_count(0)
    sent_entry = page.locator(".timeline .entry-citizen", has_text="مدرک در گفتگوی آنلاین فرستاده شد")
    expect(sent_entry).to_have_count(1)
    link = sent_entry.locator(".entry-file a")
    expect(link).to_contain_text("کارت ملی.pdf")
    with page.expect_download() as download:
        link.click()
    assert open(download.value.path(), "rb").read() == PDF
    page.screenshot(path=str(screenshots / f"docs-chat-case-{device}.png"), full_page=True)
