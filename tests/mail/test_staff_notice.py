"""A case past its statutory deadline, or objected to, is announced to the officials concerned by
email too (the console's ticket.overdue frame reaches only an open console): written to the
outbox in the sweep's transaction, sent through a real SMTP server (aiosmtpd), once per official
and event, in Persian with the Jalali deadline, and without the citizen's identity."""

import email
import email.policy

import pytest

from chatdesk.core import clock
from chatdesk.directory.models import Official
from chatdesk.mail import services as mail_services
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services, sweeps
from chatdesk.tickets.models import Ticket

from ..tickets.conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
S = Ticket.Status


def with_email(official, address):
    official.user.email = address
    official.user.save(update_fields=["email"])
    return official


def open_case(unit_, **kw):
    fields = dict(
        kind="complaint", unit=unit_, subject="شکایت از تأخیر در صدور حکم", body="حکم من پس از دو ماه صادر نشده است.",
        name="سارا رضایی", mobile="09121112233", email="sara@example.ir", national_code="0013542419",
    )
    fields.update(kw)
    with clock.frozen_at(MONDAY_10):
        return services.ticket_open(**fields).ticket


def staff_mails(sink):
    return {m["To"]: m for m in sink.parsed() if m["To"] != "sara@example.ir"}


def test_overdue_case_is_mailed_to_the_assignee_the_units_head_and_the_supervisor_above(make_unit, make_official, smtp_server):
    parent = make_unit("معاونت درمان", code="treat")
    child = make_unit("اداره امور بیمارستان‌ها", code="hosp", parent=parent, response_days=1)
    clerk = with_email(make_official("clerk", [child], name="زهرا کارشناس"), "clerk@example.ir")
    child_head = with_email(make_official("chead", [child], name="رئیس اداره", role=Official.Role.SUPERVISOR), "chead@example.ir")
    head = with_email(make_official("head", [parent], name="مدیر درمان"), "head@example.ir")
    make_official("silent", [child], name="کارشناس بی‌ایمیل")  # no address: nothing for them
    parent.manager = head
    parent.save()
    ticket = open_case(child)  # one working day: due Tuesday 3 Azar 1405, 14:30
    with clock.frozen_at(at(1405, 9, 2, 12)):
        services.ticket_assign(ticket_id=ticket.pk, official=clerk, assignee_id=clerk.pk)
    assert sweeps.statutory_sweep(now=at(1405, 9, 3, 14)) == 0
    assert not OutboundMail.objects.filter(kind="staff").exists()
    assert sweeps.statutory_sweep(now=at(1405, 9, 3, 14, 31)) == 1
    assert sweeps.statutory_sweep(now=at(1405, 9, 4, 9)) == 0  # once
    rows = OutboundMail.objects.filter(kind="staff")
    assert sorted(rows.values_list("to", flat=True)) == ["chead@example.ir", "clerk@example.ir", "head@example.ir"]
    assert all(row.ticket_id is None for row in rows)  # never in the citizen's thread
    mail_services.outbox_send()
    got = staff_mails(smtp_server.sink)
    assert set(got) == {"chead@example.ir", "clerk@example.ir", "head@example.ir"}
    message = got["head@example.ir"]
    assert message["Subject"] == f"[{ticket.display_code}] مهلت قانونی پاسخ پرونده گذشت: شکایت از تأخیر در صدور حکم"
    assert message["Reply-To"] is None
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "مدیر درمان گرامی" in text and "اداره امور بیمارستان‌ها" in text
    assert "سه‌شنبه ۳ آذر ۱۴۰۵" in text and "۱۴۰۵/۰۹/۰۲" in text  # the deadline and the filing, Jalali
    assert f"/console/tickets/{ticket.pk}/" in text and f"/console/tickets/{ticket.pk}/" in html
    assert 'dir="rtl"' in html
    for private in ("سارا رضایی", "09121112233", "0013542419", "sara@example.ir", "حکم من پس از"):
        assert private not in text and private not in html
    assert "زهرا کارشناس گرامی" in got["clerk@example.ir"].get_body(("plain",)).get_content()


def test_objection_is_mailed_to_the_supervisor(make_unit, make_official, smtp_server):
    unit_ = make_unit("اداره کارگزینی", code="hr")
    clerk = with_email(make_official("clerk", [unit_], name="کارشناس کارگزینی"), "clerk@example.ir")
    boss = with_email(make_official("boss", [unit_], name="سرپرست کارگزینی", role=Official.Role.SUPERVISOR), "boss@example.ir")
    ticket = open_case(unit_)
    with clock.frozen_at(at(1405, 9, 2, 11)):
        services.ticket_reply(ticket_id=ticket.pk, official=clerk, body="درخواست شما با مقررات همخوانی ندارد.", status=S.REJECTED)
    with clock.frozen_at(at(1405, 9, 3, 9)):
        services.ticket_object(ticket_id=ticket.pk, reason="مدارک کامل بود.")
    # the supervisor, and the unit through the official who answered (the reply assigned it)
    assert sorted(OutboundMail.objects.filter(kind="staff").values_list("to", flat=True)) == ["boss@example.ir", "clerk@example.ir"]
    mail_services.outbox_send()
    message = staff_mails(smtp_server.sink)["boss@example.ir"]
    assert "اعتراض شهروند به رد پرونده" in message["Subject"]
    assert "اعتراض کرد" in message.get_body(("plain",)).get_content()
