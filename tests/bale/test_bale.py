"""The Bale bot against a local server that speaks Bale's Bot API (tests/support/bale_api.py):
the unit menu, a chat answered from the console, files both ways, a refused file, the tracking
code and a ticket reply in Bale, the webhook's secret, polling offsets, and exactly-once work
across duplicates and a worker that dies holding a lease."""

import contextlib
import datetime as dt
import io
import json

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from chatdesk.bale import client, leases, outbound, services
from chatdesk.bale.models import BaleChat, BaleOutbound, BaleUpdate
from chatdesk.chats import services as chat_services
from chatdesk.chats.files import chat_file_send
from chatdesk.chats.models import Conversation, Message
from chatdesk.core import clock
from chatdesk.core.tracking import format_tracking_code
from chatdesk.site import retention
from chatdesk.tickets import escalation
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Ticket
from tests.support.bale_api import BaleServer
from tests.support.documents import JPEG, PDF, PNG

CHAT = 7700112233
SECRET = "w3bh00k-s3cret-segment-for-tests"


@pytest.fixture
def bale(settings):
    server = BaleServer().start()
    settings.BALE = {
        **settings.BALE, "TOKEN": server.token, "API_URL": server.base_url, "MODE": "polling",
        "WEBHOOK_SECRET": SECRET, "TIMEOUT": 3,
    }
    yield server
    server.stop()


def tick():
    """What the worker does each tick for Bale."""
    services.bale_poll()
    services.bale_process_due()
    services.bale_send_due()


def texts(server):
    return [s["text"] for s in server.sent if s["method"] == "sendMessage"]


@pytest.fixture
def desk(make_unit, make_official):
    treatment = make_unit("معاونت درمان", code="treatment", always_open=True, chat_enabled=True, menu_order=2)
    health = make_unit("معاونت بهداشت", code="health", always_open=True, chat_enabled=True, menu_order=1)
    make_unit("بایگانی", code="archive", always_open=True, chat_enabled=False, menu_order=0)
    official = make_official("rezaei", [treatment], name="زهرا رضایی")
    return treatment, health, official


def open_chat(bale, unit):
    bale.push(bale.text_update(CHAT, "/start"))
    bale.push(bale.callback_update(CHAT, f"unit:{unit.pk}"))
    tick()
    return Conversation.objects.get(channel="bale")


def test_menu_lists_chat_units_in_menu_order_and_a_tap_starts_a_bale_chat(db, bale, desk):
    treatment, _health, _official = desk
    bale.push(bale.text_update(CHAT, "/start"))
    tick()
    menu = bale.sent[-1]
    assert menu["chat_id"] == CHAT and "واحد" in menu["text"]
    assert [row[0]["text"] for row in menu["reply_markup"]["inline_keyboard"]] == ["معاونت بهداشت", "معاونت درمان"]
    assert menu["reply_markup"]["inline_keyboard"][1][0]["callback_data"] == f"unit:{treatment.pk}"

    bale.push(bale.callback_update(CHAT, f"unit:{treatment.pk}"))
    bale.push(bale.text_update(CHAT, "سلام، نوبت جراحی می‌خواستم"))
    tick()
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.unit_id, conversation.citizen_name) == ("bale", treatment.pk, "مریم رضایی")
    assert conversation.get_channel_display() == "بله"
    assert list(conversation.messages.values_list("sender", "body")) == [("citizen", "سلام، نوبت جراحی می‌خواستم")]
    assert "گفتگو با «معاونت درمان» آغاز شد" in texts(bale)[-1]
    assert BaleChat.objects.get(chat_id=CHAT).conversation_id == conversation.pk


