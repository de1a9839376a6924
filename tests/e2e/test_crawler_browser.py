"""The crawler's browser pass (issue #16): what scripts write and every request the browser makes.

tests/security/test_crawler.py reads the server's HTML; here a real Chromium opens the pages a
visitor, a supervisor and an administrator reach, with the browser's clock in another time zone
than the server's (UTC, Tehran is +03:30), and fails on a request to another host, on text that
scripts wrote with Latin digits or English words (the admin's «0 از 26 انتخاب شده‌اند», its
Gregorian calendar, its «you are 3.5 hours behind the server» note), and on a page without
``dir="rtl"``.  Screenshots: artifacts/screenshots/crawler-*.png (desktop and phone).
"""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.security import crawl

A_TICKET = """
from chatdesk.directory.models import Unit
from chatdesk.tickets import services
from chatdesk.tickets.models import Ticket
if not Ticket.objects.filter(subject="پرسش خزنده").exists():
    t = services.ticket_open(kind=Ticket.Kind.REQUEST, unit=Unit.objects.get(code="treatment"), subject="پرسش خزنده",
                             body="متن پرسش", name="مریم احمدی", mobile="09121234567", email="maryam@example.ir",
                             data={"service": "گواهی پایان تعهد", "documents": ["نامه", "گواهی"]}, rate_limit=False).ticket
"""
ADMIN_PAGES = [
    "/admin/",
    "/admin/directory/holiday/",
    "/admin/directory/dutyshift/add/",
    "/admin/desk/announcement/add/",
    "/admin/directory/official/add/",
    "/admin/auth/user/add/",
    "/admin/reports/agencytoken/add/",
    "/admin/directory/unit/",
    "/admin/tickets/ticket/",
    "/admin/mail/outboundmail/",
]
CONSOLE_PAGES = ["/console/", "/console/reports/", "/console/reports/ratings/", "/console/tickets/", "/console/audit/", "/console/mail/held/"]
PUBLIC_PAGES = ["/", "/services/", "/directory/", "/track/"]

