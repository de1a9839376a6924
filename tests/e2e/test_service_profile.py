"""The seed's own service in a browser (#18, part A): from ``/`` a citizen clicks to the service
page and reads its whole profile (steps with their units, the seven documents, the directive and
two circulars with Jalali dates, FAQ, time, visits, access, cost) on a desktop and a phone; files
an online request; follows it on the tracking page as it moves from the treatment deputy to human
resources and back; and answers the survey once it is done."""

import re

from playwright.sync_api import expect

from chatdesk.core.tracking import format_tracking_code
from tests.support.challenge import fill_in_browser

from .test_chat_flow import assert_rtl_persian
from .test_tickets import login

SPECIALISTS = "توزیع نیروی متخصص (پزشکان متخصص مشمول تعهدات)"

# Officials of the step's unit complete the current step of the newest request (the console's
# button calls the same service; tests/desk/test_steps_and_survey.py drives the button).
COMPLETE = """
from chatdesk.desk import steps
from chatdesk.desk.models import RequestStep
from chatdesk.directory.models import Official
from chatdesk.tickets.models import Ticket
ticket = Ticket.objects.filter(kind="request").latest("id")
for _ in range({n}):
    current = steps.current_step(ticket)
    official = Official.objects.filter(units=current.unit, role="official").first()
    steps.request_step_complete(ticket_id=ticket.pk, official=official)
"""


def open_profile(page):
    page.goto("/")
    page.locator('a[data-link="services"]').click()
    page.locator(".service-row", has_text=SPECIALISTS).click()
    expect(page).to_have_url(re.compile(r"/services/10040211001/$"))
    assert_rtl_persian(page)
    expect(page.locator('[data-role="steps"] li')).to_have_count(4)
    expect(page.locator('[data-role="steps"] li').nth(1)).to_contain_text("مدیریت منابع انسانی")
    expect(page.locator('[data-role="documents"] li')).to_have_count(7)
    rules = page.locator('[data-role="rules"] li')
    expect(rules).to_have_count(3)
    expect(rules.nth(1)).to_contain_text("۴۰۴-۱۰۰")
    expect(rules.nth(1)).to_contain_text("۱۳۹۴/۰۵/۱۷")
    expect(rules.nth(2)).to_contain_text("۱۳۹۵/۰۵/۰۶")
    expect(page.locator('[data-role="faqs"] details')).to_have_count(2)
    expect(page.locator('[data-role="cost"]')).to_have_text("رایگان")
    expect(page.locator('[data-role="visits"]')).to_have_text("۱ بار")


def test_profile_request_steps_and_survey(new_page, server, screenshots, browser_log):
    page = new_page("citizen")
    open_profile(page)
    page.locator('[data-role="faqs"] summary').first.click()
    page.screenshot(path=str(screenshots / "service-profile-desktop.png"), full_page=True)
    phone = new_page("phone", width=360, height=740)
    open_profile(phone)
    phone.screenshot(path=str(screenshots / "service-profile-phone.png"), full_page=True)

    # The online request: none of the seven documents is at hand in a test, so each is ticked
    # «شامل من نمی‌شود»; the request opens at the first step's unit.
    page.locator('[data-role="request-online"]').click()
    page.fill("#id_name", "مریم کاظمی")
    page.fill("#id_mobile", "۰۹۱۲۱۲۳۴۵۶۷")
    page.fill("#id_email", "maryam@example.com")
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")
    items = page.locator("[data-role=checklist] li")
    expect(items).to_have_count(7)
    for i in range(7):
        items.nth(i).locator("input[type=checkbox]").check()
    fill_in_browser(page)
    page.click("[data-role=submit]")
    expect(page).to_have_url(re.compile(r"/forms/filed/$"), timeout=20_000)
    page.locator("[data-role=track-link]").click()
    expect(page).to_have_url(re.compile(r"/track/\d{13}/$"))
    steps = page.locator('[data-role="request-steps"] [data-role="step"]')
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_have_attribute("data-state", "current")
    expect(page.locator('[data-role="step-holder"]')).to_contain_text("در دست معاونت درمان")

    server.shell(COMPLETE.format(n=1))
    page.reload()
    expect(steps.nth(0)).to_have_attribute("data-state", "done")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    expect(page.locator('[data-role="step-holder"]')).to_contain_text("در دست مدیریت منابع انسانی")
    expect(steps.nth(0).locator('[data-role="step-average"]')).to_contain_text("میانگین زمان این مرحله")
    body = page.locator('[data-role="request-steps"]').inner_text()
    assert "رضایی" not in body and "کریمی" not in body  # units, never officials
    page.screenshot(path=str(screenshots / "track-steps-at-hr.png"), full_page=True)

    server.shell(COMPLETE.format(n=3))
    page.reload()
    expect(page.locator('[data-role="request-steps"] [data-state="done"]')).to_have_count(4)
    survey = page.locator('[data-role="service-survey"]')
    expect(survey).to_be_visible()
    for fieldset in survey.locator("fieldset").all():
        fieldset.locator('label:text("۴")').click()
    survey.locator('[data-role="survey-submit"]').click()
    expect(page.locator('[data-role="survey-done"]')).to_be_visible()
    page.screenshot(path=str(screenshots / "track-steps-done-survey.png"), full_page=True)


