"""The outbox: mails written in the change's transaction, sent through Django's SMTP backend to
a real aiosmtpd server, retried while it is down, delivered once."""

import datetime as dt
import email
import email.policy
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from chatdesk.core import clock
from chatdesk.mail import outbound, services
from chatdesk.mail.models import OutboundMail
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Ticket

from .conftest import CITIZEN, SmtpServer

pytestmark = pytest.mark.django_db


def test_ticket_created_queues_one_mail_in_the_same_transaction(open_ticket):
    ticket = open_ticket()
    mails = list(OutboundMail.objects.filter(ticket=ticket))
    assert [m.kind for m in mails] == ["created"]
    mail = mails[0]
    assert mail.to == CITIZEN and mail.status == "queued"
    assert f"[{ticket.display_code}]" in mail.subject
    assert ticket.display_code in mail.text and ticket.display_code in mail.html
    assert outbound.link_url(ticket) in mail.text and outbound.link_url(ticket) in mail.html
    assert mail.headers["Reply-To"] == outbound.reply_address(ticket)
    assert mail.headers["Message-ID"] == mail.message_id and mail.message_id.endswith("@desk.localhost>")


def test_a_failed_change_writes_no_mail(unit):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            ticket_services.ticket_open(kind="request", unit=unit, subject="موضوع آزمون", body="متن", name="مریم",
                                        email=CITIZEN, rate_limit=False)
            raise RuntimeError("rolled back")
    assert not OutboundMail.objects.exists() and not Ticket.objects.exists()


def test_no_email_no_mail_and_notes_never_mailed(unit, official):
    opened = ticket_services.ticket_open(kind="request", unit=unit, subject="بدون ایمیل", body="متن", name="مریم",
                                         mobile="09121234567", rate_limit=False)
    ticket_services.ticket_reply(ticket_id=opened.ticket.pk, official=official, body="پاسخ")
    assert not OutboundMail.objects.exists()


def test_reply_and_status_and_note(open_ticket, make_official, unit, other_unit):
    official = make_official("both", [unit, other_unit])
    ticket = open_ticket()
    ticket_services.ticket_note(ticket_id=ticket.pk, official=official, body="یادداشت محرمانه داخلی")
    assert OutboundMail.objects.filter(ticket=ticket).count() == 1  # the note mailed nothing
    ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="مدارک را بفرستید.", status="waiting")
    mails = list(OutboundMail.objects.filter(ticket=ticket).order_by("id"))
    assert [m.kind for m in mails] == ["created", "reply"]  # reply + "waiting" in one mail
    reply = mails[1]
    assert "مدارک را بفرستید." in reply.text and "منتظر پاسخ شماست" in reply.text
    assert reply.headers["In-Reply-To"] == mails[0].message_id
    assert mails[0].message_id in reply.headers["References"]
    for mail in mails:
        assert "یادداشت محرمانه" not in mail.text + mail.html
    ticket_services.ticket_set_status(ticket_id=ticket.pk, official=official, status="resolved")
    ticket_services.ticket_refer(ticket_id=ticket.pk, official=official, to_unit_id=other_unit.pk, reason="دلیل داخلی ارجاع")
    kinds = list(OutboundMail.objects.filter(ticket=ticket).order_by("id").values_list("kind", "subject"))
    assert [k for k, _s in kinds] == ["created", "reply", "status", "status"]
    assert "پاسخ داده شد" in kinds[2][1] and other_unit.name in kinds[3][1]
    referred = OutboundMail.objects.filter(ticket=ticket).order_by("-id").first()
    assert "دلیل داخلی ارجاع" not in referred.text + referred.html  # the reason is a note
    ticket_services.ticket_set_status(ticket_id=ticket.pk, official=official, status="open")
    assert OutboundMail.objects.filter(ticket=ticket).count() == 4  # "open" is not mailed


def test_html_is_right_to_left_with_codes_left_to_right(open_ticket):
    mail = OutboundMail.objects.get(ticket=open_ticket())
    import re

    blocks = re.findall(r"<(p|div|td|table|body)\b([^>]*)>", mail.html)
    assert blocks
    for tag, attrs in blocks:
        assert 'dir="rtl"' in attrs and "direction:rtl" in attrs, (tag, attrs)
    assert re.search(r'<span dir="ltr" style="direction:ltr[^"]*">' + re.escape(mail.ticket.display_code) + "</span>", mail.html)
    assert "\u200e" + mail.ticket.display_code + "\u200e" in mail.text