@pytest.mark.django_db(transaction=True)
async def test_official_reply_from_the_console_arrives_in_bale(bale, desk, socket_factory):
    treatment, _health, official = desk
    conversation = await sync_to_async(open_chat)(bale, treatment)
    bale.push(bale.text_update(CHAT, "سلام"))
    await sync_to_async(tick)()

    user = await sync_to_async(lambda: official.user)()
    off = socket_factory("/ws/console/", user=user)
    assert (await off.connect())[0]
    welcome = await off.recv()
    queued = [item for item in welcome["queue"] if item["id"] == conversation.pk]
    assert queued and (queued[0]["channel"], queued[0]["channel_display"]) == ("bale", "بله")
    await off.send({"type": "chat.take", "conversation_id": conversation.pk})
    assigned = await off.recv_until("assigned")
    assert assigned["conversation"]["channel_display"] == "بله"
    await off.send({"type": "message.send", "conversation_id": conversation.pk, "client_id": "o1", "body": "بفرمایید، در خدمتم"})
    await off.recv_until("ack")
    await off.close()

    await sync_to_async(tick)()
    assert "زهرا رضایی: بفرمایید، در خدمتم" in texts(bale)
    assert any("زهرا رضایی به گفتگو پیوست" in text for text in texts(bale))
    # sent once: another tick sends nothing more
    count = len(bale.sent)
    await sync_to_async(tick)()
    assert len(bale.sent) == count


def test_files_both_ways(db, bale, desk):
    treatment, _health, official = desk
    conversation = open_chat(bale, treatment)
    bale.push(bale.document_update(CHAT, PDF, name="نامه.pdf"))
    tick()
    stored = conversation.messages.get(kind="file")
    assert stored.sender == "citizen" and stored.data["name"].endswith(".pdf") and stored.data["size"] == len(PDF)

    chat_services.conversation_take(conversation_id=conversation.pk, official=official)
    chat_file_send(conversation_id=conversation.pk, sender="official", official=official,
                   uploaded=SimpleUploadedFile("پاسخ.pdf", PDF, "application/pdf"), client_id="f1")
    tick()
    documents = [s for s in bale.sent if s["method"] == "sendDocument"]
    assert len(documents) == 1
    name, content_type, content = documents[0]["document"]
    assert (documents[0]["chat_id"], name, content_type, content) == (CHAT, "پاسخ.pdf", "application/pdf", PDF)
    assert documents[0]["caption"].startswith("زهرا رضایی")


def test_a_refused_file_gets_a_persian_reason_and_changes_nothing(db, bale, desk, settings):
    treatment, _health, _official = desk
    conversation = open_chat(bale, treatment)
    bale.push(bale.document_update(CHAT, b"MZ\x90\x00 not a document", name="برنامه.exe", mime="application/octet-stream"))
    tick()
    assert "فایل پذیرفته نشد" in texts(bale)[-1]
    # too big by its announced size: refused by the desk's rule without downloading it
    requests = len(bale.requests)
    bale.push(bale.document_update(CHAT, PDF, size=settings.UPLOADS["MAX_BYTES"] + 1))
    tick()
    assert "فایل پذیرفته نشد" in texts(bale)[-1] and "مگابایت" in texts(bale)[-1]
    assert "getFile" not in [r["method"] for r in bale.requests[requests:]]
    assert not conversation.messages.filter(kind="file").exists()
    assert BaleUpdate.objects.filter(status="done").count() == BaleUpdate.objects.count()


@contextlib.contextmanager
def escalated(bale, unit, words):
    """A Bale chat nobody answered, become a ticket; inside, the clock stands just past its
    timer (the rows written there are due at once)."""
    conversation = open_chat(bale, unit)
    bale.push(bale.text_update(CHAT, words))
    tick()
    conversation.refresh_from_db()
    with clock.frozen_at(conversation.escalate_at + dt.timedelta(seconds=1)):
        assert escalation.escalation_sweep() == 1
        yield Ticket.objects.get(conversation=conversation)


def test_escalation_sends_the_tracking_code_and_the_ticket_reply_to_bale(db, bale, desk):
    treatment, _health, official = desk
    with escalated(bale, treatment, "کسی پاسخ نمی‌دهد؟") as ticket:
        tick()
        shown = format_tracking_code(ticket.code, persian=True)
        tracking = [t for t in texts(bale) if shown in t]
        assert tracking and "کد پیگیری" in tracking[0]
        assert bale.sent[-1]["reply_markup"]["inline_keyboard"]  # the menu for a new chat

        ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="نوبت شما برای شنبه ثبت شد.")
        tick()
        assert texts(bale)[-1] == f"پاسخ معاونت درمان به پرونده {shown}:\nنوبت شما برای شنبه ثبت شد."
        ticket_services.ticket_note(ticket_id=ticket.pk, official=official, body="یادداشت داخلی")
        count = len(bale.sent)
        tick()
        assert len(bale.sent) == count  # a note never reaches the citizen; the reply is not sent twice

        # the chat is over: the next message shows the menu again, not a write into the closed chat
        bale.push(bale.text_update(CHAT, "یک سؤال دیگر"))
        tick()
        assert bale.sent[-1]["reply_markup"]["inline_keyboard"]
        assert not Message.objects.filter(body="یک سؤال دیگر").exists()


