"""Satisfaction in the browser: the citizen rates a chat in the widget and a resolved ticket on
the tracking page and by the email link; the supervisor reads it in the reports."""

import json
import re
import sqlite3

from playwright.sync_api import expect

from tests.support.challenge import fill_in_browser

from .test_chat_flow import console_login, start_chat, take, widget, official_send, citizen_send

CREATE_RESOLVED_TICKET = """
import datetime as dt, json
from chatdesk.core import clock
from chatdesk.directory.models import Unit, Official
from chatdesk.tickets.models import Ticket
from chatdesk.core.tracking import new_tracking_code
from chatdesk.reports.public_views import rating_link_path
now = clock.now()
unit = Unit.objects.get(code="treatment")
t = Ticket.objects.create(code=new_tracking_code(), kind="request", unit=unit, subject="گواهی پایان تعهد",
    citizen_name="نیلوفر صادقی", citizen_mobile="{mobile}", assignee=Official.objects.get(user__username="karimi"),
    status="resolved", created_at=now - dt.timedelta(days=1), updated_at=now, first_response_at=now - dt.timedelta(hours=3),
    resolved_at=now)
open({path!r}, "w").write(json.dumps({{"code": t.code, "display": t.display_code, "link": rating_link_path(t)}}))
"""


def resolved_ticket(server, tmp_path, mobile):
    out = tmp_path / "ticket.json"
    server.shell(CREATE_RESOLVED_TICKET.format(mobile=mobile, path=str(out)))
    return json.loads(out.read_text())


def rating_rows(server):
    with sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True) as db:
        return db.execute("SELECT score, comment, channel FROM reports_rating ORDER BY id").fetchall()


def test_citizen_rates_the_chat_in_the_widget(new_page, server, screenshots):
    citizen_name = "پریسا نوری"
    official = new_page("official")
    citizen = new_page("citizen", width=1200)
    console_login(official, "karimi")
    start_chat(citizen, citizen_name)
    citizen_send(citizen, "سلام، مدارک لازم برای پایان تعهد چیست؟")
    panel = take(official, citizen_name)
    official_send(panel, "سلام؛ فهرست مدارک در میز خدمت آمده است.")
    expect(citizen.locator("#chat .msg-them", has_text="فهرست مدارک")).to_have_count(1)

    rating = widget(citizen, "rating")
    expect(rating).to_be_hidden()  # only after the chat ends
    citizen.on("dialog", lambda d: d.accept())
    widget(citizen, "end").click()
    expect(widget(citizen, "ended")).to_be_visible()
    expect(rating).to_be_visible()
    expect(rating).to_contain_text("از این گفتگو چقدر راضی بودید؟")

    rating.locator('button[type="submit"]').click()  # no score picked yet
    expect(widget(citizen, "rating-msg")).to_have_text("یک امتیاز از ۱ تا ۵ انتخاب کنید.")
    rating.locator('label[for="chat-rate-4"]').click()
    rating.locator("textarea").fill("پاسخ سریع و روشن بود")
    rating.locator('button[type="submit"]').click()
    expect(widget(citizen, "rating-msg")).to_have_text("نظر شما ثبت شد. سپاسگزاریم.")
    expect(widget(citizen, "rating-submit")).to_have_text("به‌روز کردن نظر")
    assert rating_rows(server)[-1] == (4, "پاسخ سریع و روشن بود", "widget")
    citizen.screenshot(path=str(screenshots / "rating-widget.png"))

    # After a reload the rating is still there and can be changed for a few days.
    citizen.reload()
    expect(rating).to_be_visible()
    expect(rating.locator("#chat-rate-4")).to_be_checked()
    expect(rating.locator("textarea")).to_have_value("پاسخ سریع و روشن بود")
    rating.locator('label[for="chat-rate-5"]').click()
    rating.locator('button[type="submit"]').click()
    expect(widget(citizen, "rating-msg")).to_have_text("نظر شما ثبت شد. سپاسگزاریم.")
    assert rating_rows(server)[-1] == (5, "پاسخ سریع و روشن بود", "widget")

    # A new chat starts with a clean form.
    widget(citizen, "restart").click()
    expect(widget(citizen, "start")).to_be_visible()

    # The supervisor reads the rating and its comment in the reports.
    supervisor = new_page("supervisor")
    supervisor.goto("/console/login/")
    supervisor.fill("#id_username", "moradi")
    supervisor.fill("#id_password", "demo-1405")
    supervisor.click("button[type=submit]")
    expect(supervisor).to_have_url(re.compile(r"/console/$"))
    supervisor.goto("/console/reports/?period=day")
    expect(supervisor.locator("html")).to_have_attribute("dir", "rtl")
    expect(supervisor.locator('[data-kpi="ratings.average"]')).to_contain_text("۵")
    expect(supervisor.locator('[data-role="by-official"] tr', has_text="علی کریمی")).to_be_visible()
    supervisor.screenshot(path=str(screenshots / "reports-day.png"), full_page=True)
    supervisor.goto("/console/reports/ratings/?period=day")
    row = supervisor.locator('[data-role="ratings"] tr[data-score="5"]', has_text="پاسخ سریع و روشن بود")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("علی کریمی")
    supervisor.screenshot(path=str(screenshots / "reports-ratings.png"), full_page=True)


