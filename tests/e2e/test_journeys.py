"""Every journey a citizen takes, in a real browser, starting at ``/`` and only clicking (issue #16).

No URL is typed after the first page: a person finds the live chat with each unit, every service
of the catalogue and its online request, a complaint, a meeting request, a contact form per
group, the directory, the current and past announcements and the tracking page by following
links; and from every form's success page, the tracking of what they filed.  Typing happens only
in form fields, as a person would.  Each journey runs on a desktop (1280x800) and on a phone
(390x844), with screenshots under artifacts/screenshots/journey-*.png.

One server for the module (its own rate limits: this module files more forms and chats from one
address than the desk lets a real address do in an hour; the limits have their own tests).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.support.challenge import fill_in_browser
from tests.support.documents import JPEG, PDF

from .conftest import _base_env, run_server

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
FA_CODE = re.compile(r"^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{5}$")
FA_PIN = re.compile(r"^[۰-۹]{4}-[۰-۹]{4}$")
LATIN_DIGIT = re.compile(r"[0-9]")

PREPARE = """
import datetime as dt
from chatdesk.core import clock
from chatdesk.desk import announcements
from chatdesk.desk.models import Announcement
from chatdesk.directory.models import Official, Unit
# Someone is on duty in every unit (the menu's units are round-the-clock lines in the browser tests).
Official.objects.filter(user__is_active=True).update(status="available")
# The chat that nobody answers becomes a ticket within seconds (the worker's sweep).
Unit.objects.filter(code="health").update(escalate_after_seconds=3)
# An outage that ended two days ago: the announcements page keeps it under «گذشته».
now = clock.now()
announcements.announcement_save(title="قطعی سامانه نوبت‌دهی اینترنتی", kind=Announcement.Kind.OUTAGE,
                                starts_at=now - dt.timedelta(days=2, hours=3), ends_at=now - dt.timedelta(days=2))
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-journeys")
    env = _base_env(tmp)
    env.update(CHAT_CHATS_PER_HOUR_PER_ADDRESS="100", CHATDESK_LOOKUPS_PER_ADDRESS="100", CHATDESK_OPENINGS_PER_HOUR="100")
    with run_server(tmp, env) as server:
        server.shell(PREPARE)
        yield server


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def open_home(desk, browser, browser_log, viewport):
    """``open_home(label)`` -> a fresh browser (own cookies) on ``/``, the only URL typed."""
    contexts = []

    def make(label="citizen"):
        width, height = VIEWPORTS[viewport]
        context = browser.new_context(base_url=desk.url, locale="fa-IR", timezone_id="Asia/Tehran",
                                      viewport={"width": width, "height": height}, is_mobile=viewport == "phone",
                                      has_touch=viewport == "phone")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        browser_log.watch(page, f"{label}-{viewport}")
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        return page

    yield make
    for context in contexts:
        context.close()
    assert not browser_log.page_errors, "page errors:\n" + "\n".join(browser_log.page_errors)
    unexpected = browser_log.unexpected_console()
    assert not unexpected, "console errors:\n" + "\n".join(unexpected)


@pytest.fixture
def shot(screenshots, viewport):
    def take(page, name):
        page.screenshot(path=str(screenshots / f"journey-{name}-{viewport}.png"), full_page=True)

    return take


@pytest.fixture
def documents(tmp_path):
    paths = {}
    for name, content in (("کارت ملی.jpg", JPEG), ("نامه.pdf", PDF)):
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


# --- helpers: what a person does ----------------------------------------------------------------
def nav(page, name):
    """A link of the site's header (every public page has it)."""
    page.locator(f'[data-role="site-nav"] [data-nav="{name}"]').click()


def no_latin_digits(page):
    """Visible text of the page's main part: Persian digits only."""
    text = page.locator("main").inner_text()
    assert not LATIN_DIGIT.search(text), LATIN_DIGIT.search(text)


def contact_fields(page, name):
    page.fill("#id_name", name)
    page.fill("#id_mobile", "۰۹۱۲۱۲۳۴۵۶۷")
    page.fill("#id_email", "citizen@example.com")


def submit(page):
    fill_in_browser(page)  # the security question, answered like a person
    page.locator("[data-role=submit]").click()


def filed_then_tracked(page, shot, name, heading):
    """The success page (one code, Persian digits) and its link to the case just filed."""
    expect(page).to_have_url(re.compile(r"/forms/filed/$"), timeout=20_000)
    expect(page.locator("h1")).to_have_text(heading)
    code = page.locator("[data-role=tracking-code]")
    shown = code.inner_text().strip()
    assert FA_CODE.match(shown), shown
    no_latin_digits(page)
    shot(page, f"{name}-filed")
    page.locator("[data-role=track-link]").click()
    expect(page).to_have_url(re.compile(r"/track/\d{13}/$"))
    expect(page.locator('[data-role="code"]')).to_have_text(shown)
    shot(page, f"{name}-tracked")
    return shown