# An online request of the seed's service, filed as the form files it (the form itself is driven
# above); its tracking code is written to a file for the test.
FILE_REQUEST = """
from chatdesk.desk.models import Service
from chatdesk.desk import online_requests
service = Service.objects.get(identifier="10040211001")
opened = online_requests.service_request_open(
    service=service, name="نرگس احمدی", mobile="09127654321", national_code="0499370899",
    body="درخواست توزیع برای گذراندن تعهدات", not_applicable=[d.pk for d in service.documents.all()],
)
open({path!r}, "w").write(opened.ticket.code)
"""


def open_case_in_console(page, username, shown):
    """From /console/: sign in, «پرونده‌ها», the case's row, its page."""
    login(page, username)
    page.locator(".console-nav a", has_text="پرونده‌ها").click()
    expect(page).to_have_url(re.compile(r"/console/tickets/$"))
    row = page.locator("tr[data-ticket]", has=page.locator(".ticket-code", has_text=shown))
    expect(row).to_have_count(1)
    row.locator("a.ticket-code").click()
    expect(page).to_have_url(re.compile(r"/console/tickets/\d+/$"))
    assert_rtl_persian(page)
    return page.locator('[data-role="console-steps"] li')


def test_officials_complete_the_steps_from_the_console(new_page, server, screenshots, tmp_path, browser_log):
    """The console's «انجام مرحله» button, clicked by the officials of each step's unit: the
    treatment deputy (desktop), human resources (a 360x740 phone), the treatment deputy again."""
    # A step that refers the case away announces the change; the page being left may still fetch
    # its live part, which answers 404 now (ticket.js shows «no longer in your units»).
    browser_log.allow(r"status of 404 .*/console/tickets/\d+/live/")
    code_file = tmp_path / "code.txt"
    server.shell(FILE_REQUEST.format(path=str(code_file)))
    code = code_file.read_text().strip()
    shown = format_tracking_code(code, persian=True)

    desk = new_page("rezaei")
    steps = open_case_in_console(desk, "rezaei", shown)
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_have_attribute("data-state", "current")
    # numbered in Persian digits, like the public profile's lists
    assert desk.locator('[data-role="console-steps"] ol').evaluate("e => getComputedStyle(e).listStyleType") == "persian"
    button = desk.locator('[data-role="step-complete"]')
    expect(button).to_contain_text("انجام مرحله")
    desk.screenshot(path=str(screenshots / "console-steps-desktop.png"), full_page=True)
    button.click()
    # referred to human resources: the treatment deputy's official is back on the list
    expect(desk).to_have_url(re.compile(r"/console/tickets/$"))
    expect(desk.locator('[data-role="flash"]')).to_contain_text("انجام شد")
    expect(desk.locator("tr[data-ticket]", has=desk.locator(".ticket-code", has_text=shown))).to_have_count(0)

    phone = new_page("ebrahimi-phone", width=360, height=740)
    steps = open_case_in_console(phone, "ebrahimi", shown)
    expect(steps.nth(0)).to_have_attribute("data-state", "done")
    expect(steps.nth(1)).to_have_attribute("data-state", "current")
    phone.screenshot(path=str(screenshots / "console-steps-phone.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    phone.locator('[data-role="step-complete"]').click()
    expect(phone.locator('[data-role="flash"]')).to_contain_text("انجام شد")
    expect(steps.nth(2)).to_have_attribute("data-state", "current")  # the next step is human resources' too
    phone.screenshot(path=str(screenshots / "console-steps-phone-done.png"), full_page=True)
    phone.locator('[data-role="step-complete"]').click()
    expect(phone).to_have_url(re.compile(r"/console/tickets/$"))  # back to the treatment deputy

    steps = open_case_in_console(new_page("rezaei-again"), "rezaei", shown)
    expect(steps.nth(3)).to_have_attribute("data-state", "current")
    last = steps.page.locator('[data-role="step-complete"]')
    last.click()
    expect(steps.page.locator('[data-role="flash"]')).to_contain_text("انجام شد")
    expect(steps.page.locator('[data-role="console-steps"] li[data-state="done"]')).to_have_count(4)
    expect(steps.page.locator('[data-role="step-complete"]')).to_have_count(0)
    steps.page.screenshot(path=str(screenshots / "console-steps-all-done.png"), full_page=True)
