"""A citizen who gave only a mobile opens their case with a code sent by SMS (the embedded
default's file backend stands in for the phone), then turns the SMS notices off — clicking only,
on a desktop and a phone-sized screen."""

import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.challenge import fill_in_browser

from .test_chat_flow import assert_rtl_persian

OPEN = """
from chatdesk.directory.models import Unit
from chatdesk.tickets import services
services.ticket_open(kind="request", unit=Unit.objects.get(code="health"), subject="{subject}", body="گواهی سلامت لازم دارم.",
                     name="زهره محمدی", mobile="{mobile}", rate_limit=False)
"""


def wait_for_code(folder, mobile, seen, timeout=20):
    """The six digits of the newest SMS to ``mobile`` the worker wrote (the phone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(Path(folder).glob("sms-*.txt")):
            text = path.read_text(encoding="utf-8")
            if path.name not in seen and f"To: {mobile}" in text and "کد ورود" in text:
                seen.add(path.name)
                return re.search(r"\b([0-9]{6})\b", text)[1]
        time.sleep(0.2)
    raise AssertionError("no code SMS was written")


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_open_a_case_with_an_sms_code_and_turn_notices_off(server, new_page, screenshots, browser_log, size):
    browser_log.allow(r"status of 400 .*/track/sms/verify/\]$")  # the wrong code below is refused on purpose
    width, height = size
    mobile = f"0913555{width:04d}"
    subject = f"گواهی سلامت {width}"
    server.shell(OPEN.format(subject=subject, mobile=mobile))
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        (code,) = db.execute("SELECT code FROM tickets_ticket WHERE citizen_mobile = ?", (mobile,)).fetchone()
    label = "desktop" if width > 500 else "phone"
    page = new_page(f"track-sms-{label}", width=width, height=height)

    # The link in the SMS opens the lookup (this browser has not opened the case yet).
    page.goto(f"/track/{code}/")
    assert_rtl_persian(page)
    page.screenshot(path=str(screenshots / f"track-lookup-sms-link-{label}.png"), full_page=True)
    page.get_by_role("link", name="ورود با کد پیامکی").click()
    expect(page).to_have_url(re.compile(r"/track/sms/\?code=\d{13}$"))
    shown = "-".join([code[:4], code[4:8], code[8:]]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    expect(page.locator("#sms-code")).to_have_value(shown)  # the code as the citizen reads it
    page.fill("#sms-mobile", "۰" + "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in mobile[1:]))
    fill_in_browser(page)
    page.screenshot(path=str(screenshots / f"track-sms-request-{label}.png"), full_page=True)
    page.get_by_role("button", name="فرستادن کد").click()
    expect(page).to_have_url(re.compile(r"/track/sms/verify/$"))
    expect(page.locator('[data-role="flash"]')).to_contain_text("کدی شش‌رقمی به آن پیامک شد")
    expect(page.locator("body")).to_contain_text(f"{'۰۱۲۳۴۵۶۷۸۹'[0]}۹۱۳***")

    folder = Path(server.env["CHATDESK_VAR_DIR"]) / "sent-sms"
    seen = set()
    otp = wait_for_code(folder, mobile, seen)
    # A wrong code first: a clear Persian refusal, the case stays closed.
    page.fill("#sms-otp", "000000" if otp != "000000" else "111111")
    page.get_by_role("button", name="ورود به پرونده").click()
    expect(page.locator('[data-role="track-error"]')).to_have_text("کد واردشده درست نیست.")
    page.screenshot(path=str(screenshots / f"track-sms-verify-{label}.png"), full_page=True)
    page.fill("#sms-otp", otp)
    page.get_by_role("button", name="ورود به پرونده").click()
    expect(page).to_have_url(re.compile(rf"/track/{code}/$"))
    expect(page.locator("h1")).to_have_text(subject)

    # The SMS switch on the case page.
    panel = page.locator('[data-role="sms-preference"]')
    expect(panel).to_contain_text("پیامک می‌شود")
    page.screenshot(path=str(screenshots / f"track-sms-case-{label}.png"), full_page=True)
    panel.get_by_role("button", name="دیگر پیامک نفرست").click()
    expect(page.locator('[data-role="sms-preference"]')).to_contain_text("خاموش است")
    expect(page.locator('[data-role="flash"]')).to_contain_text("از این پس پیامک")
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        assert db.execute("SELECT COUNT(*) FROM sms_smsoptout WHERE mobile = ?", (mobile,)).fetchone() == (1,)
        # The tracking code's SMS went when the case opened; the code's SMS keeps no code.
        kinds = dict(db.execute('SELECT kind, status FROM sms_outboundsms WHERE "to" = ?', (mobile,)).fetchall())
        assert kinds == {"created": "sent", "code": "sent"}, kinds
        (text,) = db.execute('SELECT text FROM sms_outboundsms WHERE "to" = ? AND kind = ?', (mobile, "code")).fetchone()
        assert otp not in text