# --- journeys -----------------------------------------------------------------------------------
def test_live_chat_with_each_unit(open_home, shot, viewport):
    page = open_home()
    units = page.locator("nav.unit-menu [data-unit]")
    names = units.all_inner_texts()
    assert len(names) >= 3, names
    for i, name in enumerate(names):
        with page.expect_response(re.compile(r"/api/units/\d+/state/$")) as state:
            page.locator("nav.unit-menu [data-unit]").nth(i).click()
        assert state.value.json()["available"] is True, (name, state.value.json())
        expect(page.locator("#chat-unit option:checked")).to_have_text(name)
        expect(page.locator('#chat [data-role="start-button"]')).to_have_text("شروع گفتگو")
        if i == 0:
            shot(page, "chat-start")
        page.locator('#chat [data-role="hide"]').click()
        expect(page.locator("#chat")).to_be_hidden()
    # the home page's own button opens the widget too, and a unit is picked there
    page.locator('[data-link="chat"]').click()
    expect(page.locator('#chat [data-role="start"]')).to_be_visible()
    page.locator('#chat [data-role="hide"]').click()
    # and each unit's card in the directory leads back to its live chat
    nav(page, "directory")
    page.locator(".directory-unit a", has_text="گفتگوی زنده با این واحد").first.click()
    expect(page.locator('#chat [data-role="start"]')).to_be_visible()


def test_a_chat_with_a_name_only_becomes_a_case_the_citizen_can_open(open_home, shot, viewport):
    page = open_home()
    page.locator("nav.unit-menu [data-unit]", has_text="معاونت بهداشت").click()
    page.fill("#chat-name", "نرگس بی‌شماره")  # no mobile, no email
    page.locator('#chat form[data-role="start"] button[type="submit"]').click()
    question = "برای کارت بهداشت چه مدارکی لازم است؟"
    # the attach button shows its whole label «پیوست» beside the message box
    attach = page.locator("#chat .chat-attach")
    expect(attach).to_be_visible()
    assert attach.evaluate("n => n.scrollWidth <= n.clientWidth + 1 && n.getBoundingClientRect().width >= 40"), attach.bounding_box()
    shot(page, "chat-compose")
    page.locator('#chat [data-role="input"]').fill(question)
    page.locator('#chat [data-role="input"]').press("Enter")
    # nobody answers within the unit's limit: the chat becomes a ticket, with its code and PIN
    box = page.locator('#chat [data-role="messages"] [data-role="ticket"]')
    expect(box.locator('[data-role="tracking-code"]')).to_be_visible(timeout=25_000)
    shown = box.locator('[data-role="tracking-code"]').inner_text().strip()
    assert FA_CODE.match(shown), shown
    pin = box.locator('[data-role="pin"]')
    expect(pin).to_have_text(FA_PIN)
    pin_shown = pin.inner_text().strip()
    box.scroll_into_view_if_needed()
    shot(page, "chat-ticket")
    # «پیگیری پرونده» opens the case at once (a new tab, the chat stays)
    with page.context.expect_page() as tab:
        box.locator('[data-role="track-link"]').click()
    case = tab.value
    expect(case).to_have_url(re.compile(r"/track/\d{13}/$"))
    expect(case.locator('[data-role="code"]')).to_have_text(shown)
    expect(case.locator(".timeline .entry-citizen", has_text=question)).to_have_count(1)
    shot(case, "chat-ticket-case")
    # from another browser: the tracking page, the code and the PIN
    other = open_home("elsewhere")
    nav(other, "track")
    other.fill("#track-code", shown)
    other.fill("#track-contact", pin_shown)
    fill_in_browser(other)
    other.locator("form button[type=submit]").click()
    expect(other).to_have_url(re.compile(r"/track/\d{13}/$"))
    expect(other.locator(".timeline .entry-citizen", has_text=question)).to_have_count(1)


