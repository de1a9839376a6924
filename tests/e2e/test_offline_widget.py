"""The widget when nobody can answer: a unit closed for the day says so before the citizen types,
with its next opening in Jalali, and offers to leave a message that becomes a ticket with a tracking code at once."""

import re
import sqlite3

from playwright.sync_api import expect

from .test_chat_flow import assert_rtl_persian, widget

UNIT = "معاونت آموزشی"
CLOSURE = "تعطیلی به علت آلودگی هوا"

CLOSE_TODAY = f"""
from chatdesk.core import clock, jalali
from chatdesk.directory.models import Holiday, Unit
unit = Unit.objects.get(code="education")
unit.always_open = False
unit.save(update_fields=["always_open"])
Holiday.objects.update_or_create(date=jalali.local(clock.now()).date(), unit=unit,
    defaults={{"name": "{CLOSURE}", "kind": "closure", "source": "staff"}})
"""


def test_closed_unit_offers_to_leave_a_message(new_page, server, screenshots, browser_log):
    server.shell(CLOSE_TODAY)  # a closure takes effect at once: no restart, no cache
    page = new_page("citizen")
    page.goto("/")
    assert_rtl_persian(page)
    with page.expect_response(re.compile(r"/api/units/\d+/state/$")) as state:
        page.locator("nav.unit-menu [data-unit]", has_text=UNIT).click()
    info = state.value.json()
    assert (info["available"], info["reason"]) == (False, "closure"), info
    notice = widget(page, "unit-state")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(CLOSURE)
    expect(notice).to_contain_text("زمان بازگشایی")
    # the next opening is a Jalali date and time in Persian digits, e.g. «… ۱۴۰۵ ساعت ۰۷:۳۰»
    expect(notice).to_contain_text(re.compile(r"[۰-۹]{4} ساعت [۰-۹]{2}:[۰-۹]{2}"))
    expect(widget(page, "start-button")).to_have_text("ثبت پیام")
    expect(page.locator("#chat-message")).to_be_visible()

    # Without a way to answer (no mobile, no email) the message is refused, in Persian.
    page.fill("#chat-name", "رضا کاظمی")
    page.fill("#chat-message", "برای ثبت‌نام دوره تخصصی چه مدارکی لازم است؟")
    browser_log.allow("status of 400")
    page.click('#chat [data-role="start-button"]')
    error = widget(page, "start-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("شماره همراه یا ایمیل")
    page.screenshot(path=str(screenshots / "citizen-offline-form.png"))

    page.fill("#chat-mobile", "۰۹۳۵۱۲۳۴۵۶۷")
    page.click('#chat [data-role="start-button"]')
    expect(widget(page, "chat")).to_be_visible()
    message = widget(page, "messages").locator(".msg-me")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("چه مدارکی لازم است")
    # Nobody can answer now: the message is already a ticket, and the citizen leaves with its code.
    code = page.locator('#chat [data-role="ticket"] [data-role="tracking-code"]')
    expect(code).to_be_visible()
    expect(code).to_have_text(re.compile(r"^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{5}$"))
    expect(widget(page, "ended-ticket")).to_contain_text(code.inner_text())
    page.screenshot(path=str(screenshots / "citizen-offline-left-message.png"))

    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT c.started_offline, c.citizen_mobile, c.status, m.body, m.seq FROM chats_conversation c "
            "JOIN chats_message m ON m.conversation_id = c.id JOIN directory_unit u ON u.id = c.unit_id "
            "WHERE u.code = 'education' AND m.sender = 'citizen'"
        ).fetchall()
        tickets = db.execute(
            "SELECT t.kind, t.status, t.code, t.citizen_mobile FROM tickets_ticket t JOIN directory_unit u ON u.id = t.unit_id "
            "WHERE u.code = 'education' AND t.kind = 'offline'"  # other tests file requests to this unit
        ).fetchall()
    assert rows == [(1, "09351234567", "closed", "برای ثبت‌نام دوره تخصصی چه مدارکی لازم است؟", 1)]
    assert len(tickets) == 1 and tickets[0][:2] == ("offline", "new") and tickets[0][3] == "09351234567"
    shown = code.inner_text().replace("-", "").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert shown == tickets[0][2]
