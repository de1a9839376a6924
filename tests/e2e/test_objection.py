"""A rejection and the citizen's one objection (#18), by clicking: the official answers «رد شد»
from /console/, the citizen opens the case from ``/`` (desktop and a 360x740 phone), objects
once with a reason, and the page says the unit's supervisor has it."""

import re

import pytest
from playwright.sync_api import expect

from chatdesk.core.tracking import format_tracking_code

from .test_docs_chat import assert_badge_visible, open_case_from_home
from .test_tickets import login

NEW_CASE = """
from chatdesk.directory.models import Unit
from chatdesk.tickets import services
ticket = services.ticket_open(kind="request", unit=Unit.objects.get(code="treatment"), subject="تمدید مهلت تعهد",
                              body="مهلت تعهد مرا یک سال تمدید کنید.", name={name!r}, mobile="09123456789").ticket
open({path!r}, "w").write(ticket.code)
"""


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_citizen_objects_once_to_a_rejection(device, new_page, server, screenshots, tmp_path):
    code_file = tmp_path / "code.txt"
    server.shell(NEW_CASE.format(name=f"معترض {device}", path=str(code_file)))
    code = code_file.read_text().strip()

    official = new_page(f"official-{device}")
    login(official, "rezaei")
    official.locator(".console-nav a", has_text="پرونده‌ها").click()
    shown = format_tracking_code(code, persian=True)
    official.locator("tr[data-ticket]", has=official.locator(".ticket-code", has_text=shown)).locator("a.ticket-code").click()
    official.fill("#reply-body", "طبق آیین‌نامه، تمدید تعهد بیش از شش ماه ممکن نیست.")
    official.select_option('select[name="then"]', "rejected")
    official.click('[data-role="send-reply"]')
    expect(official.locator('[data-role="flash"]')).to_contain_text("پاسخ ثبت شد")
    expect(official.locator(".ticket-page .ticket-status").first).to_have_text("رد شد")

    size = {"width": 360, "height": 740} if device == "phone" else {}
    page = new_page(f"citizen-{device}", **size)
    open_case_from_home(page, code)
    expect(page.locator(".ticket-status")).to_have_text("رد شد")
    assert_badge_visible(page)
    box = page.locator('[data-role="objection"]')
    expect(box).to_contain_text("اعتراض فقط یک بار ممکن است")
    page.screenshot(path=str(screenshots / f"objection-form-{device}.png"), full_page=True)
    box.locator('textarea[name="reason"]').fill("مدارک بیماری پیوست پرونده است و تمدید را لازم می‌کند.")
    box.locator("button[type=submit]").click()
    expect(page.locator('[data-role="flash"]')).to_contain_text("اعتراض شما ثبت شد")
    expect(page.locator('[data-role="objected"]')).to_contain_text("سرپرست واحد")
    expect(page.locator('[data-role="objected"]')).not_to_contain_text(re.compile(r"[0-9]"))  # Jalali, Persian digits
    expect(page.locator('[data-role="objection"]')).to_have_count(0)  # once
    expect(page.locator(".ticket-status")).to_have_text("اعتراض شهروند نزد سرپرست")
    assert_badge_visible(page)
    expect(page.locator(".timeline .entry-citizen", has_text="اعتراض به رد پرونده")).to_have_count(1)
    page.screenshot(path=str(screenshots / f"objection-filed-{device}.png"), full_page=True)