def test_every_service_and_its_online_request(open_home, shot, viewport, documents):
    page = open_home()
    page.locator('[data-link="services"]').click()
    expect(page).to_have_url(re.compile(r"/services/$"))
    shot(page, "catalogue")
    services = page.locator("a.service-row")
    count = services.count()
    assert count >= 5, count
    for i in range(count):
        row = page.locator("a.service-row").nth(i)
        name = row.locator(".service-name").evaluate("n => n.firstChild.textContent.trim()")  # without its badge
        row.click()
        expect(page.locator("h1")).to_contain_text(name)
        page.locator('[data-role="request-online"]').click()
        if "شکایات" in name:  # «رسیدگی به شکایات» opens the complaint form
            expect(page).to_have_url(re.compile(r"/complaints/new/$"))
            expect(page.locator("h1")).to_have_text("ثبت شکایت")
        else:
            expect(page).to_have_url(re.compile(r"/requests/new/\?service=\d+$"))
            expect(page.locator("h1")).to_contain_text(name)
        nav(page, "services")
    # one request filed with its checklist, then tracked
    page.locator("a.service-row", has_text="کارت بهداشت").click()
    page.locator('[data-role="request-online"]').click()
    contact_fields(page, "مریم کاظمی")
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")
    items = page.locator("[data-role=checklist] li")
    for j in range(items.count()):
        items.nth(j).locator("input[type=file]").set_input_files(documents["کارت ملی.jpg"])
    expect(items.first.locator("[data-file-names]")).to_have_text("کارت ملی.jpg")
    shot(page, "request-form")
    submit(page)
    filed_then_tracked(page, shot, "request", "درخواست شما ثبت شد")


def test_a_complaint(open_home, shot, viewport, documents, browser_log):
    browser_log.allow(r"status of 400")  # the half-filled form below is refused on purpose
    page = open_home()
    page.locator('[data-link="complaint"]').click()
    expect(page.locator("h1")).to_have_text("ثبت شکایت")
    # a form sent half-filled shows every error at once
    fill_in_browser(page)
    page.locator("[data-role=submit]").click()
    errors = page.locator('[data-role="error-list"] [data-role="error-item"]')
    expect(errors.first).to_be_visible()
    assert errors.count() >= 4, errors.all_inner_texts()
    shot(page, "complaint-errors")
    contact_fields(page, "رضا شاکی")
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")  # a complaint needs the citizen's identity (#18)
    page.select_option("#id_about_unit", label="معاونت درمان")
    page.fill("#id_subject", "برخورد نامناسب در پذیرش")
    page.fill("#id_body", "در پذیرش بیمارستان با من برخورد نامناسبی شد.")
    page.set_input_files("#id_files", documents["نامه.pdf"])
    expect(page.locator('[data-field="files"] [data-file-names]')).to_have_text("نامه.pdf")
    submit(page)
    filed_then_tracked(page, shot, "complaint", "شکایت شما ثبت شد")