def test_citizen_rates_a_resolved_ticket_on_the_tracking_page(new_page, server, screenshots, tmp_path):
    ticket = resolved_ticket(server, tmp_path, "09131112233")
    citizen = new_page("citizen")
    citizen.goto("/track/")
    citizen.fill("#track-code", ticket["display"])
    citizen.fill("#track-contact", "۰۹۱۳۱۱۱۲۲۳۳")
    fill_in_browser(citizen)
    citizen.locator("#track-contact").press("Enter")
    expect(citizen).to_have_url(re.compile(rf"/track/{ticket['code']}/$"))
    panel = citizen.locator('[data-role="rating-panel"]')
    expect(panel).to_be_visible()
    panel.locator(f'label[for="rate-{ticket["code"]}-2"]').click()
    panel.locator("textarea").fill("پاسخ دیر رسید")
    panel.locator('button[type="submit"]').click()
    expect(citizen).to_have_url(re.compile(rf"/track/{ticket['code']}/$"))  # back on the tracking page
    expect(citizen.locator('[data-role="flash"]')).to_contain_text("نظر شما ثبت شد")
    expect(citizen.locator('[data-role="rating-current"]')).to_contain_text("★★☆☆☆")
    expect(panel.locator('button[type="submit"]')).to_have_text("به‌روز کردن نظر")
    assert rating_rows(server)[-1] == (2, "پاسخ دیر رسید", "tracking")
    citizen.screenshot(path=str(screenshots / "rating-tracking-page.png"), full_page=True)


def test_citizen_rates_by_the_email_link(new_page, server, screenshots, tmp_path, browser_log):
    browser_log.allow(r"status of 404")  # the tampered link below answers 404 on purpose
    ticket = resolved_ticket(server, tmp_path, "09134445566")
    citizen = new_page("citizen")
    citizen.goto(ticket["link"] + "?score=5")
    expect(citizen.locator("html")).to_have_attribute("dir", "rtl")
    expect(citizen.locator(f'#rate-{ticket["code"]}-5')).to_be_checked()  # preselected, not yet sent
    assert rating_rows(server) == [] or all(r[2] != "email" for r in rating_rows(server))
    citizen.locator('[data-role="rating-form"] button[type="submit"]').click()
    expect(citizen.locator('[data-role="rating-saved"]')).to_have_text("نظر شما ثبت شد. سپاسگزاریم.")
    assert rating_rows(server)[-1] == (5, "", "email")
    citizen.screenshot(path=str(screenshots / "rating-email-link.png"), full_page=True)
    citizen.goto(ticket["link"].rstrip("/") + "x/")
    expect(citizen.locator(".alert-warning")).to_have_text("این پیوند معتبر نیست یا منقضی شده است.")