# What a person sees: the body's text without scripts, styles, machine fields (dir="ltr") and what
# people wrote themselves ([data-user-text]: a citizen's words or file name in a preview).
SHOWN_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('script, style, template, noscript, [dir="ltr"], [hidden], code, pre, [data-user-text]').forEach(e => e.remove());
  const attrs = [];
  document.querySelectorAll('[title], [placeholder], [aria-label]').forEach(e => {
    if (e.closest('[dir="ltr"]')) return;
    for (const a of ['title', 'placeholder', 'aria-label']) { if (e.getAttribute(a)) attrs.push(e.getAttribute(a)); }
  });
  return body.innerText + "\\n" + attrs.join("\\n");
}"""


def login_names(server):
    """Every staff login name on the server (the demo's and those earlier browser tests made):
    Latin by nature, allowed where a page lists accounts, also as the admin writes their digits."""
    import sqlite3

    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        names = [row[0] for row in db.execute("SELECT username FROM auth_user")]
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    return sorted({n for name in names for n in (name, name.translate(persian))}, key=len, reverse=True)


def _watch_hosts(page, server_host, foreign):
    page.on("request", lambda request: urlsplit(request.url).hostname not in (server_host, None)
            and urlsplit(request.url).scheme in ("http", "https", "ws", "wss") and foreign.append(request.url))


def _check(page, path, report, names=()):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    found = []
    if page.evaluate("document.documentElement.dir") != "rtl":
        found.append('no dir="rtl"')
    text = page.evaluate(SHOWN_TEXT)
    for name in names:
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
    found += crawl.problems(crawl.strip_machine(text))
    if found:
        report[path] = found


def _login(page, path, username, password, then):
    page.goto(path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[type=submit]")
    expect(page).to_have_url(re.compile(then))


def test_pages_in_a_browser_are_persian_and_load_nothing_from_another_host(browser, server, screenshots):
    server.shell(A_TICKET)
    host = urlsplit(server.url).hostname
    foreign, report = [], {}
    context = browser.new_context(base_url=server.url, locale="fa-IR", timezone_id="UTC", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    try:
        visitor = context.new_page()
        _watch_hosts(visitor, host, foreign)
        for path in PUBLIC_PAGES:
            _check(visitor, path, report)

        admin = browser.new_context(base_url=server.url, locale="fa-IR", timezone_id="UTC", viewport={"width": 1280, "height": 800})
        page = admin.new_page()
        _watch_hosts(page, host, foreign)
        _login(page, "/admin/login/?next=/admin/", "admin", "admin-demo-1405", r"/admin/$")
        names = login_names(server)
        for path in ADMIN_PAGES:
            _check(page, path, report, names)
        page.goto("/admin/tickets/ticket/")
        page.locator("#result_list tbody a").first.click()
        _check(page, page.url.replace(server.url, ""), report, names)
        page.screenshot(path=str(screenshots / "crawler-admin-ticket-desktop.png"), full_page=True)
        # The action counter is written by the admin's script: «۰ از … انتخاب شده‌اند».
        page.goto("/admin/directory/holiday/")
        counter = page.locator(".action-counter").inner_text()
        assert re.fullmatch(r"۰ از [۰-۹]+ انتخاب شده‌اند", counter.strip()), counter
        page.screenshot(path=str(screenshots / "crawler-admin-holidays-desktop.png"))
        # A browser clock in another time zone: no «N ساعت از زمان سرور عقب/جلو هستید».
        page.goto("/admin/desk/announcement/add/")
        assert page.locator(".timezonewarning").count() == 0
        assert "زمان سرور" not in page.content()
        page.screenshot(path=str(screenshots / "crawler-admin-announcement-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/admin/")
        page.screenshot(path=str(screenshots / "crawler-admin-index-phone.png"), full_page=True)
        admin.close()

        console = browser.new_context(base_url=server.url, locale="fa-IR", timezone_id="UTC", viewport={"width": 1280, "height": 800})
        page = console.new_page()
        _watch_hosts(page, host, foreign)
        _login(page, "/console/login/", "moradi", "demo-1405", r"/console/$")
        for path in CONSOLE_PAGES:
            _check(page, path, report)
        page.goto("/console/reports/")
        expect(page.locator('nav[aria-label="بخش‌های کنسول"] a', has_text="پرونده‌ها")).to_be_visible()
        page.screenshot(path=str(screenshots / "crawler-reports-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/console/reports/")
        page.screenshot(path=str(screenshots / "crawler-reports-phone.png"), full_page=True)
        console.close()
    finally:
        context.close()
    assert not foreign, foreign
    assert not report, "\n".join(f"{path}\n    " + "\n    ".join(found[:8]) for path, found in report.items())


def test_a_date_field_shows_persian_digits_and_the_picker_still_reads_and_writes_it(new_page, screenshots):
    """Report filters show ۱۴۰۵/۰۹/۱۰; the picker (which reads and writes Latin digits) opens on that
    month, and the day picked comes back in Persian digits and is accepted by the server."""
    page = new_page("supervisor")
    _login(page, "/console/login/", "moradi", "demo-1405", r"/console/$")
    page.goto("/console/reports/?period=day&date=1405/09/10")
    field = page.locator("#f-date")
    assert field.input_value() == "۱۴۰۵/۰۹/۱۰"
    field.click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    expect(picker.locator(".jdp-day:not(.not-in-month)", has_text="۱۲").first).to_be_visible()
    page.screenshot(path=str(screenshots / "crawler-reports-picker-desktop.png"))
    picker.locator(".jdp-day:not(.not-in-month)", has_text="۱۲").first.click()
    page.locator("h1").click()  # leave the field
    expect(field).to_have_value("۱۴۰۵/۰۹/۱۲")
    page.locator('[data-role="report-filters"] button[type=submit]').click()
    expect(page.locator('[data-role="period-label"]')).to_contain_text("۱۲ آذر ۱۴۰۵")
    expect(page.locator("#f-date")).to_have_value("۱۴۰۵/۰۹/۱۲")