def test_a_duplicate_update_is_processed_once(db, bale, desk, settings):
    treatment, _health, _official = desk
    conversation = open_chat(bale, treatment)
    settings.BALE = {**settings.BALE, "MODE": "webhook"}
    update = bale.text_update(CHAT, "فقط یک بار")
    client = Client()
    for _ in range(2):
        response = client.post(f"/bale/webhook/{SECRET}/", json.dumps(update), content_type="application/json")
        assert response.status_code == 200
    assert BaleUpdate.objects.filter(update_id=update["update_id"]).count() == 1
    services.bale_process_due()
    # and a resend after it was done changes nothing either
    client.post(f"/bale/webhook/{SECRET}/", json.dumps(update), content_type="application/json")
    services.bale_process_due()
    assert list(conversation.messages.filter(sender="citizen").values_list("body", flat=True)) == ["فقط یک بار"]


def test_webhook_refuses_a_wrong_secret_and_stores_nothing(db, bale, settings):
    settings.BALE = {**settings.BALE, "MODE": "webhook"}
    client = Client()
    update = bale.text_update(CHAT, "سلام")
    for path in (f"/bale/webhook/{SECRET[:-1]}x/", "/bale/webhook/x/"):
        assert client.post(path, json.dumps(update), content_type="application/json").status_code == 404
    assert client.post(f"/bale/webhook/{SECRET}/", "not json", content_type="application/json").status_code == 400
    assert not BaleUpdate.objects.exists()
    settings.BALE = {**settings.BALE, "MODE": "polling"}  # the webhook is closed in polling mode
    assert client.post(f"/bale/webhook/{SECRET}/", json.dumps(update), content_type="application/json").status_code == 404
    settings.BALE = {**settings.BALE, "MODE": "webhook"}
    assert client.post(f"/bale/webhook/{SECRET}/", json.dumps(update), content_type="application/json").status_code == 200
    assert BaleUpdate.objects.get().update_id == update["update_id"]


def test_polling_offset_advances_after_the_updates_are_stored(db, bale, desk):
    first, second = bale.push(bale.text_update(CHAT, "/start")), bale.push(bale.text_update(CHAT, "/start"))
    assert services.bale_poll() == 2
    assert services.bale_poll() == 0  # Bale still had them (not yet acknowledged): stored once
    assert bale.offsets == [None, second["update_id"] + 1]
    assert bale.updates == []  # acknowledged by the second call's offset
    third = bale.push(bale.text_update(CHAT, "/start"))
    assert services.bale_poll() == 1
    assert bale.offsets[-1] == second["update_id"] + 1 and third["update_id"] > second["update_id"]
    assert sorted(BaleUpdate.objects.values_list("update_id", flat=True)) == [first["update_id"], second["update_id"], third["update_id"]]


def test_outbound_is_sent_once_across_a_worker_dying_mid_lease_and_retried_with_backoff(db, bale, settings):
    now = clock.now()
    row = outbound.enqueue(chat_id=CHAT, text="پیام آزمایشی", dedup_key="test:1", now=now)
    assert outbound.enqueue(chat_id=CHAT, text="پیام آزمایشی", dedup_key="test:1", now=now).pk == row.pk
    claimed = leases.claim(BaleOutbound, now)  # a worker takes the lease and dies before sending
    assert claimed.pk == row.pk
    assert outbound.send_due(now=now + dt.timedelta(seconds=5)) == 0  # the lease still holds
    later = now + dt.timedelta(seconds=settings.BALE["LEASE_SECONDS"] + 1)
    bale.fail_sends = 1  # Bale answers 500 once
    assert outbound.send_due(now=later) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 2) and row.next_attempt_at == later + dt.timedelta(seconds=leases.backoff_seconds(2))
    assert outbound.send_due(now=later) == 0  # not due yet
    assert outbound.send_due(now=row.next_attempt_at) == 1
    assert outbound.send_due(now=row.next_attempt_at + dt.timedelta(hours=1)) == 0
    assert texts(bale) == ["پیام آزمایشی"]
    row.refresh_from_db()
    assert row.status == "done" and row.message_id