def test_reply_token_is_secret_long_and_only_in_reply_to(open_ticket):
    ticket = open_ticket()
    other = open_ticket(email="other@example.ir")
    mail = OutboundMail.objects.get(ticket=ticket)
    token = outbound.reply_token(ticket)
    assert len(token) * 5 >= 128 and token != outbound.reply_token(other)
    local = outbound.reply_address(ticket).split("@")[0]
    assert len(local) <= 64
    assert token not in mail.text and token not in mail.html and token not in mail.subject
    assert outbound.parse_reply_address(outbound.reply_address(ticket)) == (ticket.code, token)
    assert outbound.check_reply_token(ticket, token) and not outbound.check_reply_token(other, token)


def test_sends_through_real_smtp_with_persian_subject_intact(open_ticket, smtp_server):
    subject = (
        "درخواست بررسی وضعیت پرداخت حقوق و مزایای پرسنل قراردادی معاونت درمان در سال گذشته و پیگیری مجدد آن "
        "با  دو  فاصله و نیم‌فاصله‌ها"
    )
    ticket = open_ticket(subject=subject[:200])
    assert services.outbox_send() == 1
    mail = OutboundMail.objects.get(ticket=ticket)
    assert mail.status == "sent" and mail.sent_at is not None and mail.attempts == 1
    (sender, rcpts, raw), = smtp_server.sink.messages
    assert rcpts == [CITIZEN]
    head = raw.split(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78  # headers folded for the wire
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == mail.subject  # exact: no space lost or added at the folds
    assert " ".join(subject[:200].split()) in parsed["Subject"]
    assert parsed["Message-ID"] == mail.message_id
    assert parsed["Reply-To"] == outbound.reply_address(ticket)
    assert parsed["Auto-Submitted"] == "auto-generated"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert ticket.display_code in text and 'dir="rtl"' in html
    # compat32 parsers (older clients' libraries) read the same subject
    from email.header import decode_header, make_header

    old = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert str(make_header(decode_header(old["Subject"]))) == mail.subject


def test_smtp_down_then_up_every_mail_once(open_ticket, smtp_port, settings):
    tickets = [open_ticket(email=f"c{i}@example.ir") for i in range(4)]
    start = timezone.now()
    with clock.frozen_at(start):
        assert services.outbox_send() == 0  # connection refused: the first claimed mail waits
    failed = OutboundMail.objects.filter(attempts=1).get()
    assert failed.status == "queued" and "Connection" in failed.last_error or "refused" in failed.last_error.lower()
    assert failed.next_attempt_at == start + dt.timedelta(seconds=settings.MAIL["BACKOFF_SECONDS"])
    assert OutboundMail.objects.filter(attempts=0, status="queued").count() == 3  # untouched
    with clock.frozen_at(start + dt.timedelta(seconds=1)):
        services.outbox_send()  # still down
    server = SmtpServer(smtp_port).start()
    try:
        with clock.frozen_at(start + dt.timedelta(seconds=2)):
            sent_now = services.outbox_send()
        with clock.frozen_at(start + dt.timedelta(hours=2)):
            sent_later = services.outbox_send()
            assert services.outbox_send() == 0
        assert sent_now + sent_later == 4
        ids = server.sink.message_ids()
        assert sorted(ids) == sorted(OutboundMail.objects.values_list("message_id", flat=True))
        assert len(set(ids)) == len(ids) == len(tickets)
        assert set(OutboundMail.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        server.stop()


def test_backoff_grows_and_gives_up(open_ticket, smtp_port, settings):
    settings.MAIL = {**settings.MAIL, "MAX_ATTEMPTS": 3}
    open_ticket()
    mail = OutboundMail.objects.get()
    moment = timezone.now()
    delays = []
    for _ in range(3):
        with clock.frozen_at(moment):
            services.outbox_send()
        mail.refresh_from_db()
        delays.append((mail.next_attempt_at - moment).total_seconds())
        moment = mail.next_attempt_at
    assert mail.status == "failed" and mail.attempts == 3
    assert delays[1] == 2 * delays[0]


def test_a_worker_killed_mid_send_leaves_a_lease_that_is_retried_with_the_same_message_id(open_ticket, smtp_server, settings):
    open_ticket()
    start = timezone.now()
    claimed = outbound.claim(start)  # the worker dies here, holding the lease
    assert claimed is not None and claimed.status == "sending"
    with clock.frozen_at(start + dt.timedelta(seconds=10)):
        assert services.outbox_send() == 0  # the lease still holds: nobody else sends it
    assert smtp_server.sink.messages == []
    with clock.frozen_at(start + dt.timedelta(seconds=settings.MAIL["LEASE_SECONDS"] + 1)):
        assert services.outbox_send() == 1
    assert smtp_server.sink.message_ids() == [claimed.message_id]
    assert OutboundMail.objects.get().attempts == 2
    # the dead worker's late "sent" cannot overwrite anything: its lease is gone
    assert outbound.mark_sent(claimed, start) is False


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_workers_send_each_mail_once(open_ticket, smtp_server):
    for i in range(20):
        open_ticket(email=f"w{i}@example.ir")
    errors = []

    def worker():
        try:
            for _ in range(5):
                services.outbox_send()
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = smtp_server.sink.message_ids()
    assert len(ids) == 20 and len(set(ids)) == 20
    assert OutboundMail.objects.filter(status="sent").count() == 20


def test_the_default_lease_is_short():
    """A mail held by a killed worker waits at most a minute (it used to be five)."""
    from django.conf import settings

    assert settings.MAIL["LEASE_SECONDS"] <= 60


class SlowSink:
    """A relay that takes ``delay`` seconds before answering 250 to DATA."""

    def __init__(self, delay):
        self.delay = delay
        self.message_ids = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.delay)
        self.message_ids.append(email.message_from_bytes(envelope.original_content)["Message-ID"])
        return "250 2.0.0 OK"


@pytest.mark.django_db(transaction=True)
def test_a_send_slower_than_the_lease_is_not_sent_twice(open_ticket, smtp_port, settings):
    """The sending worker renews its lease while the relay is slow: a second worker sweeping the
    whole time never takes the mail, and it goes out once."""
    from aiosmtpd.controller import Controller

    settings.MAIL = {**settings.MAIL, "LEASE_SECONDS": 1}
    sink = SlowSink(delay=2.5)
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port, decode_data=False)
    controller.start()
    try:
        open_ticket()
        first_done = threading.Event()
        sent = {}

        def first():
            try:
                sent["first"] = services.outbox_send()
            finally:
                first_done.set()
                connection.close()

        def second():
            sent["second"] = 0
            try:
                while not first_done.wait(0.1):
                    sent["second"] += services.outbox_send()
            finally:
                connection.close()

        a = threading.Thread(target=first)
        a.start()
        while not OutboundMail.objects.filter(status="sending").exists():  # the first holds it
            threading.Event().wait(0.02)
        b = threading.Thread(target=second)
        b.start()
        a.join(20)
        b.join(20)
    finally:
        controller.stop()
    mail = OutboundMail.objects.get()
    assert len(sink.message_ids) == 1 and sink.message_ids == [mail.message_id]
    assert (sent["first"], sent["second"]) == (1, 0)
    assert mail.status == "sent" and mail.attempts == 1


