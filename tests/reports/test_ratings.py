"""Ratings: one per case, only once the case has ended, changeable for a few days, proven by the
chat's token, the tracking session or the signed email link; rate-limited per address."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.chats.models import Conversation
from chatdesk.core import clock
from chatdesk.core.errors import Conflict, RateLimited, ValidationError
from chatdesk.core.tracking import ticket_token
from chatdesk.reports import services
from chatdesk.reports.models import Rating
from chatdesk.reports.public_views import rating_link_path
from chatdesk.tickets.access import SESSION_KEY
from chatdesk.tickets.models import AuditEvent, Ticket

from .conftest import NOW, at, make_chat, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache_and_freeze():
    cache.clear()
    with clock.frozen_at(NOW):
        yield
    cache.clear()


@pytest.fixture
def official(make_official, unit):
    return make_official("rater", [unit], name="نرگس")


@pytest.fixture
def closed_chat(unit, official):
    return make_chat(unit, created=NOW - dt.timedelta(hours=1), official=official, taken=NOW - dt.timedelta(minutes=59),
                     first=NOW - dt.timedelta(minutes=58), closed=NOW - dt.timedelta(minutes=30), closed_by="official")


@pytest.fixture
def resolved_ticket(unit, official):
    return make_ticket(unit, created=NOW - dt.timedelta(days=2), assignee=official, first=NOW - dt.timedelta(days=1),
                       resolved=NOW - dt.timedelta(hours=2), status=Ticket.Status.RESOLVED)


def test_a_closed_chat_is_rated_once_and_changed_within_the_window(closed_chat, official):
    with clock.frozen_at(NOW):
        rating, created = services.rating_submit(conversation_id=closed_chat.pk, score="۴", comment=" خوب بود ", channel="widget")
    assert created and (rating.score, rating.comment, rating.unit_id, rating.official_id) == (4, "خوب بود", closed_chat.unit_id, official.pk)
    with clock.frozen_at(NOW + dt.timedelta(days=6)):
        rating, created = services.rating_submit(conversation_id=closed_chat.pk, score=2, comment="", channel="widget")
    assert not created and Rating.objects.get().score == 2 and Rating.objects.count() == 1
    assert rating.created_at == NOW and rating.updated_at == NOW + dt.timedelta(days=6)
    with clock.frozen_at(NOW + dt.timedelta(days=7, seconds=1)), pytest.raises(Conflict) as err:
        services.rating_submit(conversation_id=closed_chat.pk, score=5, channel="widget")
    assert err.value.code == "rating_locked" and Rating.objects.get().score == 2


@pytest.mark.parametrize("score", [0, 6, "x", None, True, 4.5, "۶"])
def test_bad_scores_change_nothing(closed_chat, score):
    with pytest.raises(ValidationError):
        services.rating_submit(conversation_id=closed_chat.pk, score=score, channel="widget")
    assert not Rating.objects.exists()


def test_a_long_comment_is_refused(closed_chat):
    with pytest.raises(ValidationError) as err:
        services.rating_submit(conversation_id=closed_chat.pk, score=3, comment="ب" * 1001, channel="widget")
    assert err.value.code == "too_long"


def test_an_open_chat_and_an_escalated_chat_cannot_be_rated(unit, official):
    open_chat = make_chat(unit, created=NOW, official=official, taken=NOW)
    with pytest.raises(Conflict) as err:
        services.rating_submit(conversation_id=open_chat.pk, score=5, channel="widget")
    assert err.value.code == "not_rateable_yet"
    escalated = make_chat(unit, created=NOW, closed=NOW, closed_by="system")
    make_ticket(unit, created=NOW, kind=Ticket.Kind.CHAT, conversation=escalated)
    with pytest.raises(Conflict) as err:
        services.rating_submit(conversation_id=escalated.pk, score=5, channel="widget")
    assert err.value.code == "escalated"


def test_a_ticket_is_rateable_once_resolved_and_the_rating_is_audited(unit, resolved_ticket):
    new = make_ticket(unit, created=NOW)
    with pytest.raises(Conflict):
        services.rating_submit(ticket_id=new.pk, score=5, channel="tracking")
    with clock.frozen_at(NOW):
        services.rating_submit(ticket_id=resolved_ticket.pk, score=1, comment="پاسخ ناقص بود", channel="email")
    event = AuditEvent.objects.get(ticket=resolved_ticket, action="rated")
    assert event.actor == "citizen" and event.changes == {"score": [None, 1], "channel": "email"}


def test_too_late_for_a_first_rating(resolved_ticket):
    with clock.frozen_at(resolved_ticket.resolved_at + dt.timedelta(days=30, seconds=1)), pytest.raises(Conflict) as err:
        services.rating_submit(ticket_id=resolved_ticket.pk, score=5, channel="tracking")
    assert err.value.code == "rating_expired"


def test_one_rating_per_case_in_the_database(closed_chat, resolved_ticket):
    from django.db import IntegrityError, transaction

    Rating.objects.create(conversation=closed_chat, unit=closed_chat.unit, score=3, channel="widget", created_at=NOW, updated_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(conversation=closed_chat, unit=closed_chat.unit, score=4, channel="widget", created_at=NOW, updated_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():  # never both sides
        Rating.objects.create(conversation=closed_chat, ticket=resolved_ticket, unit=closed_chat.unit, score=4, channel="widget",
                              created_at=NOW, updated_at=NOW)


def test_rate_limit_per_address(settings, unit, official):
    settings.REPORTS = {**settings.REPORTS, "RATINGS_PER_HOUR_PER_ADDRESS": 2}
    chats = [make_chat(unit, created=NOW, official=official, taken=NOW, first=NOW, closed=NOW, closed_by="citizen") for _ in range(3)]
    with clock.frozen_at(NOW):
        for chat in chats[:2]:
            services.rating_submit(conversation_id=chat.pk, score=5, channel="widget", ip_address="10.1.2.3")
        with pytest.raises(RateLimited):
            services.rating_submit(conversation_id=chats[2].pk, score=5, channel="widget", ip_address="10.1.2.3")
        services.rating_submit(conversation_id=chats[2].pk, score=5, channel="widget", ip_address="10.9.9.9")
    assert Rating.objects.count() == 3


# --- over HTTP ----------------------------------------------------------------------------------
def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_widget_endpoint_with_the_chat_token(closed_chat):
    client = Client()
    with clock.frozen_at(NOW):
        state = post_json(client, "/rate/chat/", {"token": closed_chat.token}).json()
        assert state == {"state": "open", "rating": None, "until_display": state["until_display"]}
        done = post_json(client, "/rate/chat/", {"token": closed_chat.token, "score": 5, "comment": "عالی"})
    assert done.status_code == 200 and done.json()["state"] == "changeable" and done.json()["rating"] == {"score": 5, "comment": "عالی"}
    assert Rating.objects.get().channel == "widget"
    bad = post_json(client, "/rate/chat/", {"token": "not-a-token", "score": 5})
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "invalid_token"
    assert post_json(client, "/rate/chat/", {"token": closed_chat.token, "score": 9}).status_code == 400


def test_widget_endpoint_refuses_an_open_chat(unit, official):
    chat = make_chat(unit, created=NOW, official=official, taken=NOW)
    response = post_json(Client(), "/rate/chat/", {"token": chat.token, "score": 5})
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_rateable_yet"
    assert post_json(Client(), "/rate/chat/", {"token": chat.token}).json()["state"] == "not_yet"


def test_widget_endpoint_needs_csrf(closed_chat):
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, "/rate/chat/", {"token": closed_chat.token, "score": 5}).status_code == 403


def test_the_email_link_shows_the_form_and_rates_on_post(resolved_ticket):
    client = Client()
    path = rating_link_path(resolved_ticket)
    assert path == f"/rate/{resolved_ticket.code}/{ticket_token(resolved_ticket, 'rate')}/"
    page = client.get(path + "?score=4")
    assert page.status_code == 200 and 'value="4" required checked' in page.content.decode()
    assert not Rating.objects.exists()  # a GET (a mail scanner) rates nothing
    response = client.post(path, {"score": "4", "comment": "ممنون"})
    assert response.status_code == 302 and response["Location"] == path
    assert Rating.objects.get(ticket=resolved_ticket).channel == "email"
    assert "نظر شما ثبت شد" in client.get(path).content.decode()
    wrong = client.get(f"/rate/{resolved_ticket.code}/{ticket_token(resolved_ticket, 'link')}/")  # another purpose's token
    assert wrong.status_code == 404
    assert client.post(f"/rate/{resolved_ticket.code}/abc/", {"score": "1"}).status_code == 404
    assert Rating.objects.get().score == 4


def test_the_tracking_session_opens_the_rating_page(resolved_ticket):
    stranger = Client()
    assert stranger.get(f"/rate/{resolved_ticket.code}/").status_code == 404
    client = Client()
    session = client.session
    session[SESSION_KEY] = [resolved_ticket.code]
    session.save()
    response = client.post(f"/rate/{resolved_ticket.code}/", {"score": "5", "next": "/track/x/"})
    assert response.status_code == 302 and response["Location"] == "/track/x/"
    assert Rating.objects.get().channel == "tracking"
    response = client.post(f"/rate/{resolved_ticket.code}/", {"score": "3", "next": "https://evil.example/"})
    assert response["Location"] == f"/rate/{resolved_ticket.code}/"  # no open redirect
    bad = client.post(f"/rate/{resolved_ticket.code}/", {"score": "7"})
    assert bad.status_code == 400 and "امتیاز را از ۱ تا ۵" in bad.content.decode()
    assert Rating.objects.get().score == 3


def test_a_rate_limited_rating_page_is_429_with_retry_after(settings, resolved_ticket):
    """The rating page is shown again with the limit's Persian message, its 429 and Retry-After
    (core.views.page_errors), and nothing is rated."""
    settings.REPORTS = {**settings.REPORTS, "RATINGS_PER_HOUR_PER_ADDRESS": 0}
    path = rating_link_path(resolved_ticket)
    response = Client().post(path, {"score": "4", "comment": "ممنون"})
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "نظرهای زیادی ثبت شده است" in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_panel_and_ticket_rating_partials(rf, resolved_ticket, unit):
    from django.template import Context, Template

    request = rf.get("/track/")
    html = Template("{% load reports %}{% rating_panel ticket %}").render(Context({"ticket": resolved_ticket, "request": request, "csrf_token": "t"}))
    assert 'data-state="open"' in html and f'action="/rate/{resolved_ticket.code}/"' in html and 'value="/track/"' in html
    new = make_ticket(unit, created=NOW)
    assert "rating-panel" not in Template("{% load reports %}{% rating_panel ticket %}").render(Context({"ticket": new, "request": request}))
    services.rating_submit(ticket_id=resolved_ticket.pk, score=2, comment="کند بود", channel="tracking")
    html = Template("{% load reports %}{% ticket_rating ticket %}").render(Context({"ticket": resolved_ticket}))
    assert "★★☆☆☆" in html and "کند بود" in html
    _ = (Conversation, at)
