"""The widget follows availability live and the duty roster (کشیک) drives the console, in a real
browser against a server whose clock is pinned (CHATDESK_CLOCK_AT, chatdesk/core/clock.py) to
Monday 2 Azar 1405 10:00 Tehran time, so the demo roster (seeded for that day) has shifts now
whatever the hour this runs at.  The demo units are round-the-clock lines (conftest.ALWAYS_OPEN):
what is tested here is who is on duty, not office hours (tests/chats/test_availability.py)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import BrowserLog, _base_env, run_server
from .test_chat_flow import assert_rtl_persian, widget

PINNED_AT = "2026-11-23T10:00:00+03:30"  # Monday 2 Azar 1405, 10:00 in Tehran: a workday
UNIT = "معاونت آموزشی"  # the demo roster: حسین حسینی 07:30–14:30, substitute فاطمه مرادی
ROSTERED = "حسین حسینی"
TYPED = "برای ثبت‌نام دوره تخصصی چه مدارکی لازم است؟"


@pytest.fixture(scope="module")
def pinned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-duty")
    env = _base_env(tmp)
    env.update(CHATDESK_CLOCK_AT=PINNED_AT, CHAT_UNIT_STATE_POLL_SECONDS="2")
    with run_server(tmp, env, roster=True) as running:
        yield running


@pytest.fixture
def open_page(browser, pinned):
    """Like conftest.new_page, on the pinned server; fails on page or console errors."""
    log, contexts = BrowserLog(), []

    def make(label, width=1280, height=820):
        context = browser.new_context(
            base_url=pinned.url, locale="fa-IR", timezone_id="Asia/Tehran", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        log.watch(page, label)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not log.page_errors, "page errors:\n" + "\n".join(log.page_errors)
    assert not log.unexpected_console(), "console errors:\n" + "\n".join(log.unexpected_console())


def console_login(page, username):
    page.goto("/console/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator('[data-role="conn"]')).to_have_class(re.compile(r"\bopen\b"))
    expect(page.locator(".colleague", has_text="(من)")).to_be_visible()  # the welcome frame arrived


def test_official_comes_on_duty_while_the_widget_is_open(open_page, screenshots):
    """The citizen finds nobody on duty and starts typing a message to leave; the rostered
    official opens the console, is offered to go on duty and does; the open widget turns into a
    live chat by itself, the typed text is still there and becomes the chat's first message."""
    citizen = open_page("citizen")
    citizen.goto("/")
    assert_rtl_persian(citizen)
    citizen.locator("nav.unit-menu [data-unit]", has_text=UNIT).click()
    notice = widget(citizen, "unit-state")
    expect(notice).to_contain_text(f"کارشناس کشیک این ساعت ({ROSTERED}) هنوز به گفتگو نپیوسته است")
    expect(widget(citizen, "start-button")).to_have_text("ثبت پیام")
    citizen.fill("#chat-name", "رضا کاظمی")
    citizen.fill("#chat-message", TYPED)
    citizen.screenshot(path=str(screenshots / "duty-widget-nobody-on-duty.png"))

    official = open_page("official")
    console_login(official, "hosseini")
    prompt = official.locator('[data-role="roster-prompt"]')
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text(f"«{UNIT}» (۰۷:۳۰ تا ۱۴:۳۰)")
    expect(official.locator('[data-role="duty"]')).to_have_value("offline")
    official.screenshot(path=str(screenshots / "duty-console-roster-prompt.png"))
    official.click('[data-role="go-on-duty"]')
    expect(official.locator('[data-role="duty"]')).to_have_value("available")
    expect(prompt).to_have_count(0)

    # No reload, no click: the widget sees the official on duty (it asks every 2 s here).
    expect(widget(citizen, "start-button")).to_have_text("شروع گفتگو", timeout=15_000)
    expect(notice).to_contain_text(f"کارشناس کشیک اکنون: {ROSTERED}")
    expect(citizen.locator("#chat-message")).to_have_value(TYPED)
    citizen.screenshot(path=str(screenshots / "duty-widget-now-live.png"))
    widget(citizen, "start-button").click()
    expect(widget(citizen, "chat")).to_be_visible()
    first = widget(citizen, "messages").locator(".msg-me")
    expect(first).to_have_count(1)
    expect(first).to_contain_text(TYPED)
    expect(citizen.locator('#chat [data-role="ticket"]')).to_have_count(0)  # a live chat, not a ticket
    expect(official.locator(".queue-item", has_text="رضا کاظمی")).to_be_visible()


