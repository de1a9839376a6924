"""A chat nobody answers becomes a ticket; the citizen looks it up by its code; an official answers
from the console; the citizen's follow-up reaches the official's open ticket page live."""

import re
import sqlite3

from playwright.sync_api import expect

from tests.support.challenge import fill_in_browser

from .test_chat_flow import assert_rtl_persian, widget

UNIT = "معاونت بهداشت"
PREPARE = """
from django.contrib.auth import get_user_model
from chatdesk.directory.models import Official, Unit
unit = Unit.objects.get(code="health")
unit.escalate_after_seconds = 3
unit.save()
user = get_user_model().objects.create_user(username="e2e_health", password="demo-1405")
official = Official.objects.create(user=user, display_name="کارشناس کشیک بهداشت", status="available")
official.units.set([unit])
"""
FA_CODE = re.compile(r"^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{5}$")


def login(page, username):
    page.goto("/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_unanswered_chat_becomes_a_ticket_that_the_citizen_follows(server, new_page, screenshots, browser_log):
    browser_log.allow(r"status of 404 .*/track/\]$")  # the refused lookup below answers 404 on purpose
    server.shell(PREPARE)
    citizen = new_page("citizen", width=1200)
    citizen.goto("/")
    citizen.locator("nav.unit-menu [data-unit]", has_text=UNIT).click()
    expect(widget(citizen, "start")).to_be_visible()
    citizen.fill("#chat-name", "نرگس کاظمی")
    citizen.fill("#chat-mobile", "۰۹۱۳۱۲۳۴۵۶۷")
    citizen.fill("#chat-email", "narges@example.com")
    citizen.click('#chat form[data-role="start"] button[type="submit"]')
    expect(widget(citizen, "chat")).to_be_visible()
    question = "برای دریافت کارت واکسن به کدام مرکز مراجعه کنم؟"
    widget(citizen, "input").fill(question)
    widget(citizen, "input").press("Enter")
    expect(citizen.locator("#chat .msg-me[data-seq]", has_text=question)).to_have_count(1)

    # Nobody answers within the unit's limit: the worker turns the chat into a ticket and the
    # widget shows the tracking code at once.
    code_box = citizen.locator('#chat [data-role="ticket"] [data-role="tracking-code"]')
    expect(code_box).to_be_visible(timeout=20_000)
    shown = code_box.inner_text().strip()
    assert FA_CODE.match(shown), shown
    expect(code_box).to_have_attribute("dir", "ltr")
    expect(widget(citizen, "ended")).to_be_visible()
    expect(widget(citizen, "ended-ticket")).to_contain_text(shown)
    citizen.screenshot(path=str(screenshots / "widget-escalated-ticket.png"))

    # The citizen gave an email: the code went there too, and the transcript can be asked for.
    widget(citizen, "transcript").click()
    expect(widget(citizen, "transcript-msg")).to_contain_text("فرستاده می‌شود")
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        kinds = {row[0] for row in db.execute("SELECT kind FROM mail_outboundmail WHERE \"to\" = 'narges@example.com'")}
    assert {"created", "transcript"} <= kinds, kinds

    # A wrong contact gets the same refusal as an unknown code.
    citizen.goto("/track/")
    assert_rtl_persian(citizen)
    citizen.fill("#track-code", shown)
    citizen.fill("#track-contact", "09130000000")
    fill_in_browser(citizen)
    citizen.click("form button[type=submit]")
    expect(citizen.locator('[data-role="track-error"]')).to_contain_text("یافت نشد")

    # The right contact, typed in Persian digits, opens the case.
    citizen.fill("#track-code", shown.replace("-", " "))
    citizen.fill("#track-contact", "۰۹۱۳۱۲۳۴۵۶۷")
    fill_in_browser(citizen)
    citizen.click("form button[type=submit]")
    expect(citizen).to_have_url(re.compile(r"/track/\d{13}/$"))
    expect(citizen.locator('[data-role="code"]')).to_have_text(shown)
    expect(citizen.locator(".timeline .entry-citizen", has_text=question)).to_have_count(1)
    expect(citizen.locator(".ticket-status")).to_have_text("جدید")
    citizen.screenshot(path=str(screenshots / "track-case-new.png"), full_page=True)

    # The official finds it in the console's ticket list and answers it.
    official = new_page("official")
    login(official, "moradi")
    official.click(".console-nav >> text=پرونده‌ها")
    expect(official).to_have_url(re.compile(r"/console/tickets/$"))
    row = official.locator("tr[data-ticket]", has=official.locator(".ticket-code", has_text=shown))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("گفتگوی بی‌پاسخ")
    official.screenshot(path=str(screenshots / "console-ticket-list.png"), full_page=True)
    row.locator("a.ticket-code").click()
    expect(official.locator(".timeline .entry-citizen", has_text=question)).to_have_count(1)
    expect(official.locator(".timeline .entry-citizen .badge", has_text="گفتگو")).to_have_count(1)
    answer = "کارت واکسن در مرکز جامع سلامت محله شما صادر می‌شود؛ کد ملی خود را همراه داشته باشید."
    official.fill("#reply-body", answer)
    official.select_option('select[name="then"]', "waiting")
    official.click('[data-role="send-reply"]')
    expect(official.locator('[data-role="flash"]')).to_contain_text("پاسخ ثبت شد")
    expect(official.locator(".timeline .entry-reply", has_text=answer)).to_have_count(1)

    # The citizen sees the answer and the status; their follow-up reaches the open ticket page live.
    citizen.reload()
    expect(citizen.locator(".timeline .entry-reply", has_text=answer)).to_have_count(1)
    expect(citizen.locator(".ticket-status")).to_have_text("در انتظار پاسخ شما")
    follow_up = "ممنون؛ آیا روز پنجشنبه هم باز است؟"
    citizen.fill("textarea[name=body]", follow_up)
    citizen.click("form[enctype] button[type=submit]")
    expect(citizen.locator('[data-role="flash"]')).to_contain_text("افزوده شد")
    expect(citizen.locator(".ticket-status")).to_have_text("در حال رسیدگی")
    expect(official.locator(".timeline .entry-citizen", has_text=follow_up)).to_have_count(1, timeout=10_000)
    expect(official.locator(".ticket-page .ticket-status").first).to_have_text("در حال رسیدگی")
    # Persian digits in the Jalali timestamps of the timeline
    stamps = official.locator(".timeline .entry-head .text-secondary").all_inner_texts()
    assert stamps and all(re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", s) and not re.search(r"[0-9]", s) for s in stamps), stamps
    official.screenshot(path=str(screenshots / "console-ticket-page.png"), full_page=True)
    citizen.screenshot(path=str(screenshots / "track-case-answered.png"), full_page=True)