def test_the_date_header_states_tehrans_offset(open_ticket):
    """Not "-0000" (zone unknown): the moment and its offset, parsed back exactly."""
    from email.utils import parsedate_to_datetime

    open_ticket()
    moment = dt.datetime(2026, 12, 7, 8, 30, 15, tzinfo=dt.timezone.utc)
    with clock.frozen_at(moment):
        date = outbound.build(OutboundMail.objects.get()).message()["Date"]
    assert date.endswith("+0330") and "-0000" not in date
    assert parsedate_to_datetime(date) == moment


def test_a_reply_references_the_whole_thread(open_ticket, official):
    """Every mail of the case, ours and the citizen's, in order; In-Reply-To the latest."""
    from chatdesk.mail import inbound
    from chatdesk.mail.models import InboundMail

    from .conftest import load

    ticket = open_ticket()
    chain = [OutboundMail.objects.get(ticket=ticket).message_id]
    for i in range(3):
        moment = timezone.now() + dt.timedelta(minutes=10 * (i + 1))
        with clock.frozen_at(moment):
            ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body=f"پاسخ شماره {i}")
        chain.append(OutboundMail.objects.filter(ticket=ticket).latest("id").message_id)
        with clock.frozen_at(moment + dt.timedelta(minutes=1)):
            raw = load("gmail_reply_quoted.eml", FROM=ticket.citizen_email, REPLY_TO=outbound.reply_address(ticket), REF=chain[-1])
            inbound.receive(raw, recipients=[outbound.reply_address(ticket)])
        chain.append(InboundMail.objects.latest("id").message_id)
    with clock.frozen_at(timezone.now() + dt.timedelta(hours=2)):
        ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="پاسخ پایانی")
    last = OutboundMail.objects.filter(ticket=ticket).latest("id")
    assert last.headers["References"].split() == chain
    assert last.headers["In-Reply-To"] == chain[-1]