def test_a_wrong_request_is_a_dead_letter(db, bale):
    now = clock.now()
    outbound.enqueue(chat_id=CHAT, text="   ", dedup_key="bad", now=now)  # Bale refuses empty text (400)
    assert outbound.send_due(now=now) == 0
    row = BaleOutbound.objects.get(dedup_key="bad")
    assert row.status == "failed" and "400" in row.last_error


def test_an_update_whose_worker_died_is_processed_once(db, bale, desk, settings):
    treatment, _health, _official = desk
    conversation = open_chat(bale, treatment)
    services.update_store(payload=bale.text_update(CHAT, "بعد از خرابی"))
    now = clock.now()
    dead = leases.claim(BaleUpdate, now)  # taken, then the worker died
    assert dead is not None
    assert services.bale_process_due(now=now) == 0
    later = now + dt.timedelta(seconds=settings.BALE["LEASE_SECONDS"] + 1)
    assert services.bale_process_due(now=later) == 1
    assert services.bale_process_due(now=later + dt.timedelta(hours=1)) == 0
    assert list(conversation.messages.filter(sender="citizen").values_list("body", flat=True)) == ["بعد از خرابی"]


def test_off_by_default_does_nothing(db, settings):
    assert settings.BALE["MODE"] in ("off", "webhook", "polling")
    settings.BALE = {**settings.BALE, "MODE": "off", "TOKEN": "x"}
    assert services.bale_poll() == 0 and services.bale_send_due() == 0 and services.bale_process_due() == 0
    assert Client().post(f"/bale/webhook/{SECRET}/", "{}", content_type="application/json").status_code == 404


