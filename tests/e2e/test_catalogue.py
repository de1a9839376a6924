"""The service desk in a browser: browse the catalogue, search in Persian with an Arabic keyboard and
Persian digits, open a service page, see the maintenance badge; the home page banner; and the
widget telling a citizen who comes from that service's page about the maintenance before they
start a chat.  Also the directory, with public contacts only."""

import re

from playwright.sync_api import expect

from .test_chat_flow import assert_rtl_persian, widget

HEALTH_CARD = "صدور کارت بهداشت متصدیان مراکز تهیه و توزیع مواد غذایی"
SPECIALISTS = "توزیع نیروی متخصص (پزشکان متخصص مشمول تعهدات)"
TITLE = "به‌روزرسانی سامانه کارت بهداشت"

# Maintenance of the health-card service, in effect now (started an hour ago, three hours to go).
MAINTENANCE_NOW = f"""
import datetime as dt
from chatdesk.core import clock
from chatdesk.desk import announcements
from chatdesk.desk.models import Service
now = clock.now()
announcements.announcement_save(
    title="{TITLE}", body="صدور کارت بهداشت تا پایان این بازه ممکن نیست.", kind="maintenance",
    starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3),
    services=[Service.objects.get(slug="health-card")],
)
"""
PERSIAN_DIGITS = re.compile(r"^[۰-۹]+$")


def test_catalogue_search_service_page_badge_banner_and_widget(new_page, server, screenshots):
    server.shell(MAINTENANCE_NOW)
    page = new_page("citizen")
    page.goto("/services/")
    assert_rtl_persian(page)
    expect(page.locator("h1")).to_have_text("میز خدمت: فهرست خدمات")
    expect(page.locator(".catalogue-unit-name")).to_have_count(4)
    row = page.locator(".service-row", has_text=HEALTH_CARD)
    expect(row.locator('[data-role="maintenance-badge"]')).to_have_text("در حال تعمیر و نگهداری")
    # The demo's planned maintenance (tomorrow night) is announced ahead on its service.
    expect(page.locator(".service-row", has_text="آموزش مداوم").locator('[data-role="maintenance-badge"]')).to_have_text("تعمیرات برنامه‌ریزی‌شده")
    for text in page.locator(".service-id").all_inner_texts():
        assert PERSIAN_DIGITS.match(text), text
    page.screenshot(path=str(screenshots / "catalogue-list.png"), full_page=True)

    # Arabic kaf and yeh, as an Arabic keyboard types them.
    page.fill("#catalogue-q", "كارت بهداشت متصدي")
    page.locator(".catalogue-search button[type=submit]").click()
    expect(page.locator('[data-role="result-count"]')).to_contain_text("۱ خدمت")
    expect(page.locator(".service-row")).to_have_count(1)
    page.screenshot(path=str(screenshots / "catalogue-search-arabic-keyboard.png"), full_page=True)
    page.locator(".service-row", has_text=HEALTH_CARD).click()
    expect(page).to_have_url(re.compile(r"/services/10040411001/$"))
    expect(page.locator("h1")).to_contain_text(HEALTH_CARD)
    expect(page.locator('h1 [data-role="maintenance-badge"]')).to_have_text("در حال تعمیر و نگهداری")
    expect(page.locator('[data-role="service-notice"]')).to_contain_text(TITLE)
    expect(page.locator('[data-role="identifier"]')).to_have_text("۱۰۰۴۰۴۱۱۰۰۱")
    expect(page.locator('[data-role="cost"]')).to_have_text("۸۵۰٬۰۰۰ ریال")
    expect(page.locator('[data-role="request-online"]')).to_have_attribute("href", "/requests/new/?service=10040411001")
    page.screenshot(path=str(screenshots / "catalogue-service-maintenance.png"), full_page=True)

    # «گفتگو با کارشناس»: the home page, the widget open on the service's unit, and the notice
    # before the citizen types anything.
    with page.expect_response(re.compile(r"/api/units/\d+/state/$")) as state:
        page.locator('[data-role="chat-with-unit"]').click()
    info = state.value.json()
    assert [a["title"] for a in info["announcements"]] == [TITLE], info
    expect(page).to_have_url(re.compile(r"/\?unit=\d+#chat$"))
    expect(widget(page, "start")).to_be_visible()
    expect(page.locator("#chat-unit option:checked")).to_have_text("معاونت بهداشت")
    notice = widget(page, "unit-notices")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(TITLE)
    expect(notice).to_contain_text(HEALTH_CARD)
    expect(notice).to_contain_text(re.compile(r"ساعت [۰-۹]{2}:[۰-۹]{2}"))
    # The home page banner shows both announcements, the one in effect and the one ahead.
    banner = page.locator(".announcements")
    expect(banner.locator(".announcement")).to_have_count(2)
    expect(banner.locator(".announcement.in-effect")).to_contain_text(TITLE)
    expect(banner).to_contain_text("اطلاع‌رسانی پیشاپیش")
    page.screenshot(path=str(screenshots / "home-banner-widget-notice.png"))

    # Another unit without announcements: the notice goes away.
    page.locator("#chat-unit").select_option(label="روابط عمومی")
    expect(notice).to_be_hidden()


def test_seed_service_found_by_persian_digits_shows_documents_and_circulars(new_page, screenshots):
    page = new_page("citizen")
    page.goto("/services/")
    page.fill("#catalogue-q", "۱۰۰۴۰۲۱۱۰۰۱")
    page.keyboard.press("Enter")
    expect(page.locator(".service-row")).to_have_count(1)
    page.locator(".service-row", has_text=SPECIALISTS).click()
    expect(page.locator('[data-role="documents"] li')).to_have_count(7)
    expect(page.locator('[data-role="documents"] li').first).to_have_text("حکم وزارتی")
    rules = page.locator('[data-role="rules"] li')
    expect(rules).to_have_count(3)
    expect(rules.nth(1)).to_contain_text("۴۰۴-۱۰۰")
    expect(rules.nth(1)).to_contain_text("۱۳۹۴/۰۵/۱۷")
    expect(rules.nth(2)).to_contain_text("۱۳۹۵/۰۵/۰۶")
    expect(page.locator('[data-role="cost"]')).to_have_text("رایگان")
    page.screenshot(path=str(screenshots / "catalogue-specialist-distribution.png"), full_page=True)


def test_directory_lists_positions_and_public_contacts(new_page, screenshots):
    page = new_page("citizen")
    page.goto("/")
    page.locator(".site-nav-link", has_text="فهرست کارکنان").click()
    expect(page).to_have_url(re.compile(r"/directory/$"))
    assert_rtl_persian(page)
    treatment = page.locator(".directory-unit", has_text="معاونت درمان")
    expect(treatment).to_contain_text("دکتر سارا نوری")
    expect(treatment).to_contain_text("معاون درمان")
    expect(treatment).to_contain_text("۰۸۶-۳۲۲۲۲۲۰۰")
    text = page.locator("main").inner_text()
    for private in ("rezaei", "moradi", "dir-", "آماده پاسخ‌گویی", "خارج از کشیک"):
        assert private not in text, private
    page.screenshot(path=str(screenshots / "directory.png"), full_page=True)
