"""The SMS outbox keeps the mail outbox's guarantees: stored first, retried with backoff, sent
exactly once with concurrent workers and across a worker killed mid-lease, a dead letter an admin
sees and sends again; opt-out honoured; delivery reports stored on the row."""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from chatdesk.core import clock
from chatdesk.sms import outbox, services
from chatdesk.sms.models import OneTimeCode, OutboundSms

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.timezone.utc)  # Monday 16 Azar 1405, 10:00 Tehran


def notice(mobile="09121234567", code="1234567890128", **kw):
    return services.sms_case_opened(mobile=mobile, code=code, unit_name="معاونت درمان", **kw)


def test_stored_in_the_callers_transaction_and_not_when_it_fails():
    with clock.frozen_at(START):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notice()
                raise RuntimeError("the change failed")
        assert OutboundSms.objects.count() == 0
        sms = notice(dedup_key="created:1")
    assert (sms.status, sms.to, sms.case_code, sms.kind, sms.segments, sms.encoding) == ("queued", "09121234567", "1234567890128", "created", 2, "ucs2")
    assert "۱۲۳۴-۵۶۷۸-۹۰۱۲۸" in sms.text
    assert notice(dedup_key="created:1").pk == sms.pk  # one SMS per cause


def test_no_mobile_or_a_malformed_one_writes_nothing():
    assert notice(mobile="") is None
    assert notice(mobile="021-8888") is None
    assert services.sms_case_opened(mobile="+98 912 123 4567", code="1234567890128", unit_name="x").to == "09121234567"


def test_sent_through_the_gateway_once_with_delivery_report(gateway):
    server = gateway("kavenegar")
    with clock.frozen_at(START):
        sms = notice()
        assert services.sms_send_due() == 1
        assert services.sms_send_due() == 0
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.backend, sms.delivery) == ("sent", 1, "kavenegar", "pending")
    assert [m for _r, _s, m in server.sent] == [sms.text]
    server.delivery[sms.provider_id] = 10
    with clock.frozen_at(START + dt.timedelta(minutes=1)):
        assert services.sms_delivery_sweep() == 1
    sms.refresh_from_db()
    assert (sms.delivery, sms.delivered_at) == ("delivered", START + dt.timedelta(minutes=1))


def test_backoff_grows_then_the_dead_letter(gateway, settings):
    server = gateway("smsir")
    server.mode = "fail"
    settings.SMS = {**settings.SMS, "MAX_ATTEMPTS": 4, "BACKOFF_SECONDS": 30, "BACKOFF_MAX_SECONDS": 100}
    with clock.frozen_at(START):
        sms = notice()
    moment, waits = START, []
    for _ in range(4):
        with clock.frozen_at(moment):
            services.sms_send_due()
            # nothing is tried again before its time
            assert services.sms_send_due() == 0
        sms.refresh_from_db()
        if sms.status == "failed":
            break
        waits.append((sms.next_attempt_at - moment).total_seconds())
        moment = sms.next_attempt_at
    assert waits == [30, 60, 100]
    assert (sms.status, sms.attempts) == ("failed", 4)
    assert "502" in sms.last_error or "TemporaryError" in sms.last_error
    assert len(server.requests) == 4


def test_a_permanent_refusal_goes_to_the_dead_letter_at_once_and_the_next_one_still_goes(gateway, settings):
    server = gateway("ghasedak")
    with clock.frozen_at(START):
        bad = services.sms_enqueue(kind="created", to="09121234567", text="سلام")
        good = services.sms_enqueue(kind="created", to="09351234567", text="سلام")
    OutboundSms.objects.filter(pk=bad.pk).update(to="0912123")  # as if a number the gateway refuses
    with clock.frozen_at(START):
        assert services.sms_send_due() == 1
    bad.refresh_from_db(), good.refresh_from_db()
    assert (bad.status, bad.attempts) == ("failed", 1) and "PermanentError" in bad.last_error
    assert good.status == "sent"
    assert [r for r, _s, _m in server.sent] == ["09351234567"]


