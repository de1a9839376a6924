"""The service-desk forms in a real browser: each filled in Persian with a document, each ending
on its tracking code (left to right, grouped) with the way to the tracking page; an error keeps
what was typed and says the files must be chosen again; a disguised file is refused."""

import datetime as dt
import re

import jdatetime
import pytest
from playwright.sync_api import expect

from tests.support.challenge import fill_in_browser

from tests.support.documents import JPEG, PDF, PNG

SETUP = """
from chatdesk.desk import catalogue, forms_demo
from chatdesk.directory.models import Unit
forms_demo.seed()
unit = Unit.objects.get(code="treatment")
catalogue.service_save(identifier="10040299001", name="صدور گواهی پایان طرح", slug="e2e-certificate", unit=unit,
                       documents=[("تصویر کارت ملی", ""), ("کارت پایان خدمت", "ویژه آقایان")])
"""
CODE = re.compile(r"^[۰-۹]{4}-[۰-۹]{4}-[۰-۹]{5}$")


@pytest.fixture(scope="module")
def desk(server):
    server.shell(SETUP)
    return server


def files(tmp_path):
    paths = {}
    for name, content in (("کارت ملی.jpg", JPEG), ("نامه.pdf", PDF), ("تصویر.png", PNG), ("جعلی.pdf", b"<html><script>alert(1)</script></html>")):
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


def contact_fields(page, name="مریم کاظمی"):
    page.fill("#id_name", name)
    page.fill("#id_mobile", "۰۹۱۲۱۲۳۴۵۶۷")
    page.fill("#id_email", "maryam@example.com")


def expect_filed(page, screenshots, shot):
    # Wait for the answer first (an upload and its checks take a while on a busy machine).
    expect(page).to_have_url(re.compile(r"/forms/filed/$"), timeout=20_000)
    expect(page.locator("[data-role=form-errors]")).to_have_count(0)
    code = page.locator("[data-role=tracking-code]")
    expect(code).to_have_attribute("dir", "ltr")
    assert CODE.match(code.inner_text().strip()), code.inner_text()
    expect(page.locator("[data-role=track-link]")).to_have_attribute("href", re.compile(r"^/track/[0-9]{13}/$"))
    page.screenshot(path=str(screenshots / shot), full_page=True)
    return code.get_attribute("data-code")


def test_online_request_with_its_checklist(desk, new_page, screenshots, tmp_path, browser_log):
    browser_log.allow(r"status of 400")
    paths = files(tmp_path)
    page = new_page("request")
    page.goto("/requests/new/?service=10040299001")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("صدور گواهی پایان طرح")
    items = page.locator("[data-role=checklist] li")
    expect(items).to_have_count(2)
    contact_fields(page)
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")
    page.fill("#id_body", "لطفاً گواهی پایان طرح من صادر شود.")
    # first attempt: a page disguised as a PDF for the ID card, and the second line left empty
    items.nth(0).locator("input[type=file]").set_input_files(paths["جعلی.pdf"])
    fill_in_browser(page)
    page.click("[data-role=submit]")
    expect(page.locator("[data-role=form-errors]")).to_be_visible()
    expect(page.locator("[data-role=files-lost]")).to_contain_text("فایل‌ها را باید دوباره انتخاب کنید")
    expect(items.nth(0)).to_contain_text("فقط فایل‌های PDF، JPEG و PNG")
    expect(page.locator("#id_name")).to_have_value("مریم کاظمی")
    expect(page.locator("#id_body")).to_have_value("لطفاً گواهی پایان طرح من صادر شود.")
    page.screenshot(path=str(screenshots / "form-request-errors.png"), full_page=True)
    # second attempt: the real scan, and "does not apply to me" for the military card
    items.nth(0).locator("input[type=file]").set_input_files(paths["کارت ملی.jpg"])
    items.nth(1).locator("input[type=checkbox]").check()
    fill_in_browser(page)
    page.click("[data-role=submit]")
    code = expect_filed(page, screenshots, "form-request-filed.png")
    assert len(code.replace("-", "")) == 13


def test_complaint_with_hidden_identity(desk, new_page, screenshots, tmp_path):
    paths = files(tmp_path)
    page = new_page("complaint")
    page.goto("/complaints/new/")
    contact_fields(page, "رضا شاکی")
    page.fill("#id_national_code", "۰۴۹۹۳۷۰۸۹۹")  # a complaint needs the citizen's identity (#18)
    page.select_option("#id_about_unit", label="معاونت درمان")
    page.fill("#id_about_person", "مسئول پذیرش")
    page.fill("#id_subject", "برخورد نامناسب در پذیرش")
    page.fill("#id_body", "روز گذشته در پذیرش با من برخورد نامناسبی شد.")
    page.set_input_files("#id_files", [paths["نامه.pdf"], paths["تصویر.png"]])
    page.check("#id_hide_identity")
    fill_in_browser(page)
    page.click("[data-role=submit]")
    code = expect_filed(page, screenshots, "form-complaint-filed.png")
    expect(page.locator("[data-role=filed]")).to_contain_text("بازرسی و رسیدگی به شکایات")
    desk.shell(
        "from chatdesk.tickets.models import Ticket\n"
        f"t = Ticket.objects.get(code='{code.replace('-', '')}')\n"
        "assert t.kind == 'complaint' and t.hide_identity and t.unit.code == 'inspection', t\n"
        "assert t.data['complaint']['about_unit_name'] == 'معاونت درمان'\n"
        "assert t.attachments.count() == 2\n"
    )


def test_meeting_request_with_jalali_days(desk, new_page, screenshots, tmp_path):
    paths = files(tmp_path)
    page = new_page("meeting")
    page.goto("/meetings/new/")
    contact_fields(page, "حمید متقاضی")
    page.select_option("#id_person", index=1)
    page.fill("#id_subject", "پیگیری پرونده طرح")
    page.fill("#id_body", "درخواست ملاقات درباره پرونده طرح نیروی انسانی")
    # the picker opens on the Jalali date field
    page.click("#id_day1")
    expect(page.locator("jdp-container")).to_be_visible()
    page.keyboard.press("Escape")
    tomorrow = jdatetime.date.fromgregorian(date=dt.date.today() + dt.timedelta(days=3))
    page.fill("#id_day1", f"{tomorrow.year:04d}/{tomorrow.month:02d}/{tomorrow.day:02d}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    page.keyboard.press("Escape")
    page.locator("h1").click()  # closes the picker
    page.set_input_files("#id_files", paths["نامه.pdf"])
    page.screenshot(path=str(screenshots / "form-meeting.png"), full_page=True)
    fill_in_browser(page)
    page.click("[data-role=submit]")
    expect_filed(page, screenshots, "form-meeting-filed.png")


def test_contact_form_answers_by_email(desk, new_page, screenshots, tmp_path):
    paths = files(tmp_path)
    page = new_page("contact")
    page.goto("/contact/")
    expect(page.locator("h1")).to_have_text("تماس با ما")
    contact_fields(page, "لیلا پرسشگر")
    page.select_option("#id_group", label="پرسش‌های عمومی")
    page.fill("#id_subject", "ساعت کاری درمانگاه")
    page.fill("#id_body", "ساعت کاری درمانگاه تخصصی در روزهای پنجشنبه چیست؟")
    page.set_input_files("#id_files", paths["نامه.pdf"])
    fill_in_browser(page)
    page.click("[data-role=submit]")
    expect_filed(page, screenshots, "form-contact-filed.png")
    expect(page.locator("[data-role=filed]")).to_contain_text("پاسخ به ایمیل شما هم فرستاده می‌شود")