def test_a_meeting_request_from_the_directory(open_home, shot, viewport):
    page = open_home()
    nav(page, "directory")
    expect(page.locator("h1")).to_contain_text("واحدها و مسئولین")
    shot(page, "directory")
    person = page.locator('[data-role="person"]', has=page.locator('[data-role="meet-person"]')).first
    who = person.locator(".person-name").inner_text().strip()
    person.locator('[data-role="meet-person"]').click()
    expect(page.locator("#id_person option:checked")).to_contain_text(who)
    contact_fields(page, "حمید متقاضی")
    page.fill("#id_subject", "طرح نیروی انسانی")
    page.fill("#id_body", "درخواست ملاقات درباره طرح نیروی انسانی")
    # the day from the Jalali picker: past days are not offered; the field shows Persian digits
    page.locator("#id_day1").click()
    picker = page.locator("jdp-container")
    expect(picker).to_be_visible()
    # today and the days before it are greyed out (the meeting is from tomorrow on)
    expect(picker.locator(".jdp-day.today")).to_have_class(re.compile(r"disabled-day"))
    expect(picker.locator(".jdp-day.not-in-month.disabled-day, .jdp-day.disabled-day").first).to_be_visible()
    page.wait_for_timeout(400)  # the picker fades in
    shot(page, "meeting-picker")
    picker.locator(".jdp-icon-plus").first.click()  # next month: every day there is ahead
    picker.locator(".jdp-day:not(.not-in-month):not(.disabled-day)").first.click()
    day = page.locator("#id_day1").input_value()
    assert re.fullmatch(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", day), day
    page.locator("h1").click()
    submit(page)
    filed_then_tracked(page, shot, "meeting", "درخواست ملاقات شما ثبت شد")


def test_a_contact_form_per_group(open_home, shot, viewport):
    page = open_home()
    nav(page, "contact")
    groups = page.locator('[data-role="contact-group"]')
    names = groups.all_inner_texts()
    assert len(names) >= 3, names
    for i, name in enumerate(names):
        page.locator('[data-role="contact-group"]').nth(i).click()
        expect(page.locator("#id_group option:checked")).to_have_text(name)
    shot(page, "contact")
    contact_fields(page, "لیلا پرسشگر")
    page.fill("#id_subject", "ساعت کاری درمانگاه")
    page.fill("#id_body", "ساعت کاری درمانگاه تخصصی در روزهای پنجشنبه چیست؟")
    submit(page)
    filed_then_tracked(page, shot, "contact", "پیام شما ثبت شد")


def test_current_and_past_announcements(open_home, shot, viewport):
    page = open_home()
    # the banner on the home page leads to the announcements page
    page.locator('[data-role="announcement-link"]').first.click()
    expect(page).to_have_url(re.compile(r"/announcements/#announcement-\d+$"))
    current = page.locator('[data-role="current-announcements"] .announcement')
    past = page.locator('[data-role="past-announcements"] .announcement')
    expect(current.first).to_be_visible()
    expect(past.filter(has_text="قطعی سامانه نوبت‌دهی اینترنتی")).to_have_count(1)
    expect(past.first).to_contain_text("پایان‌یافته")
    no_latin_digits(page)
    shot(page, "announcements")
    # and the header's link from any page
    nav(page, "track")
    nav(page, "announcements")
    expect(page.locator("h1")).to_have_text("اطلاعیه‌ها")


def test_the_tracking_page_and_the_way_back_from_a_wrong_turn(open_home, shot, viewport):
    page = open_home()
    nav(page, "track")
    expect(page.locator("h1")).to_contain_text("پیگیری")
    expect(page.locator("#track-contact")).to_be_visible()
    shot(page, "track")
    # every form is one click away from the tracking page
    for href in ("/services/", "/complaints/new/", "/meetings/new/", "/contact/"):
        expect(page.locator(f'[data-role="track-more"] a[href="{href}"]')).to_have_count(1)
    page.locator('[data-role="track-more"] a[href="/complaints/new/"]').click()
    expect(page.locator("h1")).to_have_text("ثبت شکایت")


def test_a_wrong_address_and_an_expired_form_end_on_persian_pages_with_a_way_back(open_home, shot, viewport, browser_log):
    browser_log.allow(r"status of (404|403)")  # the two refusals below, on purpose
    page = open_home()
    page.goto("/services/nope/")  # a mistyped address: the one place a URL is typed on purpose
    error = page.locator('[data-role="error-page"]')
    expect(error).to_have_attribute("data-status", "404")
    expect(page.locator("h1")).to_have_text("صفحه یافت نشد")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "error-404")
    page.locator('[data-role="back-home"]').click()
    expect(page.locator('[data-role="desk-links"]')).to_be_visible()
    # a form whose session cookie is gone (a long pause, cookies cleared): Persian, not Django's page
    nav(page, "contact")
    page.context.clear_cookies()
    contact_fields(page, "لیلا پرسشگر")
    submit(page)
    expect(page.locator('[data-role="error-page"]')).to_have_attribute("data-status", "403")
    expect(page.locator("h1")).to_contain_text("فرم منقضی شده")
    shot(page, "error-csrf")
    page.locator('[data-role="back-home"]').click()
    expect(page.locator('[data-role="desk-links"]')).to_be_visible()


def test_an_anonymous_report_and_the_case_record(open_home, shot, viewport):
    """#18: a report («گزارش») from the home page without a name, its code and PIN shown once,
    the case opened from another browser with them, and the PDF record downloaded from the case."""
    page = open_home()
    page.locator('[data-link="report"]').click()
    expect(page.locator("h1")).to_contain_text("ثبت گزارش")
    page.select_option("#id_about_unit", label="معاونت درمان")
    page.fill("#id_subject", "دریافت وجه خارج از تعرفه")
    page.fill("#id_body", "در پذیرش از بیماران وجه نقد گرفته می‌شود.")
    shot(page, "report-form")
    submit(page)
    expect(page).to_have_url(re.compile(r"/report/filed/$"), timeout=20_000)
    expect(page.locator("h1")).to_have_text("گزارش شما ثبت شد")
    code = page.locator("[data-role=tracking-code]").inner_text().strip()
    pin = page.locator("[data-role=report-pin]").inner_text().strip()
    assert FA_CODE.match(code) and FA_PIN.match(pin), (code, pin)
    no_latin_digits(page)
    shot(page, "report-filed")
    page.locator("[data-role=track-link]").click()
    expect(page.locator('[data-role="code"]')).to_have_text(code)
    with page.expect_download() as download:
        page.locator('[data-role="record-pdf"]').click()
    pdf = download.value.path()
    with open(pdf, "rb") as f:
        assert f.read(5) == b"%PDF-"
    # Another browser: the code and the PIN open it
    other = open_home("other")
    nav(other, "track")
    other.fill("#track-code", code)
    other.fill("#track-contact", pin)
    fill_in_browser(other)
    other.locator("form button[type=submit]").click()
    expect(other).to_have_url(re.compile(r"/track/\d{13}/$"))
    expect(other.locator('[data-role="code"]')).to_have_text(code)
    expect(other.locator('[data-role="timeline"]')).to_contain_text("وجه نقد")
    shot(other, "report-tracked")
