"""Issue #20 in the browser: an official opens a case whose reply mail bounced and sees the
notice (desktop and phone); a citizen's follow-up with a file over the limit is refused whole,
with the file and the limit named and the text kept."""

import json
import re

from playwright.sync_api import expect

from .test_tickets import login

SETUP = """
import json
from django.contrib.auth import get_user_model
from chatdesk.directory.models import Official, Unit
from chatdesk.mail import inbound
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services
from chatdesk.core.tracking import ticket_token
unit = Unit.objects.get(code="health")
user = get_user_model().objects.create_user(username="e2e_bounce", password="demo-1405")
official = Official.objects.create(user=user, display_name="کارشناس برگشت ایمیل", status="available")
official.units.set([unit])
ticket = services.ticket_open(kind="request", unit=unit, subject="درخواست گواهی سلامت", body="گواهی سلامت لازم دارم.",
                              name="مینا رحیمی", email="mina@example.ir", rate_limit=False).ticket
services.ticket_reply(ticket_id=ticket.pk, official=official, body="گواهی شما صادر شد و پیوست است.")
mail = OutboundMail.objects.get(ticket=ticket, kind="reply")
inbound.outbound_bounced(mail_id=mail.pk, reason="نشانی ایمیل گیرنده وجود ندارد (5.1.1: smtp; 550 5.1.1 user unknown)")
open({path!r}, "w").write(json.dumps({{"id": ticket.pk, "code": ticket.code, "link": ticket_token(ticket, "link")}}))
"""


BIG = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)  # one byte over the default limit (10 MB)


def test_the_official_sees_the_bounce_and_the_citizen_a_refused_oversized_file(server, new_page, screenshots, browser_log, tmp_path):
    out = tmp_path / "case.json"
    server.shell(SETUP.format(path=str(out)))
    case = json.loads(out.read_text())

    for label, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        official = new_page(f"official-{label}", width=size[0], height=size[1])
        login(official, "e2e_bounce")
        official.goto(f"/console/tickets/{case['id']}/")
        notice = official.locator('[data-role="mail-bounced"]')
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("ایمیل به شهروند نرسید")
        expect(notice).to_contain_text("mina@example.ir")
        expect(notice).to_contain_text("نشانی ایمیل گیرنده وجود ندارد")
        expect(official.locator('[data-role="reply-bounced"]')).to_be_visible()
        official.screenshot(path=str(screenshots / f"ticket-mail-bounced-{label}.png"), full_page=True)

    browser_log.allow(r"status of 400")  # the refused follow-up answers 400 on purpose
    for label, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        citizen = new_page(f"citizen-{label}", width=size[0], height=size[1])
        citizen.goto(f"/track/{case['code']}/{case['link']}/")
        expect(citizen).to_have_url(re.compile(rf"/track/{case['code']}/$"))
        citizen.fill("textarea[name=body]", "اسکن کارت ملی پیوست شد.")
        citizen.locator("input[type=file]").set_input_files(
            [{"name": "اسکن بزرگ.pdf", "mimeType": "application/pdf", "buffer": BIG}], timeout=60_000,
        )
        citizen.locator("form button[type=submit]").last.click()
        error = citizen.locator(".alert-danger, [role=alert]").first
        expect(error).to_contain_text("«اسکن بزرگ»")
        expect(error).to_contain_text("مگابایت")
        expect(error).to_contain_text("دوباره انتخاب کنید")
        expect(citizen.locator("textarea[name=body]")).to_have_value("اسکن کارت ملی پیوست شد.")
        citizen.screenshot(path=str(screenshots / f"track-oversized-refused-{label}.png"), full_page=True)