def test_a_worker_killed_mid_lease_the_sms_goes_once_after_the_lease(gateway, settings):
    server = gateway("kavenegar")
    with clock.frozen_at(START):
        notice()
    claimed = outbox.claim(START)  # the worker dies here, holding the lease
    assert claimed.status == "sending"
    with clock.frozen_at(START + dt.timedelta(seconds=10)):
        assert services.sms_send_due() == 0  # the lease still holds: nobody else sends it
    assert server.sent == []
    with clock.frozen_at(START + dt.timedelta(seconds=settings.SMS["LEASE_SECONDS"] + 1)):
        assert services.sms_send_due() == 1
    assert len(server.sent) == 1
    assert OutboundSms.objects.get().attempts == 2
    # the dead worker's late "sent" changes nothing: its lease is gone
    assert outbox.mark_sent(claimed, outbox.gateways.Sent("x"), "kavenegar", START) is False
    assert OutboundSms.objects.get().provider_id != "x"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_send_each_sms_once(gateway):
    server = gateway("kavenegar")
    with clock.frozen_at(START):
        for i in range(20):
            notice(mobile=f"0912000{i:04d}")
    errors = []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            for _ in range(15):
                services.sms_send_due(now=START)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    receptors = [r for r, _s, _m in server.sent]
    assert len(receptors) == 20 and len(set(receptors)) == 20
    assert OutboundSms.objects.filter(status="sent").count() == 20


def test_opt_out_is_honoured_for_notices_but_not_for_codes_and_drops_waiting_notices():
    with clock.frozen_at(START):
        waiting = notice()
        services.sms_opt_out(mobile="۰۹۱۲۱۲۳۴۵۶۷", source="track")
        assert not OutboundSms.objects.filter(pk=waiting.pk).exists()
        assert notice() is None
        assert services.sms_enqueue(kind="code", to="09121234567", text="کد ورود: 123456") is not None
        services.sms_opt_in(mobile="09121234567")
        assert notice() is not None


def test_admin_sees_the_dead_letter_in_jalali_and_sends_it_again(client):
    with clock.frozen_at(START):
        sms = notice()
    OutboundSms.objects.filter(pk=sms.pk).update(status="failed", attempts=10, last_error="PermanentError: kavenegar 411")
    admin = get_user_model().objects.create_superuser("root", "root@example.ir", "pass-root-1405")
    client.force_login(admin)
    page = client.get("/admin/sms/outboundsms/?status__exact=failed").content.decode()
    assert "۰۹۱۲۱۲۳۴۵۶۷" in page and "ناموفق (نیازمند بررسی)" in page
    assert "۱۴۰۵" in page  # the Jalali year of the creation date
    detail = client.get(f"/admin/sms/outboundsms/{sms.pk}/change/").content.decode()
    # the admin writes every digit of its text in Persian (core/admin_locale.py), the error included
    assert "۱۲۳۴-۵۶۷۸-۹۰۱۲۸" in detail and "PermanentError: kavenegar ۴۱۱" in detail and "۱۰" in detail
    response = client.post("/admin/sms/outboundsms/", {"action": "retry", "_selected_action": [sms.pk]})
    assert response.status_code == 302
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("queued", 0, "")
    services.sms_opt_out(mobile="09351112233")
    services.code_issue(subject="track:1234567890128", mobile="09351112233")
    assert "۰۹۳۵۱۱۱۲۲۳۳" in client.get("/admin/sms/smsoptout/").content.decode()
    codes = client.get("/admin/sms/onetimecode/").content.decode()
    assert "۰۹۳۵۱۱۱۲۲۳۳" in codes and OneTimeCode.objects.get().code_hash not in codes


def test_the_embedded_default_writes_files(sms_files):
    with clock.frozen_at(START):
        sms = notice()
        assert services.sms_send_due() == 1
    sms.refresh_from_db()
    assert sms.backend == "file"
    assert sms.text in (sms_files / f"sms-{sms.pk}.txt").read_text(encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_sms_jobs(settings):
    assert "chatdesk.sms.services.sms_send_due" in settings.WORKER_JOBS
    assert "chatdesk.sms.services.sms_delivery_sweep" in settings.WORKER_JOBS
    from chatdesk.core import worker

    with clock.frozen_at(START):
        notice()
        worker.run_once()
    assert OutboundSms.objects.get().status == "sent"
