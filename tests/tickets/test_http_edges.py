"""The edges of the HTTP surface found probing from outside (issue #20): oversized files refused
with the whole submission, one rule for who reads a document, one answer for a wrong token, a
known code that cannot be locked for its owner, ``Retry-After`` on every 429, and no personal
page kept in a cache."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.chats import services as chat_services
from chatdesk.core import clock
from chatdesk.core.tracking import ticket_token
from chatdesk.tickets import services
from chatdesk.tickets.escalation import conversation_escalate
from chatdesk.tickets.models import Attachment, Entry, Ticket
from tests.support.documents import PDF

from .conftest import MONDAY_10

pytestmark = pytest.mark.django_db

SMALL_LIMIT = 4096
BIG = PDF + b"%" + b"0" * (2 * SMALL_LIMIT)


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ticket(unit):
    with clock.frozen_at(MONDAY_10):
        return services.ticket_open(
            kind="request", unit=unit, subject="درخواست گواهی", body="متن درخواست", name="سارا", mobile="09121112233",
        ).ticket


def console_client(official):
    client = Client()
    client.force_login(official.user)
    return client


def tracking_client(ticket):
    client = Client()
    client.get(f"/track/{ticket.code}/{ticket_token(ticket, 'link')}/")
    return client


# --- 1. an oversized file refuses the whole submission -----------------------------------------
def test_an_oversized_file_refuses_the_whole_follow_up(ticket, settings):
    settings.UPLOADS = {**settings.UPLOADS, "MAX_BYTES": SMALL_LIMIT}
    client = tracking_client(ticket)
    entries = Entry.objects.count()
    response = client.post(f"/track/{ticket.code}/", {
        "body": "مدرک پیوست شد", "files": [SimpleUploadedFile("small.pdf", PDF), SimpleUploadedFile("اسکن بزرگ.pdf", BIG)],
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "«اسکن بزرگ»" in page and "۴ کیلوبایت" not in page and "مگابایت" in page
    assert "مدرک پیوست شد" in page and "دوباره انتخاب" in page  # what was typed is kept; files must be chosen again
    assert Entry.objects.count() == entries and not Attachment.objects.exists()


def test_an_oversized_file_refuses_the_whole_console_reply(ticket, officials, settings):
    settings.UPLOADS = {**settings.UPLOADS, "MAX_BYTES": SMALL_LIMIT}
    entries = Entry.objects.count()
    response = console_client(officials["a"]).post(f"/console/tickets/{ticket.pk}/", {
        "action": "reply", "body": "پاسخ با پیوست", "files": [SimpleUploadedFile("نامه.pdf", BIG)],
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "«نامه»" in page and "حجم فایل بیش از" in page and "پاسخ با پیوست" in page
    assert Entry.objects.count() == entries and not Attachment.objects.exists()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


# --- 2 and 3. one rule for a document, one answer for a wrong token -----------------------------
@pytest.fixture
def chat_ticket(unit, other_unit, make_official):
    """A chat with a citizen's document that became a ticket of ``unit``."""
    unit.always_open = True
    unit.save()
    started = chat_services.conversation_start(unit_id=unit.pk, name="سارا محمدی", mobile="09123456789")
    response = Client().post("/api/chat/files/", {"file": SimpleUploadedFile("نامه.pdf", PDF), "client_id": "c1"}, HTTP_X_CHAT_TOKEN=started.token)
    assert response.status_code == 201
    ticket = conversation_escalate(conversation_id=started.conversation.pk, reason="ended")
    return started, ticket, Attachment.objects.get(conversation=started.conversation)


def test_after_a_referral_the_first_unit_loses_the_chats_documents_on_every_path(chat_ticket, other_unit, officials):
    started, ticket, attachment = chat_ticket
    first, second = console_client(officials["a"]), console_client(officials["other"])
    chat_url, ticket_url = f"/api/chat/files/{attachment.pk}/", f"/console/tickets/{ticket.pk}/files/{attachment.pk}/"
    assert first.get(chat_url).status_code == 200 and first.get(ticket_url).status_code == 200
    assert second.get(chat_url).status_code == 404

    services.ticket_refer(ticket_id=ticket.pk, official=officials["a"], to_unit_id=other_unit.pk, reason="در حوزه روابط عمومی است")
    assert first.get(ticket_url).status_code == 404
    assert first.get(chat_url).status_code == 404  # the chat's path too
    assert second.get(chat_url).status_code == 200 and second.get(ticket_url).status_code == 200
    # the citizen's own token still opens it
    assert Client().get(chat_url, HTTP_X_CHAT_TOKEN=started.token).status_code == 200