def test_phone_layout_and_a_supervisor_sees_an_uncovered_shift(open_page, screenshots):
    """At 390x844 the header's date keeps one line and the widget fills the screen; the
    supervisor's view flags a shift whose official and substitute are both offline."""
    phone = open_page("phone", width=390, height=844)
    phone.goto("/")
    date = phone.locator(".portal-date")
    expect(date).to_have_text("دوشنبه ۲ آذر ۱۴۰۵")  # the server's (pinned) day, from core/clock.py
    line = float(date.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert date.bounding_box()["height"] < 1.5 * line, "the date wraps onto several lines"
    phone.screenshot(path=str(screenshots / "duty-home-phone.png"))
    phone.locator("[data-open-chat]").first.click()
    box = widget(phone, "title").locator("xpath=ancestor::aside").bounding_box()
    assert (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])) == (0, 0, 390, 844)
    phone.screenshot(path=str(screenshots / "duty-widget-phone.png"))

    boss = open_page("supervisor")
    console_login(boss, "moradi")
    card = boss.locator(".overview-unit", has_text="معاونت درمان")
    uncovered = card.locator('[data-role="uncovered-shift"]')
    # the demo roster of treatment: زهرا رضایی (substitute علی کریمی) and علی کریمی (substitute
    # فاطمه مرادی); nobody of the first shift is online
    expect(uncovered.first).to_contain_text("زهرا رضایی")
    expect(uncovered.first).to_contain_text("هیچ‌کس برخط نیست")
    boss.screenshot(path=str(screenshots / "duty-supervisor-uncovered.png"))
    rezaei = open_page("rezaei")
    console_login(rezaei, "rezaei")
    rezaei.click('[data-role="go-on-duty"]')
    # live: the supervisor's view follows the presence change without a reload
    expect(card.locator(".text-success", has_text="پاسخ‌گو: زهرا رضایی")).to_be_visible()


CLOSE_EDUCATION_TODAY = """
from chatdesk.core import clock, jalali
from chatdesk.directory.models import Holiday, Unit
unit = Unit.objects.get(code="education")
Unit.objects.filter(pk=unit.pk).update(always_open=False)
Holiday.objects.update_or_create(date=jalali.local(clock.now()).date(), unit=unit,
    defaults={"name": "تعطیلی به علت آلودگی هوا", "kind": "closure", "source": "staff"})
"""


def test_on_duty_in_a_closed_unit_is_told_citizens_cannot_reach_them(open_page, pinned, screenshots):
    """«آماده پاسخ‌گویی» does not open a closed unit: the console names it, why, and when it opens
    (the next workday's 07:30, in Jalali with Persian digits)."""
    pinned.shell(CLOSE_EDUCATION_TODAY)
    for width, height, name in ((1280, 820, "duty-console-closed-unit.png"), (390, 844, "duty-console-closed-unit-phone.png")):
        page = open_page(f"hosseini-{width}", width=width, height=height)
        console_login(page, "hosseini")
        page.select_option('[data-role="duty"]', "available")
        expect(page.locator(".colleague", has_text="(من)")).to_contain_text("آماده پاسخ‌گویی")
        notice = page.locator('[data-role="closed-units"]')
        expect(notice).to_contain_text("شهروندان اکنون نمی‌توانند در این واحدها با شما گفتگو کنند")
        expect(notice).to_contain_text(f"{UNIT}: تعطیل به مناسبت «تعطیلی به علت آلودگی هوا».")
        expect(notice).to_contain_text("بازگشایی: سه‌شنبه ۳ آذر ۱۴۰۵ ساعت ۰۷:۳۰")
        page.screenshot(path=str(screenshots / name))
