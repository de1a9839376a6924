"""The citizen side of #21 on the server: the unit's greeting and waiting message (stored in the
stream; the waiting one sent once by the worker with the clock pinned), read marks («دیده شد»),
frequent questions (Persian-normalised search, openings counted, the report's figure), and chat
images served inline only when they decode as JPEG or PNG."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.chats import greeting, reads, services, wire
from chatdesk.chats.models import Conversation, Faq, FaqOpen, Message
from chatdesk.core import clock, errors, events, jalali, realtime
from chatdesk.reports import periods, selectors as report_selectors
from tests.support.documents import JPEG, PDF

pytestmark = pytest.mark.django_db

NOW = jalali.local_datetime(dt.date(2026, 12, 7), dt.time(10, 0))  # a Monday morning in Tehran


@pytest.fixture(autouse=True)
def pinned(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def open_unit(unit):
    unit.always_open = True
    unit.chat_greeting = "سلام، به گفتگوی معاونت درمان خوش آمدید."
    unit.chat_waiting_message = "همهٔ کارشناسان مشغول‌اند؛ به‌زودی پاسخ می‌دهیم."
    unit.chat_waiting_after_minutes = 3
    unit.save()
    return unit


def stream(conversation):
    return list(Message.objects.filter(conversation=conversation).values_list("seq", "sender", "kind", "data", "body"))


# --- greeting and waiting message -------------------------------------------------------------
def test_greeting_is_the_first_entry_and_the_waiting_message_comes_once_after_its_minutes(open_unit):
    started = services.conversation_start(unit_id=open_unit.pk, name="سارا محمدی")
    conv = started.conversation
    assert stream(conv) == [(1, "system", "event", {"event": "greeting"}, "سلام، به گفتگوی معاونت درمان خوش آمدید.")]
    assert greeting.waiting_message_sweep(now=NOW + dt.timedelta(minutes=2, seconds=59)) == 0
    assert greeting.waiting_message_sweep(now=NOW + dt.timedelta(minutes=3)) == 1
    assert greeting.waiting_message_sweep(now=NOW + dt.timedelta(minutes=10)) == 0  # once
    last = stream(conv)[-1]
    assert last == (2, "system", "event", {"event": "waiting"}, "همهٔ کارشناسان مشغول‌اند؛ به‌زودی پاسخ می‌دهیم.")


def test_a_chat_taken_before_its_minutes_gets_no_waiting_message(open_unit, make_official):
    official = make_official("rezaei", [open_unit])
    started = services.conversation_start(unit_id=open_unit.pk, name="سارا محمدی")
    services.conversation_take(conversation_id=started.conversation.pk, official=official)
    assert greeting.waiting_message_sweep(now=NOW + dt.timedelta(minutes=5)) == 0
    assert [d.get("event") for _s, _w, _k, d, _b in stream(started.conversation)] == ["greeting", "joined"]
    assert Conversation.objects.get(pk=started.conversation.pk).waiting_message_at is None


def test_a_unit_without_messages_says_nothing(unit, make_official):
    unit.always_open = True
    unit.save()
    make_official("rezaei", [unit])  # on duty: the first message opens a live chat
    started = services.conversation_start(unit_id=unit.pk, name="سارا محمدی", message="سلام")
    assert [s for s, *_ in stream(started.conversation)] == [1]
    assert started.conversation.waiting_message_at is None


def test_the_waiting_sweep_is_a_worker_job(settings):
    assert "chatdesk.chats.greeting.waiting_message_sweep" in settings.WORKER_JOBS


# --- read marks ---------------------------------------------------------------------------------
def test_read_marks_only_grow_are_announced_and_refuse_a_seq_beyond_the_last(open_unit, django_capture_on_commit_callbacks):
    started = services.conversation_start(unit_id=open_unit.pk, name="سارا محمدی")
    conv = started.conversation
    services.message_send(conversation_id=conv.pk, sender="citizen", client_id="c1", body="سلام")
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        assert reads.mark_read(conversation_id=conv.pk, side="citizen", seq=2) is True
        assert reads.mark_read(conversation_id=conv.pk, side="citizen", seq=1) is False  # never back
    sent = [m["frame"] for _g, m in record if m["type"] == events.LAYER_EVENT]
    assert sent == [{"type": "read", "conversation_id": conv.pk, "side": "citizen", "seq": 2}] * 2  # citizen and staff groups
    with pytest.raises(errors.ValidationError) as refused:
        reads.mark_read(conversation_id=conv.pk, side="official", seq=3)
    assert refused.value.code == "read_ahead" and refused.value.as_dict()["last_seq"] == 2
    conv.refresh_from_db()
    assert (conv.citizen_read_seq, conv.official_read_seq) == (2, 0)


def test_an_official_reads_only_a_chat_they_hold(open_unit, other_unit, make_official):
    holder = make_official("rezaei", [open_unit])
    colleague = make_official("karimi", [open_unit])
    stranger = make_official("ahmadi", [other_unit])
    started = services.conversation_start(unit_id=open_unit.pk, name="سارا محمدی")
    services.conversation_take(conversation_id=started.conversation.pk, official=holder)
    with pytest.raises(errors.Conflict):
        reads.mark_read(conversation_id=started.conversation.pk, side="official", seq=1, official=colleague)
    with pytest.raises(errors.NotFound):
        reads.mark_read(conversation_id=started.conversation.pk, side="official", seq=1, official=stranger)
    assert reads.mark_read(conversation_id=started.conversation.pk, side="official", seq=2, official=holder)


# --- frequent questions -------------------------------------------------------------------------
@pytest.fixture
def faqs(open_unit, other_unit):
    a = Faq.objects.create(unit=open_unit, question="ساعت کاری درمانگاه چیست؟", answer="شنبه تا چهارشنبه ۷:۳۰ تا ۱۴:۳۰.", order=1)
    b = Faq.objects.create(unit=open_unit, question="چگونه نوبت بگیرم؟", answer="از سامانهٔ نوبت‌دهی یا تلفن ۱۹۰.", order=2)
    Faq.objects.create(unit=open_unit, question="پرسش پنهان", answer="—", is_active=False)
    Faq.objects.create(unit=other_unit, question="ساعت کاری روابط عمومی", answer="…")
    return a, b


def test_faq_list_and_persian_normalised_search(open_unit, faqs):
    client = Client()
    listed = client.get(f"/api/units/{open_unit.pk}/faq/").json()["faqs"]
    assert [f["question"] for f in listed] == ["ساعت کاری درمانگاه چیست؟", "چگونه نوبت بگیرم؟"]
    # Arabic ي/ك and a ZWNJ-less «نوبتدهی» find the Persian text; Persian digits match Latin ones
    for query in ("ساعت كاري", "نوبتدهی", "۱۹۰", "190"):
        found = client.get(f"/api/units/{open_unit.pk}/faq/", {"q": query}).json()["faqs"]
        assert len(found) == 1, query
    assert client.get(f"/api/units/{open_unit.pk}/faq/", {"q": "گذرنامه"}).json()["faqs"] == []
    too_long = client.get(f"/api/units/{open_unit.pk}/faq/", {"q": "ا" * 101})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "invalid_query"
    assert client.get("/api/units/999999/faq/").status_code == 404
    # odd input is answered, never a server error
    assert client.get(f"/api/units/{open_unit.pk}/faq/", {"q": "ساعت\x00کاری"}).status_code == 200


def test_opened_answers_and_chatting_anyway_are_counted_in_the_reports(open_unit, other_unit, faqs, make_official):
    a, b = faqs
    client = Client(enforce_csrf_checks=False)
    first = client.post(f"/api/faq/{a.pk}/open/").json()["open"]
    second = client.post(f"/api/faq/{b.pk}/open/").json()["open"]
    client.post(f"/api/faq/{a.pk}/open/")  # opened by someone who did not chat
    assert client.post("/api/faq/999999/open/").status_code == 404
    # a bad list changes nothing and starts no chat
    refused = client.post("/api/chat/start/", {"unit": open_unit.pk, "name": "سارا محمدی", "faq_opens": ["x"]}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_faq_opens"
    assert not Conversation.objects.exists()
    started = client.post("/api/chat/start/", {"unit": open_unit.pk, "name": "سارا محمدی", "faq_opens": [first, second]}, content_type="application/json")
    assert started.status_code == 201
    assert FaqOpen.objects.filter(chatted=True).count() == 2
    # the figure
    supervisor = make_official("boss", [open_unit], role="supervisor")
    period = periods.period_for("day", dt.date(2026, 12, 7))
    rows = report_selectors.faq_figures(report_selectors.Scope(period=period, unit_ids=(open_unit.pk, other_unit.pk)))
    assert [(r["question"], r["opened"], r["chatted"], r["chatted_pct"]) for r in rows] == [
        ("ساعت کاری درمانگاه چیست؟", 2, 1, 50.0), ("چگونه نوبت بگیرم؟", 1, 1, 100.0)]
    staff = Client()
    staff.force_login(supervisor.user)
    html = staff.get("/console/reports/").content.decode()
    assert 'data-role="faq-figures"' in html and "ساعت کاری درمانگاه چیست؟" in html and "۵۰٪" in html


# --- images -------------------------------------------------------------------------------------
def test_an_image_is_served_inline_with_its_decoded_type_and_anything_else_stays_a_download(open_unit, make_official):
    official = make_official("rezaei", [open_unit])
    started = services.conversation_start(unit_id=open_unit.pk, name="سارا محمدی")
    services.conversation_take(conversation_id=started.conversation.pk, official=official)
    for name, content, client_id in (("عکس.png", JPEG, "i1"), ("نامه.pdf", PDF, "p1")):
        response = Client().post("/api/chat/files/", {"file": SimpleUploadedFile(name, content), "client_id": client_id}, HTTP_X_CHAT_TOKEN=started.token)
        assert response.status_code == 201
    image, pdf = [wire.message(m)["file"] for m in Message.objects.filter(kind="file").order_by("seq")]
    assert image["view_url"] == image["url"] + "?inline=1" and "view_url" not in pdf
    shown = Client().get(image["view_url"], HTTP_X_CHAT_TOKEN=started.token)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"  # from the decoded image, not the name «.png»
    assert shown["Content-Disposition"] == "inline" and shown["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown["Content-Security-Policy"] and shown.content == JPEG
    as_pdf = Client().get(pdf["url"] + "?inline=1", HTTP_X_CHAT_TOKEN=started.token)
    assert as_pdf["Content-Disposition"].startswith("attachment") and as_pdf["Content-Type"] == "application/pdf"
    # the same access rule as the download: a wrong token or a stranger gets one 404
    assert Client().get(image["view_url"], HTTP_X_CHAT_TOKEN="x" * 43).status_code == 404
    staff = Client()
    staff.force_login(official.user)
    assert staff.get(image["view_url"])["Content-Type"] == "image/jpeg"
