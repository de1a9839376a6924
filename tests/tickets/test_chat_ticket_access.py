"""A chat started with a name only that becomes a ticket still opens its case (issue #16): the
widget gets, with the chat's own token, the case's secret link and an eight-digit PIN; the
tracking page opens the case with the code and that PIN from any browser."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.chats import services as chats
from chatdesk.core import clock, tracking
from chatdesk.core.persian import to_persian_digits
from chatdesk.tickets import escalation
from chatdesk.tickets.models import Ticket

from .conftest import MONDAY_10

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    settings.BOT_GUARD = False  # the security question has its own tests (tests/core/test_challenge.py)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def name_only_ticket(unit, officials):
    """A chat with a name only (no mobile, no email) that nobody answered in time."""
    with clock.frozen_at(MONDAY_10):
        started = chats.conversation_start(unit_id=unit.pk, name="مریم شهروند")
        chats.message_send(conversation_id=started.conversation.pk, sender="citizen", client_id="m1", body="نوبت من کی است؟")
    later = MONDAY_10 + dt.timedelta(seconds=unit.escalate_after_seconds + 1)
    with clock.frozen_at(later):
        assert escalation.escalation_sweep(now=later) == 1
    ticket = Ticket.objects.get(conversation=started.conversation)
    assert ticket.citizen_mobile == "" and ticket.citizen_email == ""
    return started.token, ticket


def ask(token, client=None):
    client = client or Client()
    return client.post("/api/chat/ticket/", json.dumps({"token": token}), content_type="application/json")


def test_the_widget_gets_the_link_and_the_pin_that_open_the_case(name_only_ticket):
    token, ticket = name_only_ticket
    response = ask(token)
    assert response.status_code == 200
    data = response.json()
    pin = tracking.ticket_pin(ticket)
    assert data["tracking_code"] == ticket.code and data["pin"] == pin and len(pin) == 8 and pin.isdigit()
    assert data["pin_display"] == to_persian_digits(f"{pin[:4]}-{pin[4:]}")
    # the link opens the case in any browser, at once
    browser = Client()
    opened = browser.get(data["track_url"])
    assert opened.status_code == 302 and opened["Location"] == f"/track/{ticket.code}/"
    case = browser.get(opened["Location"])
    assert case.status_code == 200 and "نوبت من کی است؟" in case.content.decode()


@pytest.mark.parametrize("typed", ["plain", "persian", "grouped"])
def test_the_tracking_page_opens_the_case_with_the_code_and_the_pin(name_only_ticket, typed):
    _token, ticket = name_only_ticket
    pin = tracking.ticket_pin(ticket)
    contact = {"plain": pin, "persian": to_persian_digits(pin), "grouped": to_persian_digits(f"{pin[:4]}-{pin[4:]}")}[typed]
    browser = Client()
    response = browser.post("/track/", {"code": tracking.format_tracking_code(ticket.code, persian=True), "contact": contact})
    assert response.status_code == 302 and response["Location"] == f"/track/{ticket.code}/"
    assert browser.get(response["Location"]).status_code == 200


def test_a_wrong_pin_or_a_pin_of_another_case_opens_nothing(name_only_ticket, unit):
    _token, ticket = name_only_ticket
    pin = tracking.ticket_pin(ticket)
    wrong = str((int(pin) + 1) % 10**8).zfill(8)
    refused = Client().post("/track/", {"code": ticket.code, "contact": wrong})
    unknown = Client().post("/track/", {"code": tracking.new_tracking_code(), "contact": pin})
    assert refused.status_code == unknown.status_code == 404
    assert "یافت نشد" in refused.content.decode()
    # replacing the ticket's secret revokes the PIN and the link
    Ticket.objects.filter(pk=ticket.pk).update(secret="replaced")
    ticket.refresh_from_db()
    assert not tracking.check_ticket_pin(ticket, pin)


def test_only_the_chats_own_token_and_only_once_it_is_a_ticket(unit, officials, name_only_ticket):
    assert ask("not-a-token").status_code == 404
    with clock.frozen_at(MONDAY_10):
        live = chats.conversation_start(unit_id=unit.pk, name="علی")
    not_yet = ask(live.token)
    assert not_yet.status_code == 404 and not_yet.json()["error"]["code"] in ("not_found", "invalid_token")
    bad = Client().post("/api/chat/ticket/", "[]", content_type="application/json")
    assert bad.status_code == 400
    assert Client().get("/api/chat/ticket/").status_code == 405


def test_the_call_needs_csrf(name_only_ticket):
    token, _ticket = name_only_ticket
    assert ask(token, Client(enforce_csrf_checks=True)).status_code == 403
