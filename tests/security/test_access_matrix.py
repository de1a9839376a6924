"""The cross-unit access matrix (issue #8, phase 2).

Every URL pattern of the site has an entry below (``test_every_url_has_a_matrix_entry`` walks
``get_resolver()``: a new endpoint without an entry fails the suite).  An entry is either

- a list of **pairs**: the same request made once on unit B's object (by an official of unit A,
  or by a citizen holding another case's token or tracking session) and once on an id that does
  not exist.  Both answers must be identical (status, redirect target and body, with CSRF tokens
  and the ids themselves blanked), and the case tables must be unchanged (row counts and a hash
  of every row);
- a list of **lists**: pages of A's staff that list cases, which must not show anything of B;
- or a reason why the endpoint has no object to cross (public pages, sign-in).

The WebSocket frames are in ``test_access_matrix_sockets.py``.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver

from chatdesk.chats.models import Conversation
from chatdesk.core.tracking import format_tracking_code
from tests.security import world as W

pytestmark = pytest.mark.django_db

NO_OBJECT = {
    "": "public home page",
    "healthz": "health probe, no data",
    "api/chat/start/": "starts a new chat for anyone (rate-limited, bot guard); opens no existing object",
    "api/units/<int:unit_id>/state/": "public opening hours of a menu unit",
    "api/units/<int:unit_id>/faq/": "a menu unit's public frequent questions and answers (chats/faq.py)",
    "api/faq/<int:faq_id>/open/": "counts one opening of a public answer (rate-limited); returns only the opening's id",
    "console/": "the console page; its data comes over the socket (socket matrix)",
    "console/login/": "sign-in",
    "console/logout/": "sign-out",
    "services/": "public catalogue",
    "services/<str:identifier>/": "public catalogue",
    "directory/": "public directory",
    "announcements/": "public announcements (published ones only)",
    "requests/new/": "public form, creates a new case",
    "complaints/new/": "public form, creates a new case",
    "meetings/new/": "public form, creates a new case",
    "contact/": "public form, creates a new case",
    "report/": "public form (may be anonymous), creates a new case",
    "report/filed/": "shows only what this browser's session filed, once",
    "forms/filed/": "shows only what this browser's session filed",
    "api/chat/transcript/": "opened by the conversation token only (test_tokens.py: guessing and replay)",
    "api/chat/ticket/": "opened by the conversation token only; a bad token and a chat not yet a ticket answer alike (tests/tickets/test_chat_ticket_access.py)",
    "rate/chat/": "opened by the conversation token only (test_tokens.py)",
    "api/stats/v1/units": "lists the token's own units only (see the summary entry)",
    "bale/webhook/<str:secret>/": "the bot's secret path; opens no object, stores the update only (tests/bale: a wrong secret is a 404 and stores nothing)",
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def all_routes():
    return sorted(set(_walk(get_resolver().url_patterns)))


# --- comparing answers -------------------------------------------------------------------------
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def answer(response, subs):
    text = _CSRF.sub(r"\1CSRF\2", _body(response))
    location = response.get("Location", "")
    for value in sorted((str(s) for s in subs if s), key=len, reverse=True):
        text = text.replace(value, "<ID>")
        location = location.replace(value, "<ID>")
    return response.status_code, location, text


class Pair:
    def __init__(self, label, client, method, forbidden, missing, data=None, subs=(), **extra):
        self.label, self.client, self.method = label, client, method
        self.forbidden, self.missing = forbidden, missing
        self.data, self.subs, self.extra = data, subs, extra

    def run(self, path):
        client = self.client()
        data = self.data() if callable(self.data) else self.data
        if self.method == "get":
            return client.get(path, data or {}, **self.extra)
        return client.post(path, data or {}, **self.extra)


def _j(**body):
    import json

    return json.dumps(body)


def matrix(w):
    a, sa = (lambda: W.staff(w.a)), (lambda: W.staff(w.sa))
    m = w.missing
    tb, fb, cb = w.ticket_b, w.ticket_file_b, w.chat_file_b
    mt = w.meeting_ticket_b
    track_a = lambda: W.tracking(w.ticket_a)  # noqa: E731
    pdf = lambda: {"file": W._pdf(), "client_id": "x1", "conversation_id": str(w.conv_b.pk)}  # noqa: E731
    pdf_missing = lambda: {"file": W._pdf(), "client_id": "x1", "conversation_id": str(m)}  # noqa: E731
    ticket_posts = [
        ("reply", {"action": "reply", "body": "پاسخ آزمایشی", "then": "waiting"}),
        ("note", {"action": "note", "body": "یادداشت آزمایشی"}),
        ("assign", {"action": "assign", "assignee": str(w.a.pk)}),
        ("refer", {"action": "refer", "to_unit": str(w.unit_a.pk), "reason": "ارجاع آزمایشی"}),
        ("docs", {"action": "docs", "missing": "مدرک آزمایشی"}),
        ("status", {"action": "status", "status": "closed"}),
        ("priority", {"action": "priority", "priority": "high"}),
    ]
    offer = {
        f"m{tb.pk}-date": "1405/09/10", f"m{tb.pk}-time": "10:00", f"m{tb.pk}-minutes": "20", f"m{tb.pk}-location": "اتاق ۱",
    }

    def offer_for(ticket_id):
        return {k.replace(f"m{tb.pk}-", f"m{ticket_id}-"): v for k, v in offer.items()}

    return {
        "api/chat/files/": [
            Pair("official uploads into B's chat", a, "post", "/api/chat/files/", "/api/chat/files/", subs=()),
        ],
        "api/chat/files/<int:attachment_id>/": [
            Pair("official A, B's chat file", a, "get", f"/api/chat/files/{cb.pk}/", f"/api/chat/files/{m}/", subs=(cb.pk, m)),
            Pair("official A, B's ticket file via the chat URL", a, "get", f"/api/chat/files/{fb.pk}/", f"/api/chat/files/{m}/", subs=(fb.pk, m)),
            Pair("chat token of A, B's chat file", lambda: W.Client(), "get", f"/api/chat/files/{cb.pk}/", f"/api/chat/files/{m}/",
                 subs=(cb.pk, m), HTTP_X_CHAT_TOKEN=w.token_a),
            Pair("anonymous, B's chat file", lambda: W.Client(), "get", f"/api/chat/files/{cb.pk}/", f"/api/chat/files/{m}/", subs=(cb.pk, m)),
        ],
        "console/reports/": [
            Pair("official, ?unit=B", a, "get", "/console/reports/?unit=%d" % w.unit_b.pk, "/console/reports/?unit=%d" % m, subs=(w.unit_b.pk, m)),
            Pair("supervisor, ?unit=B", sa, "get", "/console/reports/?unit=%d" % w.unit_b.pk, "/console/reports/?unit=%d" % m, subs=(w.unit_b.pk, m)),
        ],
        "console/reports/ratings/": [
            Pair("supervisor, ?unit=B", sa, "get", "/console/reports/ratings/?unit=%d" % w.unit_b.pk, "/console/reports/ratings/?unit=%d" % m,
                 subs=(w.unit_b.pk, m)),
        ],
        "console/reports/export/<str:what>.<str:fmt>": [
            Pair(f"supervisor, export {what}, ?unit=B", sa, "get", f"/console/reports/export/{what}.csv?unit={w.unit_b.pk}",
                 f"/console/reports/export/{what}.csv?unit={m}", subs=(w.unit_b.pk, m))
            for what in ("summary", "chats", "tickets")
        ],
        "console/audit/": [
            Pair("official (no access at all)", a, "get", f"/console/audit/?unit={w.unit_b.pk}", f"/console/audit/?unit={m}", subs=(w.unit_b.pk, m)),
            Pair("supervisor, ?unit=B", sa, "get", f"/console/audit/?unit={w.unit_b.pk}", f"/console/audit/?unit={m}", subs=(w.unit_b.pk, m)),
        ],
        "console/tickets/": [
            Pair("official, ?unit=B", a, "get", f"/console/tickets/?unit={w.unit_b.pk}", f"/console/tickets/?unit={m}", subs=(w.unit_b.pk, m)),
        ],
        "console/tickets/<int:ticket_id>/": [
            Pair("official A opens B's ticket", a, "get", f"/console/tickets/{tb.pk}/", f"/console/tickets/{m}/", subs=(tb.pk, m)),
            Pair("supervisor A opens B's ticket", sa, "get", f"/console/tickets/{tb.pk}/", f"/console/tickets/{m}/", subs=(tb.pk, m)),
        ] + [
            Pair(f"official A posts {name} on B's ticket", a, "post", f"/console/tickets/{tb.pk}/", f"/console/tickets/{m}/", data=data, subs=(tb.pk, m))
            for name, data in ticket_posts
        ],
        "console/tickets/<int:ticket_id>/record.pdf": [
            Pair("official A, B's case record", a, "get", f"/console/tickets/{tb.pk}/record.pdf", f"/console/tickets/{m}/record.pdf", subs=(tb.pk, m)),
        ],
        "track/<str:code>/record.pdf": [
            Pair("session of A's case, B's case record", track_a, "get", f"/track/{tb.code}/record.pdf", f"/track/{w.missing_code}/record.pdf",
                 subs=(tb.code, w.missing_code)),
        ],
        "console/tickets/<int:ticket_id>/live/": [
            Pair("official A, B's timeline", a, "get", f"/console/tickets/{tb.pk}/live/", f"/console/tickets/{m}/live/", subs=(tb.pk, m)),
        ],
        "console/tickets/<int:ticket_id>/files/<int:attachment_id>/": [
            Pair("official A, B's ticket and file", a, "get", f"/console/tickets/{tb.pk}/files/{fb.pk}/", f"/console/tickets/{m}/files/{m}/",
                 subs=(tb.pk, fb.pk, m)),
            Pair("official A, own ticket with B's file id", a, "get", f"/console/tickets/{w.ticket_a.pk}/files/{fb.pk}/",
                 f"/console/tickets/{w.ticket_a.pk}/files/{m}/", subs=(fb.pk, m)),
            Pair("official A, own ticket with B's chat file id", a, "get", f"/console/tickets/{w.ticket_a.pk}/files/{cb.pk}/",
                 f"/console/tickets/{w.ticket_a.pk}/files/{m}/", subs=(cb.pk, m)),
        ],
        "track/": [
            Pair("B's code with A's mobile", lambda: W.Client(), "post", "/track/", "/track/",
                 data=None, subs=(tb.code, w.missing_code), lookup=True),
        ],
        "track/<str:code>/": [
            Pair("session of A's case opens B's case", track_a, "get", f"/track/{tb.code}/", f"/track/{w.missing_code}/", subs=(tb.code, w.missing_code)),
            Pair("session of A's case posts on B's case", track_a, "post", f"/track/{tb.code}/", f"/track/{w.missing_code}/",
                 data={"body": "پیگیری آزمایشی"}, subs=(tb.code, w.missing_code)),
            Pair("session of A's case objects on B's case", track_a, "post", f"/track/{tb.code}/", f"/track/{w.missing_code}/",
                 data={"action": "objection", "reason": "اعتراض آزمایشی"}, subs=(tb.code, w.missing_code)),
        ],
        # By SMS (chatdesk/tickets/track_sms.py): B's code with A's mobile asks for a code, and
        # then tries one; the SMS switch from the session of A's case.
        "track/sms/": [
            Pair("B's code with A's mobile asks for an SMS code", lambda: W.Client(), "post", "/track/sms/", "/track/sms/",
                 subs=(tb.code, w.missing_code), sms_code=False),
        ],
        "track/sms/verify/": [
            Pair("B's code with A's mobile, then a code", lambda: W.Client(), "post", "/track/sms/verify/", "/track/sms/verify/",
                 subs=(tb.code, w.missing_code, format_tracking_code(tb.code, persian=True), format_tracking_code(w.missing_code, persian=True)), sms_code=True),
        ],
        "track/<str:code>/sms/": [
            Pair("session of A's case switches B's SMS off", track_a, "post", f"/track/{tb.code}/sms/", f"/track/{w.missing_code}/sms/",
                 data={"sms": "off"}, subs=(tb.code, w.missing_code)),
        ],
        "track/<str:code>/files/<int:attachment_id>/": [
            Pair("session of A's case, B's file", track_a, "get", f"/track/{tb.code}/files/{fb.pk}/", f"/track/{w.missing_code}/files/{m}/",
                 subs=(tb.code, fb.pk, w.missing_code, m)),
            Pair("session of A's case, own code with B's file", track_a, "get", f"/track/{w.ticket_a.code}/files/{fb.pk}/",
                 f"/track/{w.ticket_a.code}/files/{m}/", subs=(fb.pk, m)),
        ],
        "track/<str:code>/<str:token>/": [
            Pair("B's code with A's link token", lambda: W.Client(), "get", f"/track/{tb.code}/{W.link_token(w.ticket_a, 'link')}/",
                 f"/track/{w.missing_code}/{W.link_token(w.ticket_a, 'link')}/", subs=(tb.code, w.missing_code)),
            Pair("B's code with its rate token (wrong purpose)", lambda: W.Client(), "get", f"/track/{tb.code}/{W.link_token(tb, 'rate')}/",
                 f"/track/{w.missing_code}/{W.link_token(tb, 'rate')}/", subs=(tb.code, w.missing_code)),
        ],
        "meetings/<str:code>/respond/": [
            Pair(f"session of A's case, {action} B's meeting", track_a, "post", f"/meetings/{mt.code}/respond/", f"/meetings/{w.missing_code}/respond/",
                 data={"action": action, "reason": "لغو آزمایشی"}, subs=(mt.code, w.missing_code))
            for action in ("confirm", "cancel")
        ],
        "console/meetings/": [
            Pair("official A, all meetings", a, "get", "/console/meetings/?all=1", "/console/meetings/?all=1", subs=()),
        ],
        "console/meetings/<int:ticket_id>/<str:action>/": [
            Pair("official A offers a slot on B's meeting", a, "post", f"/console/meetings/{mt.pk}/offer/", f"/console/meetings/{m}/offer/",
                 data=offer_for(mt.pk), subs=(mt.pk, m), offer=(mt.pk, m)),
            Pair("official A cancels B's meeting", a, "post", f"/console/meetings/{mt.pk}/cancel/", f"/console/meetings/{m}/cancel/",
                 data={"reason": "لغو آزمایشی"}, subs=(mt.pk, m)),
            Pair("official A marks B's meeting done", a, "post", f"/console/meetings/{mt.pk}/done/", f"/console/meetings/{m}/done/", subs=(mt.pk, m)),
        ],
        "console/mail/held/": [
            Pair("official A, held mail list", a, "get", "/console/mail/held/", "/console/mail/held/", subs=()),
        ],
        "console/mail/held/<int:inbound_id>/attach/": [
            Pair("official A attaches B's held mail", a, "post", f"/console/mail/held/{w.held_b.pk}/attach/", f"/console/mail/held/{m}/attach/",
                 subs=(w.held_b.pk, m)),
        ],
        "console/mail/held/<int:inbound_id>/discard/": [
            Pair("official A discards B's held mail", a, "post", f"/console/mail/held/{w.held_b.pk}/discard/", f"/console/mail/held/{m}/discard/",
                 subs=(w.held_b.pk, m)),
        ],
        "rate/<str:code>/": [
            Pair("session of A's case rates B's case (GET)", track_a, "get", f"/rate/{tb.code}/", f"/rate/{w.missing_code}/", subs=(tb.code, w.missing_code)),
            Pair("session of A's case rates B's case (POST)", track_a, "post", f"/rate/{tb.code}/", f"/rate/{w.missing_code}/",
                 data={"score": "1", "comment": "بد"}, subs=(tb.code, w.missing_code)),
        ],
        "rate/<str:code>/<str:token>/": [
            Pair("B's code with A's rate token", lambda: W.Client(), "post", f"/rate/{tb.code}/{W.link_token(w.ticket_a, 'rate')}/",
                 f"/rate/{w.missing_code}/{W.link_token(w.ticket_a, 'rate')}/", data={"score": "1"}, subs=(tb.code, w.missing_code)),
        ],
        "console/requests/<int:ticket_id>/step/": [
            Pair("official A completes the step of B's request", a, "post", f"/console/requests/{tb.pk}/step/", f"/console/requests/{m}/step/",
                 data={"note": "انجام شد"}, subs=(tb.pk, m)),
        ],
        "survey/<str:code>/": [
            Pair("session of A's case answers B's survey (GET)", track_a, "get", f"/survey/{tb.code}/", f"/survey/{w.missing_code}/", subs=(tb.code, w.missing_code)),
            Pair("session of A's case answers B's survey (POST)", track_a, "post", f"/survey/{tb.code}/", f"/survey/{w.missing_code}/",
                 data={"q1": "1"}, subs=(tb.code, w.missing_code)),
        ],
        "survey/<str:code>/<str:token>/": [
            Pair("B's code with A's rate token", lambda: W.Client(), "post", f"/survey/{tb.code}/{W.link_token(w.ticket_a, 'rate')}/",
                 f"/survey/{w.missing_code}/{W.link_token(w.ticket_a, 'rate')}/", data={"q1": "1"}, subs=(tb.code, w.missing_code)),
        ],
        "api/stats/v1/summary": [
            Pair("agency token of A asks for unit B", lambda: W.Client(), "get", "/api/stats/v1/summary?unit=ub", "/api/stats/v1/summary?unit=nope",
                 subs=("ub", "nope"), HTTP_AUTHORIZATION="Bearer " + w.agency_raw),
        ],
    }


LISTS = {
    # A's staff pages that list cases: nothing of B may appear.
    "console/tickets/": ["/console/tickets/?status=", "/console/tickets/?status=&q=09120000002"],
    "console/mail/held/": ["/console/mail/held/"],
    "console/meetings/": ["/console/meetings/?all=1"],
    "console/reports/": ["/console/reports/?period=year"],
    "console/reports/ratings/": ["/console/reports/ratings/?period=year"],
    "console/reports/export/<str:what>.<str:fmt>": [f"/console/reports/export/{w}.csv?period=year" for w in ("summary", "chats", "tickets")],
    "console/audit/": ["/console/audit/"],
}


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    w = W.build(make_unit, make_official)
    # B's staff opened B's ticket and chat file: rows in the access log that A must not see.
    W.staff(w.b).get(f"/console/tickets/{w.ticket_b.pk}/")
    W.staff(w.b).get(f"/console/tickets/{w.ticket_b.pk}/files/{w.ticket_file_b.pk}/")
    return w


def test_every_url_has_a_matrix_entry(world):
    entries = set(matrix(world)) | set(NO_OBJECT)
    missing = [r for r in all_routes() if not r.startswith("admin/") and r not in entries]
    assert not missing, f"endpoints without an access-matrix entry (tests/security/test_access_matrix.py): {missing}"
    stale = [r for r in entries if r not in all_routes()]
    assert not stale, f"matrix entries for endpoints that no longer exist: {stale}"


def _run_pair(world, pair):
    from django.core.cache import cache

    if pair.extra.pop("lookup", False):
        # The tracking lookup: B's real code with A's contact, and a missing code with it.
        before = W.state_hash()
        r1 = W.Client().post("/track/", {"code": world.ticket_b.code, "contact": "09120000001"})
        cache.clear()
        r2 = W.Client().post("/track/", {"code": world.missing_code, "contact": "09120000001"})
        return before, r1, r2
    if "sms_code" in pair.extra:
        verify = pair.extra.pop("sms_code")

        def attempt(code):
            client = W.Client()
            response = client.post("/track/sms/", {"code": code, "mobile": "09120000001"})
            return client.post("/track/sms/verify/", {"otp": "123456"}) if verify else response

        before = W.state_hash()
        r1 = attempt(world.ticket_b.code)
        cache.clear()
        r2 = attempt(world.missing_code)
        return before, r1, r2
    offer = pair.extra.pop("offer", None)
    before = W.state_hash()
    r1 = pair.run(pair.forbidden)
    cache.clear()  # rate-limit counters must not tell the two apart
    if offer:
        pair.data = {k.replace(f"m{offer[0]}-", f"m{offer[1]}-"): v for k, v in pair.data.items()}
    if pair.forbidden == "/api/chat/files/" and pair.method == "post":
        r2 = W.staff(world.a).post("/api/chat/files/", {"file": W._pdf(), "client_id": "x1", "conversation_id": str(world.missing)})
    else:
        r2 = pair.run(pair.missing)
    return before, r1, r2


def test_cross_unit_matrix_same_answer_and_nothing_changed(world):
    failures = []
    for route, pairs in matrix(world).items():
        for pair in pairs:
            if pair.forbidden == "/api/chat/files/" and pair.method == "post":
                pair.data = {"file": W._pdf(), "client_id": "x1", "conversation_id": str(world.conv_b.pk)}
            before, r1, r2 = _run_pair(world, pair)
            after = W.state_hash()
            subs = list(pair.subs)
            a1, a2 = answer(r1, subs), answer(r2, subs)
            if a1 != a2:
                failures.append(f"{route} [{pair.label}]: {a1[0]} {a1[1]!r} vs {a2[0]} {a2[1]!r}")
            elif r1.status_code == 200 and route not in LISTS and "?unit=" not in pair.forbidden and "stats" not in route:
                failures.append(f"{route} [{pair.label}]: answered 200 on another unit's object")
            if before != after:
                failures.append(f"{route} [{pair.label}]: the database changed")
    assert not failures, "\n".join(failures)


def test_lists_of_unit_a_show_nothing_of_unit_b(world):
    failures = []
    for route, paths in LISTS.items():
        for official in (world.a, world.sa):
            for path in paths:
                response = W.staff(official).get(path)
                if response.status_code == 404:
                    continue  # a plain official has no audit page at all
                if W.MARK_B in _body(response) or "b@example.com" in _body(response):
                    failures.append(f"{route}: {path} shows B's data to {official.display_name}")
    assert not failures, "\n".join(failures)


def test_unit_b_sees_its_own_objects(world):
    """The control: the same requests by B's own official succeed (the matrix is not vacuous)."""
    b = W.staff(world.b)
    assert b.get(f"/console/tickets/{world.ticket_b.pk}/").status_code == 200
    assert b.get(f"/console/tickets/{world.ticket_b.pk}/files/{world.ticket_file_b.pk}/").status_code == 200
    assert b.get(f"/api/chat/files/{world.chat_file_b.pk}/").status_code == 200
    assert W.Client().get(f"/api/chat/files/{world.chat_file_b.pk}/", HTTP_X_CHAT_TOKEN=world.token_b).status_code == 200
    assert W.MARK_B in _body(b.get("/console/mail/held/"))
    assert W.tracking(world.ticket_b).get(f"/track/{world.ticket_b.code}/").status_code == 200


def test_admin_is_staff_only(world):
    """The Django admin (every ``admin/`` pattern) is for ``is_staff`` users; an official is sent to
    the admin's login for B's object and for a missing one alike."""
    a = W.staff(world.a)
    r1 = a.get(f"/admin/tickets/ticket/{world.ticket_b.pk}/change/")
    r2 = a.get(f"/admin/tickets/ticket/{world.missing}/change/")
    assert r1.status_code == r2.status_code == 302
    assert answer(r1, [world.ticket_b.pk, world.missing]) == answer(r2, [world.ticket_b.pk, world.missing])
    assert Conversation.objects.filter(pk=world.conv_b.pk).exists()
