"""Documents in the live chat, in two real browsers: the citizen sends a PDF (progress shown),
both screens show it as a download with name and size, the official answers with an image, the
citizen downloads it, and a disguised file is refused with a Persian message."""

import re

from playwright.sync_api import expect

from tests.e2e.test_chat_flow import chat_taken, console_login, start_chat, widget
from tests.support.documents import JPEG, PDF


def test_documents_go_both_ways_in_the_chat(new_page, screenshots, tmp_path, browser_log):
    browser_log.allow(r"status of 400 .*/api/chat/files/")  # the disguised file, refused on purpose
    citizen_name = "نرگس پرونده‌دار"
    official, citizen, panel = chat_taken(new_page, citizen_name)

    # the citizen sends a PDF with a Persian name
    pdf = tmp_path / "گواهی پایان طرح.pdf"
    pdf.write_bytes(PDF)
    with citizen.expect_response(re.compile(r"/api/chat/files/$")) as sent:
        widget(citizen, "file").set_input_files(str(pdf))
    assert sent.value.status == 201, sent.value.text()
    mine = citizen.locator("#chat .msg-me[data-seq] [data-role=file-link]")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("گواهی پایان طرح.pdf")
    expect(mine).to_contain_text("۵۴۵ بایت")
    theirs = panel.locator(".msg-them[data-seq] [data-role=file-link]")
    expect(theirs).to_contain_text("گواهی پایان طرح.pdf")
    expect(theirs).to_have_attribute("href", re.compile(r"^/api/chat/files/\d+/$"))

    # the official downloads it (session), always as an attachment
    with official.expect_download() as download:
        theirs.click()
    assert download.value.suggested_filename == "گواهی پایان طرح.pdf"
    assert open(download.value.path(), "rb").read() == PDF

    # the official answers with an image; the citizen downloads it through the token
    jpg = tmp_path / "scan.jpg"
    jpg.write_bytes(JPEG)
    panel.locator("[data-role=file]").set_input_files(str(jpg))
    answer = citizen.locator("#chat .msg-them[data-seq] [data-role=file-link]")
    expect(answer).to_contain_text("scan.jpg")
    with citizen.expect_download() as download:
        answer.click()
    assert download.value.suggested_filename == "scan.jpg"
    assert open(download.value.path(), "rb").read() == JPEG

    # an HTML page named .pdf is refused, in Persian, and nothing is added
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    widget(citizen, "file").set_input_files(str(fake))
    expect(widget(citizen, "chat-error")).to_contain_text("فقط فایل‌های PDF، JPEG و PNG")
    expect(citizen.locator("#chat [data-role=file-link]")).to_have_count(2)
    expect(citizen.locator("#chat [data-role=upload]")).to_have_count(0)
    citizen.screenshot(path=str(screenshots / "chat-files-citizen.png"))
    official.screenshot(path=str(screenshots / "chat-files-console.png"))


def test_upload_progress_is_shown_while_a_large_file_goes_up(new_page, tmp_path, server):
    # An official of its own, on duty before the citizen asks (console_login waits until the server
    # confirms it): the chat must not rest on presence an earlier test may or may not have left.
    console_login(new_page("official-progress"), "karimi")
    citizen = new_page("citizen-progress")
    start_chat(citizen, "مهدی بارگذار")
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF[:-6] + b"%" + b"0" * (6 * 1024 * 1024) + b"\n%%EOF\n")
    # slow the request down so the progress bar is visible before the answer
    citizen.route("**/api/chat/files/", lambda route: (citizen.wait_for_timeout(800), route.continue_()))
    widget(citizen, "file").set_input_files(str(big))
    upload = citizen.locator("#chat [data-role=upload]")
    expect(upload).to_be_visible()
    expect(upload.locator("progress")).to_have_count(1)
    expect(citizen.locator("#chat [data-role=file-link]", has_text="big.pdf")).to_be_visible(timeout=20_000)
    expect(upload).to_have_count(0)