def test_a_wrong_token_gets_one_answer_for_ids_that_exist_and_ids_that_do_not(chat_ticket):
    _, _, attachment = chat_ticket
    other = chat_services.conversation_start(unit_id=attachment.conversation.unit_id, name="دیگری")
    answers = [
        Client().get(f"/api/chat/files/{attachment.pk}/", HTTP_X_CHAT_TOKEN="wrong-token"),
        Client().get("/api/chat/files/999999/", HTTP_X_CHAT_TOKEN="wrong-token"),
        Client().get(f"/api/chat/files/{attachment.pk}/", HTTP_X_CHAT_TOKEN=other.token),
        Client().get("/api/chat/files/999999/", HTTP_X_CHAT_TOKEN=other.token),
        Client().get(f"/api/chat/files/{attachment.pk}/"),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["error"]["code"] == "not_found"


# --- 4. a known code cannot be locked for its owner ----------------------------------------------
def test_wrong_lookups_from_other_addresses_do_not_lock_the_owner_out(ticket):
    for i in range(12):
        wrong = Client(REMOTE_ADDR=f"10.0.2.{i}").post("/track/", {"code": ticket.code, "contact": f"0912000000{i % 10}"})
        assert wrong.status_code == 404
    owner = Client(REMOTE_ADDR="10.0.3.1").post("/track/", {"code": ticket.code, "contact": "09121112233"})
    assert owner.status_code == 302


def test_an_address_guessing_a_code_under_attack_is_stopped_even_with_the_right_contact(ticket, settings):
    settings.TICKETS = {**settings.TICKETS, "LOOKUPS_PER_ADDRESS": 100, "LOOKUPS_PER_CODE": 4, "LOOKUP_FAILURES_PER_CODE_AND_ADDRESS": 3}
    guesser = Client(REMOTE_ADDR="10.0.4.1")
    statuses = [guesser.post("/track/", {"code": ticket.code, "contact": f"0912000000{i}"}).status_code for i in range(6)]
    assert statuses == [404] * 4 + [429] * 2  # hot after 4 failures; this address had 3 or more
    right = guesser.post("/track/", {"code": ticket.code, "contact": "09121112233"})
    assert right.status_code == 429 and int(right["Retry-After"]) > 0  # no oracle for the guesser
    assert Client(REMOTE_ADDR="10.0.4.2").post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302


# --- 5. Retry-After -------------------------------------------------------------------------------
def test_a_refused_lookup_says_when_to_come_back(ticket, settings):
    settings.TICKETS = {**settings.TICKETS, "LOOKUPS_PER_ADDRESS": 1}
    client = Client()
    client.post("/track/", {"code": ticket.code, "contact": "09120000000"})
    refused = client.post("/track/", {"code": ticket.code, "contact": "09121112233"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.TICKETS["LOOKUP_WINDOW_SECONDS"])


def test_a_refused_follow_up_says_when_to_come_back(ticket, settings):
    settings.TICKETS = {**settings.TICKETS, "FOLLOW_UPS_PER_HOUR": 1}
    client = tracking_client(ticket)
    assert client.post(f"/track/{ticket.code}/", {"body": "اولی"}).status_code == 302
    refused = client.post(f"/track/{ticket.code}/", {"body": "دومی"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


# --- 6. personal pages are not cached ----------------------------------------------------------
def test_pages_with_personal_data_are_not_stored_by_caches(ticket, officials):
    official = console_client(officials["a"])
    citizen = tracking_client(ticket)
    for client, path in (
        (official, "/console/"),
        (official, "/console/tickets/"),
        (official, f"/console/tickets/{ticket.pk}/"),
        (official, f"/console/tickets/{ticket.pk}/live/"),
        (citizen, f"/track/{ticket.code}/"),
        (Client(), "/track/"),
        (Client(), "/api/units/999999/state/"),
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "no-store" in response.get("Cache-Control", ""), path
    static = Client().get("/static/js/fa.js")
    assert "no-store" not in static.get("Cache-Control", "")


# --- found by the fuzz test (tests/security/test_fuzz_http.py) ----------------------------------
def test_non_ascii_tokens_and_contacts_are_a_plain_refusal(ticket):
    """hmac.compare_digest raises TypeError on non-ASCII str: a Persian token in a link or a
    Persian «email» typed as the contact was a 500."""
    assert Client().get(f"/track/{ticket.code}/توکن‌نادرست/").status_code == 404
    assert Client().get(f"/rate/{ticket.code}/توکن/").status_code in (404, 400)
    assert Client().post("/track/", {"code": ticket.code, "contact": "نام@ایمیل.ایران"}).status_code == 404