def test_admin_lists_the_queues_in_persian_and_retries_a_dead_letter(db, bale, admin_client):
    now = clock.now()
    outbound.enqueue(chat_id=CHAT, text="   ", dedup_key="dead", now=now)
    outbound.send_due(now=now)  # refused by Bale: a dead letter
    row = BaleOutbound.objects.get(dedup_key="dead")
    assert row.status == "failed"
    page = admin_client.get("/admin/bale/baleoutbound/").content.decode()
    assert "۷۷۰۰۱۱۲۲۳۳" in page and "7700112233" not in page and "ناموفق" in page
    assert admin_client.get("/admin/bale/baleupdate/").status_code == 200
    response = admin_client.post("/admin/bale/baleoutbound/", {"action": "retry", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 0)


def test_the_commands_set_the_webhook_and_long_poll(db, bale, desk, settings):
    settings.BALE = {**settings.BALE, "MODE": "webhook"}
    call_command("bale_webhook", "https://desk.example.ir/")
    assert bale.webhook == f"https://desk.example.ir/bale/webhook/{SECRET}/"
    with pytest.raises(CommandError):
        call_command("bale_webhook", "http://desk.example.ir")  # Bale wants HTTPS: refused before asking
    with pytest.raises(CommandError):
        call_command("bale_poll", "--once")  # polling needs the polling mode
    call_command("bale_webhook", "--delete")
    assert bale.webhook == ""

    settings.BALE = {**settings.BALE, "MODE": "polling"}
    bale.push(bale.text_update(CHAT, "/start"))
    out = io.StringIO()
    call_command("bale_poll", "--once", "--timeout", "0", stdout=out)
    assert out.getvalue().strip() == "1"
    assert bale.sent[-1]["reply_markup"]["inline_keyboard"]  # processed and answered in the same run


def test_an_automatic_unit_assigns_at_once_and_the_citizen_hears_who_joined(db, bale, make_unit, make_official):
    auto = make_unit("اورژانس", code="er", always_open=True, chat_enabled=True, routing="auto")
    make_official("moradi", [auto], name="فاطمه مرادی")
    open_chat(bale, auto)
    assert Conversation.objects.get().status == "active"
    said = texts(bale)
    assert "فاطمه مرادی به گفتگو پیوست." in said and said.count("فاطمه مرادی به گفتگو پیوست.") == 1


def test_every_pressed_button_is_answered_once_before_the_bots_reply(db, bale, desk, settings):
    treatment, _health, _official = desk
    bale.push(bale.text_update(CHAT, "/start"))
    tick()
    press = bale.push(bale.callback_update(CHAT, f"unit:{treatment.pk}"))
    stale = bale.push(bale.callback_update(CHAT, "unit:999999"))  # a unit that is gone: answered too
    tick()
    query_ids = [press["callback_query"]["id"], stale["callback_query"]["id"]]
    assert [a["callback_query_id"] for a in bale.answered] == query_ids
    assert not bale.callback_ids  # no button is left spinning
    methods = [r["method"] for r in bale.requests if r["method"] in ("answerCallbackQuery", "sendMessage")]
    assert methods[-4:] == ["answerCallbackQuery", "sendMessage", "answerCallbackQuery", "sendMessage"]
    assert BaleOutbound.objects.filter(kind="callback", status="done").count() == 2

    # the same update delivered again (webhook retry): stored once, answered once
    settings.BALE = {**settings.BALE, "MODE": "webhook"}
    response = Client().post(f"/bale/webhook/{SECRET}/", json.dumps(press), content_type="application/json")
    assert response.status_code == 200
    tick()
    assert len(bale.answered) == 2


def test_a_callback_answer_the_service_refuses_is_a_dead_letter_and_a_passing_failure_is_retried(db, bale, desk, settings):
    treatment, _health, _official = desk
    bale.push(bale.callback_update(CHAT, f"unit:{treatment.pk}"))
    bale.fail_sends = 1  # Bale answers 500 once: retried with backoff
    tick()
    row = BaleOutbound.objects.get(kind="callback")
    assert row.status == "queued" and row.attempts == 1
    with clock.frozen_at(row.next_attempt_at + dt.timedelta(seconds=1)):
        services.bale_send_due()
    assert BaleOutbound.objects.get(kind="callback").status == "done" and len(bale.answered) == 1
    # an id Bale never gave (or one already answered) is refused: no retry helps
    outbound.answer_callback(chat_id=CHAT, callback_query_id="cq-unknown", update_id=1)
    services.bale_send_due()
    assert BaleOutbound.objects.get(callback_query_id="cq-unknown").status == "failed"


def test_ticket_reply_attachments_reach_bale_as_a_photo_and_a_document(db, bale, desk):
    treatment, _health, official = desk
    with escalated(bale, treatment, "مدارکم را ببینید") as ticket:
        tick()
        files = [SimpleUploadedFile("نوبت.jpg", JPEG, "image/jpeg"), SimpleUploadedFile("دستور.pdf", PDF, "application/pdf")]
        ticket_services.ticket_reply(ticket_id=ticket.pk, official=official, body="نوبت و دستور پزشک پیوست است.", files=files)
        count = len(bale.sent)
        tick()
        shown = format_tracking_code(ticket.code, persian=True)
        new = bale.sent[count:]
        assert [s["method"] for s in new] == ["sendMessage", "sendPhoto", "sendDocument"]
        assert new[0]["text"] == f"پاسخ معاونت درمان به پرونده {shown}:\nنوبت و دستور پزشک پیوست است."
        assert new[1]["document"] == ("نوبت.jpg", "image/jpeg", JPEG) and shown in new[1]["caption"]
        assert new[2]["document"] == ("دستور.pdf", "application/pdf", PDF) and new[2]["caption"].endswith("دستور.pdf")
        photo_upload = [r for r in bale.requests if r["method"] == "sendPhoto"][-1]
        assert set(photo_upload["files"]) == {"photo"} and int(photo_upload["params"]["chat_id"]) == CHAT  # multipart form fields
        tick()
        assert len(bale.sent) == count + 3  # each file once


def test_an_officials_image_in_the_chat_goes_as_a_photo(db, bale, desk):
    treatment, _health, official = desk
    conversation = open_chat(bale, treatment)
    chat_services.conversation_take(conversation_id=conversation.pk, official=official)
    chat_file_send(conversation_id=conversation.pk, sender="official", official=official,
                   uploaded=SimpleUploadedFile("نقشه.png", PNG, "image/png"), client_id="p1")
    tick()
    photos = [s for s in bale.sent if s["method"] == "sendPhoto"]
    assert len(photos) == 1 and photos[0]["document"] == ("نقشه.png", "image/png", PNG)


def test_the_local_bale_server_refuses_a_photo_that_is_not_an_image_and_an_unnamed_document(db, bale):
    with pytest.raises(client.BaleError) as not_image:
        client.call("sendPhoto", {"chat_id": CHAT}, files={"photo": ("x.jpg", "image/jpeg", PDF)})
    assert not_image.value.code == 400 and not_image.value.permanent
    with pytest.raises(client.BaleError) as unnamed:
        client.call("sendDocument", {"chat_id": CHAT}, files={"document": ("", "application/pdf", PDF)})
    assert unnamed.value.code == 400
    with pytest.raises(client.BaleError) as long_text:
        bale.callback_ids.add("cq-1")
        client.call("answerCallbackQuery", {"callback_query_id": "cq-1", "text": "ب" * 201})
    assert long_text.value.code == 400
    assert client.call("answerCallbackQuery", {"callback_query_id": "cq-1", "text": "دریافت شد"}) is True


def test_retention_forgets_the_bale_accounts_names_and_payloads_and_keeps_an_open_chat(db, bale, desk):
    treatment, _health, official = desk
    conversation = open_chat(bale, treatment)
    bale.push(bale.text_update(CHAT, "کد ملی من ۰۰۱۲۳۴۵۶۷۸ است"))
    tick()
    chat_services.conversation_take(conversation_id=conversation.pk, official=official)
    chat_services.message_send(conversation_id=conversation.pk, sender="official", official=official, client_id="o1", body="ثبت شد، خانم رضایی")
    bale.push(bale.text_update(CHAT, "پایان"))
    bale.push(bale.text_update(CHAT + 1, "/start", first_name="فقط منو دید"))
    tick()
    other = 7700999888  # a citizen whose chat is still open keeps it
    bale.push(bale.text_update(other, "/start", first_name="علی کاظمی"))
    bale.push(bale.callback_update(other, f"unit:{treatment.pk}", first_name="علی کاظمی"))
    tick()
    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert BaleChat.objects.count() == 3

    later = clock.now() + dt.timedelta(days=800)
    counted = retention.run(now=later, days=730, dry_run=True)
    assert counted.details["bale_updates"] == BaleUpdate.objects.count()
    assert BaleChat.objects.count() == 3 and BaleUpdate.objects.exclude(payload__has_key="retained").count() == BaleUpdate.objects.count()

    with_text = BaleOutbound.objects.exclude(text="", reply_markup__isnull=True).count()
    result = retention.run(now=later, days=730)
    assert result.conversations == 1
    assert result.details == {"bale_updates": BaleUpdate.objects.count(), "bale_outbound": with_text, "bale_chats": 2}
    assert list(BaleChat.objects.values_list("chat_id", "name")) == [(other, "علی کاظمی")]
    conversation.refresh_from_db()
    assert conversation.channel == "bale" and conversation.citizen_name == retention.ANON_NAME and not hasattr(conversation, "bale")
    for update in BaleUpdate.objects.all():
        assert update.payload == {"update_id": update.update_id, "retained": True}
    assert set(BaleOutbound.objects.values_list("text", flat=True)) == {""}
    assert not BaleOutbound.objects.filter(chat_id__in=[CHAT, CHAT + 1]).exists()
    stored = json.dumps([list(BaleUpdate.objects.values()), list(BaleOutbound.objects.values())], default=str, ensure_ascii=False)
    assert "مریم" not in stored and "۰۰۱۲۳۴۵۶۷۸" not in stored and "رضایی" not in stored
    # idempotent, and the open chat still works
    again = retention.run(now=later, days=730)
    assert again.details == {"bale_updates": 0, "bale_outbound": 0, "bale_chats": 0}
    bale.push(bale.text_update(other, "هنوز اینجا هستم"))
    tick()
    assert Message.objects.filter(body="هنوز اینجا هستم", conversation__channel="bale").exists()
