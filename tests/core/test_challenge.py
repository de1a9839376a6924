"""The public forms' security question: right once, wrong never, not after it expires, not twice."""

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.core import challenge
from chatdesk.core.errors import ValidationError
from chatdesk.tickets.models import Ticket
from tests.support.challenge import answer_question, from_page, solve


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()


def test_a_right_answer_passes_once_in_persian_or_latin_digits():
    c = challenge.new()
    answer = answer_question(c.question)
    assert answer == solve(c.token)
    assert "حاصل" in c.question and not any(ch.isascii() and ch.isdigit() for ch in c.question)
    challenge.verify(c.token, answer.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    with pytest.raises(ValidationError):  # a replay
        challenge.verify(c.token, answer)


@pytest.mark.parametrize("tamper", ["wrong", "expired", "forged", "garbage", "empty"])
def test_anything_else_is_refused(tamper):
    c = challenge.new(now=1_000_000)
    nonce, expiry, mac = c.token.split(".")
    answer = solve(c.token)
    token, value, now = c.token, answer, 1_000_100
    if tamper == "wrong":
        value = str(int(answer) + 1)
    elif tamper == "expired":
        now = 1_000_000 + challenge.TTL_SECONDS + 1
    elif tamper == "forged":
        token = f"{nonce}.{int(expiry) + 99999}.{mac}"
    elif tamper == "garbage":
        token = "not-a-token"
    else:
        value = ""
    with pytest.raises(ValidationError) as info:
        challenge.verify(token, value, now=now)
    assert info.value.code == "challenge_failed" and "پرسش امنیتی" in info.value.message


@pytest.mark.django_db
def test_the_contact_form_refuses_without_the_answer_and_keeps_what_was_typed(settings, unit):
    from chatdesk.desk.models_forms import ContactGroup

    settings.BOT_GUARD = True
    group = ContactGroup.objects.create(name="پرسش عمومی", unit=unit)
    client = Client()
    page = client.get("/contact/").content.decode()
    assert 'data-role="challenge"' in page
    data = {"group": group.pk, "name": "سارا محمدی", "mobile": "09121112233", "email": "s@example.com",
            "subject": "پرسش درباره ساعت کاری", "body": "متن پرسش من"}
    refused = client.post("/contact/", {**data, "challenge_token": from_page(page)[0], "challenge_answer": "99"})
    assert refused.status_code == 400 and "پرسش امنیتی" in refused.content.decode()
    assert "متن پرسش من" in refused.content.decode() and not Ticket.objects.exists()
    token, answer = from_page(refused.content.decode())
    accepted = client.post("/contact/", {**data, "challenge_token": token, "challenge_answer": answer})
    assert accepted.status_code == 302 and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_tracking_lookup_asks_too(settings):
    settings.BOT_GUARD = True
    client = Client()
    page = client.get("/track/").content.decode()
    refused = client.post("/track/", {"code": "1234", "contact": "09121112233", "challenge_token": from_page(page)[0], "challenge_answer": "x"})
    assert refused.status_code == 400 and "پرسش امنیتی" in refused.content.decode()


def test_a_wrong_answer_uses_up_the_question():
    c = challenge.new()
    right = solve(c.token)
    with pytest.raises(ValidationError):
        challenge.verify(c.token, str(int(right) + 1))
    with pytest.raises(ValidationError):  # the right answer after a wrong one: a second guess
        challenge.verify(c.token, right)
